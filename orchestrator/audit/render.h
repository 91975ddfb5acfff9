#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/audit/fields.h"

// Rendering the audit report (report.h) as JSON, HTML or CSV, sealed with its SHA-256,
// and reading a filed report back. The seal (docs/audit.md, "Verifying a report"): the digest
// is the SHA-256 of the file's bytes with every occurrence of the digest replaced by 64 '0'
// characters. Each format carries it in one place a reader can find: the `report_sha256` last
// member (JSON), a `<meta name="egov-report-sha256">` element (HTML), the last row (CSV).
namespace egov::orchestrator::audit {

enum class ReportFormat { kJson, kHtml, kCsv };

const char* ToString(ReportFormat format);
/// "json", "html", "csv"; nullopt for anything else.
std::optional<ReportFormat> ParseReportFormat(std::string_view name);
/// From a file name's extension (.json, .html/.htm, .csv); nullopt when it has none of them.
std::optional<ReportFormat> FormatFromPath(std::string_view path);

/// The report's bytes in `format`, sealed.
std::string RenderReport(const nlohmann::ordered_json& report, ReportFormat format);

/// The unsealed renderings (digest given), for the sealing step and tests.
std::string RenderJson(const nlohmann::ordered_json& report, const std::string& digest);
std::string RenderHtml(const nlohmann::ordered_json& report, const std::string& digest);
std::string RenderCsv(const nlohmann::ordered_json& report, const std::string& digest);

/// The strings of a report array, joined.
std::string Joined(const nlohmann::ordered_json& items, const char* separator = ", ");
/// Where an evidence item of a finding was read: `source`, with `:line` when it has one.
std::string EvidencePlace(const nlohmann::ordered_json& item);

/// The CSV columns, in order.
const std::vector<std::string>& CsvColumns();

}  // namespace egov::orchestrator::audit
