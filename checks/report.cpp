#include "checks/report.h"

#include <ostream>

#include "checks/report_internal.h"
#include "common/enum_names.h"

namespace egov::checks {

std::optional<ReportFormat> ParseReportFormat(const std::string& name) {
  static constexpr const char* kNames[] = {"text", "json", "junit", "sarif", "html"};
  return EnumFromName<ReportFormat>(kNames, name);
}

void WriteReport(const ScanResult& result, ReportFormat format, std::ostream& out,
                 const std::vector<Waiver>& waivers) {
  switch (format) {
    case ReportFormat::kText:
      WriteText(result, out);
      break;
    case ReportFormat::kJson:
      out << ToJson(result).dump(2) << "\n";
      break;
    case ReportFormat::kJunit:
      WriteJunit(result, out);
      break;
    case ReportFormat::kSarif:
      WriteSarif(result, out);
      break;
    case ReportFormat::kHtml:
      WriteHtml(result, waivers, out);
      break;
  }
}

std::string EvidenceMark(const Evidence& e) {
  if (!e.ok) return "";
  return *e.ok ? "✓ " : "✗ ";
}

}  // namespace egov::checks
