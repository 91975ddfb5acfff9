#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

// `egovctl audit diff OLD NEW`: what changed between two filed reports (any formats), as the
// auditor compares this quarter with the last.
namespace egov::orchestrator::audit {

/// Compares two reports' data (seal.h LoadReport): hosts added, removed, now unknown
/// and known again; controls newly failing, passing and waived; 1145 features and workload
/// verdicts that changed. `regressions` counts what got worse.
nlohmann::ordered_json DiffReports(const nlohmann::ordered_json& old_report,
                                   const nlohmann::ordered_json& new_report);

/// The diff as text for a terminal.
void PrintDiff(const nlohmann::ordered_json& diff, std::ostream& out);

}  // namespace egov::orchestrator::audit
