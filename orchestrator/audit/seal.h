#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/audit/render.h"

// Reading a filed report back: checking its seal (`egovctl audit verify`) and recovering the
// data that `egovctl audit diff` compares, from any of the three formats.
namespace egov::orchestrator::audit {

/// The format of a report's bytes, from its first bytes; throws ConfigError when it is none.
ReportFormat DetectFormat(std::string_view bytes, const std::string& file);

struct Verification {
  ReportFormat format = ReportFormat::kJson;
  bool ok = false;
  std::string claimed;  ///< the digest the report carries (empty when none was found)
  std::string actual;   ///< the digest its bytes have
  std::string problem;  ///< why it does not verify
};

/// Checks the seal of a report's bytes. Throws ConfigError only when the bytes are not a
/// report at all; a damaged or altered report is a failed Verification.
Verification VerifyReport(std::string_view bytes, const std::string& file);

/// Parses a report's CSV text into rows of fields (RFC 4180); throws ConfigError on bad quoting.
std::vector<std::vector<std::string>> ParseCsv(std::string_view text, const std::string& file);

/// The report's data as JSON: the whole report for JSON and HTML (embedded copy), and for CSV
/// the parts the rows carry (meta, matrix, verdicts, hosts with their control statuses).
/// Throws ConfigError when the bytes cannot be read as a report.
nlohmann::ordered_json LoadReport(std::string_view bytes, const std::string& file);

}  // namespace egov::orchestrator::audit
