#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "checks/scan.h"

// Renderings of scan results for people and CI systems.
namespace egov::checks {

enum class ReportFormat { kText, kJson, kJunit, kSarif, kHtml };

/// text, json, junit, sarif or html; nullopt for anything else.
std::optional<ReportFormat> ParseReportFormat(const std::string& name);

/// Writes `result` in `format`. Text puts the summary first, then failures and errors with
/// their evidence and remediation; HTML is one self-contained printable page in Vietnamese and
/// English for auditors (contents, failures first, the waivers given with whether they applied,
/// expired or name no scanned control); JUnit has a test case per control; SARIF 2.1.0 a result
/// per failing control, its locations relative to the scanned root.
void WriteReport(const ScanResult& result, ReportFormat format, std::ostream& out,
                 const std::vector<Waiver>& waivers = {});

/// One line per profile: "mic-1145: FAIL 40/43 applicable pass (93.0%, 95.3% with waivers)".
std::string OneLineSummary(const ProfileResult& profile);

/// A ratio as a percentage with one decimal: "93.0%".
std::string Percent(double ratio);

}  // namespace egov::checks
