#include <cstdio>
#include <ostream>

#include "checks/report_internal.h"
#include "common/domain_metadata.h"

namespace egov::checks {
namespace {

std::string E(const std::string& s) { return XmlEscape(s); }

// "Vietnamese / English" labels: the report is read by Vietnamese auditors and foreign vendors.
const char* StatusVi(Status s) {
  switch (s) {
    case Status::kPass:
      return "Đạt";
    case Status::kFail:
      return "Không đạt";
    case Status::kError:
      return "Lỗi kiểm tra";
    case Status::kSkipped:
      return "Bỏ qua";
    case Status::kNotApplicable:
      return "Không áp dụng";
    default:
      return "Được miễn trừ";
  }
}

const char* VerdictVi(LevelVerdict v) {
  switch (v) {
    case LevelVerdict::kMet:
      return "Đáp ứng";
    case LevelVerdict::kPartlyMet:
      return "Đáp ứng một phần";
    default:
      return "Không đáp ứng";
  }
}

const char* VerdictEn(LevelVerdict v) {
  switch (v) {
    case LevelVerdict::kMet:
      return "met";
    case LevelVerdict::kPartlyMet:
      return "partly met";
    default:
      return "not met";
  }
}

constexpr const char* kStyle = R"(
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:2em;color:#1a1a1a;font-size:14px}
h1{font-size:22px;margin:0 0 .2em}h2{font-size:18px;margin:1.6em 0 .4em;border-bottom:2px solid #333}
h3{font-size:15px;margin:1.2em 0 .3em}.en{color:#555;font-style:italic}
table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{border:1px solid #bbb;padding:4px 6px;
vertical-align:top;text-align:left}th{background:#eee}.num{text-align:right}
.s{font-weight:bold;white-space:nowrap}.pass{color:#13612e}.fail{color:#b00020}.error{color:#8a4b00}
.waived{color:#5b3a99}.not_applicable,.skipped{color:#666}
.ev{font-family:"DejaVu Sans Mono",monospace;font-size:12px;white-space:pre-wrap}
.meta td{border:none;padding:1px 8px 1px 0}.card{display:inline-block;border:1px solid #bbb;
padding:6px 12px;margin:0 8px 8px 0}@media print{body{margin:1cm}h2{break-after:avoid}
tr{break-inside:avoid}}
)";

void Controls(std::ostream& out, const ProfileResult& p) {
  out << "<table><tr><th>Mã / ID</th><th>Tiêu chí / Control</th><th>Kết quả / Result</th>"
         "<th>Bằng chứng / Evidence</th><th>Khắc phục / Remediation</th></tr>\n";
  std::string group, feature;
  for (const auto& c : p.controls) {
    if (c.group != group || c.feature != feature) {
      group = c.group;
      feature = c.feature;
      out << "<tr><th colspan=\"5\">" << E(group) << " — " << E(feature) << "</th></tr>\n";
    }
    const std::string cls = ToString(c.status);
    out << "<tr><td>" << E(c.id) << "<br><small>" << egov::ToString(c.severity)
        << "</small></td><td>" << E(c.title.vi) << "<br><span class=\"en\">" << E(c.title.en)
        << "</span>";
    if (!c.references.empty()) {
      out << "<br><small>";
      for (size_t i = 0; i < c.references.size(); ++i) out << (i ? "; " : "") << E(c.references[i]);
      out << "</small>";
    }
    out << "</td><td class=\"s " << cls << "\">" << StatusVi(c.status) << "<br><span class=\"en\">"
        << cls << "</span></td><td><div>" << E(c.reason) << "</div><div class=\"ev\">";
    for (const auto& e : c.evidence) {
      out << E(e.source) << (e.line > 0 ? ":" + std::to_string(e.line) : "") << ": "
          << E(e.observed) << " (" << E(e.expected) << ")\n";
    }
    out << "</div>";
    if (c.waiver) {
      out << "<div class=\"waived\">Miễn trừ / waiver " << E(c.waiver->name) << ": "
          << E(c.waiver->reason) << " — " << E(c.waiver->approved_by) << ", "
          << FormatDate(c.waiver->expires) << "</div>";
    }
    out << "</td><td>";
    if (c.status == Status::kFail || c.status == Status::kError || c.status == Status::kWaived) {
      out << E(c.remediation.vi) << "<br><span class=\"en\">" << E(c.remediation.en) << "</span>";
    }
    out << "</td></tr>\n";
  }
  out << "</table>\n";
}

}  // namespace

void WriteHtml(const ScanResult& r, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
      << "<title>Báo cáo kiểm tra tuân thủ / Compliance report — " << E(r.host) << "</title>"
      << "<style>" << kStyle << "</style></head><body>\n"
      << "<h1>Báo cáo kiểm tra tuân thủ <span class=\"en\">/ Compliance scan report</span></h1>\n"
      << "<table class=\"meta\"><tr><td>Máy chủ / Host</td><td><b>" << E(r.host) << "</b></td></tr>"
      << "<tr><td>Thư mục gốc / Root</td><td>" << E(r.root) << "</td></tr>"
      << "<tr><td>Thời điểm / Time (UTC)</td><td>" << FormatTimestamp(r.started_at) << "</td></tr>"
      << "<tr><td>Công cụ / Tool</td><td>egov-agent " << E(r.agent_version) << " ("
      << E(r.agent_revision) << ")</td></tr>"
      << "<tr><td>Kết luận / Outcome</td><td class=\"s " << (r.Passed() ? "pass" : "fail") << "\">"
      << (r.Passed() ? "Đạt / PASS" : "Không đạt / FAIL") << "</td></tr></table>\n";
  out << "<h2>Tóm tắt <span class=\"en\">/ Summary</span></h2>\n<table><tr><th>Hồ sơ / Profile</th>"
         "<th>Cấp độ / Level</th><th>Đánh giá / Verdict</th><th class=\"num\">Đạt / Pass</th>"
         "<th class=\"num\">Không đạt / Fail</th><th class=\"num\">Lỗi / Error</th>"
         "<th class=\"num\">Miễn trừ / Waived</th><th class=\"num\">Không áp dụng / N/A</th>"
         "<th class=\"num\">Tỷ lệ / Score</th><th class=\"num\">Tính cả miễn trừ / With waivers"
         "</th></tr>\n";
  for (const auto& p : r.profiles) {
    const Summary& s = p.summary;
    out << "<tr><td>" << E(p.name) << "<br><small>" << E(p.title.vi) << "</small></td><td>"
        << (p.level ? std::to_string(*p.level) : "—") << "</td><td class=\"s "
        << (p.level_verdict == LevelVerdict::kMet ? "pass" : "fail") << "\">"
        << VerdictVi(p.level_verdict) << "<br><span class=\"en\">" << VerdictEn(p.level_verdict)
        << "</span></td><td class=\"num\">" << s.pass << "</td><td class=\"num\">" << s.fail
        << "</td><td class=\"num\">" << s.error << "</td><td class=\"num\">" << s.waived
        << "</td><td class=\"num\">" << s.not_applicable + s.skipped << "</td><td class=\"num\">"
        << Percent(s.score) << "</td><td class=\"num\">" << Percent(s.score_with_waivers)
        << "</td></tr>\n";
  }
  out << "</table>\n";
  for (const auto& p : r.profiles) {
    out << "<h2>" << E(p.title.vi) << " <span class=\"en\">/ " << E(p.title.en) << "</span></h2>\n"
        << "<p>" << E(p.name) << (p.version.empty() ? "" : " " + E(p.version))
        << (p.level ? ", cấp độ / level " + std::to_string(*p.level) : "") << "</p>\n"
        << "<h3>Tính năng <span class=\"en\">/ Features (đạt khi mọi tiêu chí đạt / pass only if "
           "every control passes)</span></h3>\n<table><tr><th>Nhóm / Group</th>"
           "<th>Tính năng / Feature</th><th class=\"num\">Áp dụng / Applicable</th>"
           "<th class=\"num\">Không đạt / Failing</th><th>Kết quả / Result</th></tr>\n";
    for (const auto& f : p.features) {
      out << "<tr><td>" << E(f.group) << "</td><td>" << E(f.feature) << "</td><td class=\"num\">"
          << f.applicable << "/" << f.controls << "</td><td class=\"num\">" << f.failed
          << "</td><td class=\"s " << (f.passed ? "pass" : "fail") << "\">"
          << (f.passed ? "Đạt / pass" : "Không đạt / fail") << "</td></tr>\n";
    }
    out << "</table>\n<h3>Tiêu chí <span class=\"en\">/ Controls</span></h3>\n";
    Controls(out, p);
  }
  out << "</body></html>\n";
}

}  // namespace egov::checks
