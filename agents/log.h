#pragma once

#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

// Structured log lines on stderr in logfmt (`ts=… level=… msg=… key=value`), the format
// node_exporter and Prometheus write, so journald and log shippers can split the fields.
namespace egov::agent {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

/// Parses debug|info|warn|error.
bool ParseLogLevel(std::string_view text, LogLevel& level);

using LogField = std::pair<std::string_view, std::string>;

/// Formats one line (without the newline). Pure, for tests: values with spaces, quotes, `=`
/// or control characters are quoted and escaped.
std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view msg,
                          std::initializer_list<LogField> fields);

/// Process-wide logger. Thread-safe: each line is written whole.
class Log {
 public:
  static void SetLevel(LogLevel level);
  /// Sends lines to `out` instead of stderr (tests); nullptr restores stderr.
  static void SetStream(std::ostream* out);
  static void Write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields);

  static void Debug(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kDebug, msg, fields);
  }
  static void Info(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kInfo, msg, fields);
  }
  static void Warn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kWarn, msg, fields);
  }
  static void Error(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kError, msg, fields);
  }
};

}  // namespace egov::agent
