#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace egov {

/// Where something came from in an input file; line and column count from 1 (0 = unknown).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

/// One problem found in an input, with what was expected.
struct Diagnostic {
  SourcePos pos;
  std::string message;
};

/// Renders `file:line:col: message`, dropping the parts that are unknown.
std::string FormatDiagnostic(const Diagnostic& d);

/// Bad configuration or input: carries every problem found, so one run reports them all.
/// The command-line front ends map it to exit code 2.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  ConfigError(SourcePos pos, std::string message);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// Collects diagnostics while a whole input is read; Throw() raises them together.
class DiagnosticSink {
 public:
  void Add(SourcePos pos, std::string message);
  bool empty() const { return diagnostics_.empty(); }
  size_t size() const { return diagnostics_.size(); }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  /// Throws ConfigError when anything was collected.
  void ThrowIfAny() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace egov
