#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <ostream>

#include "checks/report_internal.h"
#include "common/domain_metadata.h"
#include "common/enum_names.h"

namespace egov::checks {
namespace {

std::string E(const std::string& s) { return XmlEscape(s); }

// "Vietnamese / English" labels: the report is read by Vietnamese auditors and foreign vendors.
const char* StatusVi(Status s) {
  static constexpr const char* kNames[] = {"Đạt",    "Không đạt",     "Lỗi kiểm tra",
                                           "Bỏ qua", "Không áp dụng", "Được miễn trừ"};
  static_assert(std::size(kNames) == static_cast<size_t>(Status::kWaived) + 1);
  return EnumName(kNames, s);
}

const char* VerdictVi(LevelVerdict v) {
  static constexpr const char* kNames[] = {"Đáp ứng", "Đáp ứng một phần", "Không đáp ứng"};
  static_assert(std::size(kNames) == static_cast<size_t>(LevelVerdict::kNotMet) + 1);
  return EnumName(kNames, v);
}

const char* VerdictEn(LevelVerdict v) {
  static constexpr const char* kNames[] = {"met", "partly met", "not met"};
  static_assert(std::size(kNames) == static_cast<size_t>(LevelVerdict::kNotMet) + 1);
  return EnumName(kNames, v);
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
padding:6px 12px;margin:0 8px 8px 0}nav ol{margin:.2em 0}a{color:#0b4f9c}
@media print{body{margin:1cm}h2{break-after:avoid}tr{break-inside:avoid}}
)";

// An id for anchors: letters, digits and dashes only.
std::string Anchor(const std::string& prefix, const std::string& a, const std::string& b = "") {
  std::string out = prefix;
  for (char c : a + (b.empty() ? "" : "-" + b)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '-';
  }
  return out;
}

bool Failed(const ControlResult& c) {
  return c.status == Status::kFail || c.status == Status::kError;
}

// The cells of one control: id, title with references, result, reason with evidence and any
// waiver, remediation when it did not pass.
void Row(std::ostream& out, const ControlResult& c, const std::string& id) {
  const std::string cls = ToString(c.status);
  out << "<tr" << (id.empty() ? "" : " id=\"" + id + "\"") << "><td>" << E(c.id) << "<br><small>"
      << egov::ToString(c.severity) << "</small></td><td>" << E(c.title.vi)
      << "<br><span class=\"en\">" << E(c.title.en) << "</span>";
  if (!c.references.empty()) {
    out << "<br><small>";
    for (size_t i = 0; i < c.references.size(); ++i) out << (i ? "; " : "") << E(c.references[i]);
    out << "</small>";
  }
  out << "</td><td class=\"s " << cls << "\">" << StatusVi(c.status) << "<br><span class=\"en\">"
      << cls << "</span></td><td><div>" << E(c.reason) << "</div><div class=\"ev\">";
  for (const auto& e : c.evidence) {
    out << EvidenceMark(e) << E(e.source) << (e.line > 0 ? ":" + std::to_string(e.line) : "")
        << ": " << E(e.observed) << " (" << E(e.expected) << ")\n";
  }
  out << "</div>";
  if (c.waiver) {
    out << "<div class=\"waived\">Miễn trừ / waiver " << E(c.waiver->name) << ": "
        << E(c.waiver->reason) << " — " << E(c.waiver->approved_by) << ", "
        << FormatDate(c.waiver->expires) << "</div>";
  }
  out << "</td><td>";
  if (Failed(c) || c.status == Status::kWaived) {
    out << E(c.remediation.vi) << "<br><span class=\"en\">" << E(c.remediation.en) << "</span>";
  }
  out << "</td></tr>\n";
}

constexpr const char* kControlHeader =
    "<table><tr><th>Mã / ID</th><th>Tiêu chí / Control</th><th>Kết quả / Result</th>"
    "<th>Bằng chứng / Evidence</th><th>Khắc phục / Remediation</th></tr>\n";

void Controls(std::ostream& out, const ProfileResult& p) {
  out << kControlHeader;
  std::string group, feature;
  for (const auto& c : p.controls) {
    if (c.group != group || c.feature != feature) {
      group = c.group;
      feature = c.feature;
      out << "<tr><th colspan=\"5\">" << E(group) << " — " << E(feature) << "</th></tr>\n";
    }
    Row(out, c, Anchor("c-", p.name, c.id));
  }
  out << "</table>\n";
}

// Every failing or erring control of every profile, most severe first, each linking to its row.
void Failures(std::ostream& out, const ScanResult& r, size_t count) {
  out << "<h2 id=\"failures\">Không đạt và lỗi <span class=\"en\">/ Failures and errors</span> ("
      << count << ")</h2>\n";
  if (count == 0) {
    out << "<p>Không có / None.</p>\n";
    return;
  }
  out << kControlHeader;
  for (const Severity sev :
       {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow}) {
    for (const auto& p : r.profiles) {
      for (const auto& c : p.controls) {
        if (!Failed(c) || c.severity != sev) continue;
        out << "<tr><th colspan=\"5\"><a href=\"#" << Anchor("c-", p.name, c.id) << "\">"
            << E(p.name) << " " << E(c.id) << "</a></th></tr>\n";
        Row(out, c, "");
      }
    }
  }
  out << "</table>\n";
}

// Waivers applied, expired (they no longer apply: the control is judged) and naming no control
// of the scanned profiles (a typo, or a control that went away).
void Waivers(std::ostream& out, const ScanResult& r, const std::vector<Waiver>& waivers) {
  const Date today = std::chrono::floor<std::chrono::days>(r.started_at);
  out << "<h2 id=\"waivers\">Miễn trừ <span class=\"en\">/ Waivers</span></h2>\n<table><tr>"
         "<th>Miễn trừ / Waiver</th><th>Tiêu chí / Control</th><th>Trạng thái / State</th>"
         "<th>Lý do / Reason</th><th>Phê duyệt / Approved by</th><th>Hết hạn / Expires</th></tr>\n";
  size_t rows = 0;
  for (const auto& w : waivers) {
    bool known = false, applied = false;
    for (const auto& p : r.profiles) {
      if (!w.profile.empty() && w.profile != p.name) continue;
      for (const auto& c : p.controls) {
        if (c.id != w.control) continue;
        known = true;
        applied = applied || (c.waiver && c.waiver->name == w.name);
      }
    }
    const char* state = !known ? "không có tiêu chí này / names no scanned control"
                        : w.expires < today ? "hết hạn, không còn áp dụng / expired, not applied"
                        : applied           ? "đã áp dụng / applied"
                                  : "không cần hoặc không cho máy này / not needed or other hosts";
    ++rows;
    out << "<tr><td>" << E(w.name) << "</td><td>" << E(w.profile.empty() ? "" : w.profile + " ")
        << E(w.control) << "</td><td class=\"s "
        << (!known || w.expires < today ? "fail" : "waived") << "\">" << state << "</td><td>"
        << E(w.reason) << "</td><td>" << E(w.approved_by) << "</td><td>" << FormatDate(w.expires)
        << "</td></tr>\n";
  }
  if (rows == 0) out << "<tr><td colspan=\"6\">Không có / None.</td></tr>\n";
  out << "</table>\n";
}

}  // namespace

void WriteHtml(const ScanResult& r, const std::vector<Waiver>& waivers, std::ostream& out) {
  size_t failing = 0;
  for (const auto& p : r.profiles) {
    failing += static_cast<size_t>(std::count_if(p.controls.begin(), p.controls.end(), Failed));
  }
  std::error_code ec;
  const auto root = std::filesystem::absolute(r.root.empty() ? "/" : r.root, ec).lexically_normal();
  out << "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
      << "<title>Báo cáo kiểm tra tuân thủ / Compliance report — " << E(r.host) << "</title>"
      << "<style>" << kStyle << "</style></head><body>\n"
      << "<h1>Báo cáo kiểm tra tuân thủ <span class=\"en\">/ Compliance scan report</span></h1>\n"
      << "<table class=\"meta\"><tr><td>Máy chủ / Host</td><td><b>" << E(r.host) << "</b></td></tr>"
      << "<tr><td>Thư mục gốc / Root</td><td>" << E(ec ? r.root : root.string()) << "</td></tr>"
      << "<tr><td>Thời điểm / Time (UTC)</td><td>" << FormatTimestamp(r.started_at) << "</td></tr>"
      << "<tr><td>Công cụ / Tool</td><td>egov-agent " << E(r.agent_version) << " ("
      << E(r.agent_revision) << ")</td></tr>"
      << "<tr><td>Kết luận / Outcome</td><td class=\"s " << (r.Passed() ? "pass" : "fail") << "\">"
      << (r.Passed() ? "Đạt / PASS" : "Không đạt / FAIL") << "</td></tr></table>\n";
  out << "<nav><h2>Mục lục <span class=\"en\">/ Contents</span></h2><ol>"
      << "<li><a href=\"#summary\">Tóm tắt / Summary</a></li>"
      << "<li><a href=\"#failures\">Không đạt và lỗi / Failures and errors (" << failing
      << ")</a></li><li><a href=\"#waivers\">Miễn trừ / Waivers</a></li>";
  for (const auto& p : r.profiles) {
    out << "<li><a href=\"#" << Anchor("p-", p.name) << "\">" << E(p.title.vi) << " / " << E(p.name)
        << "</a></li>";
  }
  out << "</ol></nav>\n";
  out << "<h2 id=\"summary\">Tóm tắt <span class=\"en\">/ Summary</span></h2>\n<table><tr>"
         "<th>Hồ sơ / Profile</th>"
         "<th>Cấp độ / Level</th><th>Đánh giá / Verdict</th><th class=\"num\">Đạt / Pass</th>"
         "<th class=\"num\">Không đạt / Fail</th><th class=\"num\">Lỗi / Error</th>"
         "<th class=\"num\">Miễn trừ / Waived</th><th class=\"num\">Không áp dụng / N/A</th>"
         "<th class=\"num\">Tỷ lệ / Score</th><th class=\"num\">Tính cả miễn trừ / With waivers"
         "</th></tr>\n";
  for (const auto& p : r.profiles) {
    const Summary& s = p.summary;
    out << "<tr><td><a href=\"#" << Anchor("p-", p.name) << "\">" << E(p.name) << "</a><br><small>"
        << E(p.title.vi) << "</small></td><td>" << (p.level ? std::to_string(*p.level) : "—")
        << "</td><td class=\"s " << (p.level_verdict == LevelVerdict::kMet ? "pass" : "fail")
        << "\">" << VerdictVi(p.level_verdict) << "<br><span class=\"en\">"
        << VerdictEn(p.level_verdict) << "</span></td><td class=\"num\">" << s.pass
        << "</td><td class=\"num\">" << s.fail << "</td><td class=\"num\">" << s.error
        << "</td><td class=\"num\">" << s.waived << "</td><td class=\"num\">"
        << s.not_applicable + s.skipped << "</td><td class=\"num\">" << Percent(s.score)
        << "</td><td class=\"num\">" << Percent(s.score_with_waivers) << "</td></tr>\n";
  }
  out << "</table>\n";
  Failures(out, r, failing);
  Waivers(out, r, waivers);
  for (const auto& p : r.profiles) {
    out << "<h2 id=\"" << Anchor("p-", p.name) << "\">" << E(p.title.vi) << " <span class=\"en\">/ "
        << E(p.title.en) << "</span></h2>\n"
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
