#include "common/diagnostics.h"

#include <utility>

namespace egov {

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = d.pos.file;
  if (d.pos.line > 0) {
    out += ':' + std::to_string(d.pos.line);
    if (d.pos.column > 0) out += ':' + std::to_string(d.pos.column);
  }
  if (!out.empty()) out += ": ";
  return out + d.message;
}

namespace {
std::string Summary(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return "invalid input";
  std::string out = FormatDiagnostic(diagnostics.front());
  if (diagnostics.size() > 1) {
    out += " (and " + std::to_string(diagnostics.size() - 1) + " more)";
  }
  return out;
}
}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(Summary(diagnostics)), diagnostics_(std::move(diagnostics)) {}

ConfigError::ConfigError(SourcePos pos, std::string message)
    : ConfigError(std::vector<Diagnostic>{{std::move(pos), std::move(message)}}) {}

void DiagnosticSink::Add(SourcePos pos, std::string message) {
  diagnostics_.push_back({std::move(pos), std::move(message)});
}

void DiagnosticSink::ThrowIfAny() const {
  if (!diagnostics_.empty()) throw ConfigError(diagnostics_);
}

}  // namespace egov
