#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "checks/scan.h"

// Renderings of scan results for people and CI systems.
namespace egov::checks {

enum class ReportFormat { kText, kJson, kJunit, kSarif, kHtml };

/// text, json, junit, sarif or html; nullopt for anything else.
std::optional<ReportFormat> ParseReportFormat(const std::string& name);

/// Writes `result` in `format`. Text puts the summary first, then failures and errors with
/// their evidence and remediation; HTML is one self-contained printable page in Vietnamese and
/// English; JUnit has a test case per control; SARIF 2.1.0 a result per failing control.
void WriteReport(const ScanResult& result, ReportFormat format, std::ostream& out);

/// One line per profile: "mic-1145: FAIL 40/43 applicable pass (93.0%, 95.3% with waivers)".
std::string OneLineSummary(const ProfileResult& profile);

/// A ratio as a percentage with one decimal: "93.0%".
std::string Percent(double ratio);

}  // namespace egov::checks
