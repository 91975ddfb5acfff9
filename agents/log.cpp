#include "agents/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "common/clock.h"
#include "common/enum_names.h"

namespace egov::agent {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;
std::ostream* g_stream = nullptr;

constexpr const char* kLevelNames[] = {"debug", "info", "warn", "error"};

void AppendValue(std::string& out, std::string_view value) {
  bool quote = value.empty();
  for (unsigned char c : value) quote = quote || c <= ' ' || c == '"' || c == '=' || c == 0x7F;
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < ' ' || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel& level) {
  const auto parsed = EnumFromName<LogLevel>(kLevelNames, text);
  if (parsed) level = *parsed;
  return parsed.has_value();
}

std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view msg,
                          std::initializer_list<LogField> fields) {
  std::string line = "ts=";
  line += timestamp;
  line += " level=";
  line += EnumName(kLevelNames, level);
  line += " msg=";
  AppendValue(line, msg);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    AppendValue(line, value);
  }
  return line;
}

void Log::SetLevel(LogLevel level) { g_level = level; }

void Log::SetStream(std::ostream* out) {
  std::lock_guard lock(g_mutex);
  g_stream = out;
}

void Log::Write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (level < g_level.load()) return;
  std::string line =
      FormatLogLine(FormatTimestamp(std::chrono::system_clock::now(), TimePrecision::kMilliseconds),
                    level, msg, fields);
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::ostream& out = g_stream ? *g_stream : std::cerr;
  out << line;
  out.flush();
}

}  // namespace egov::agent
