// The HTML rendering: one self-contained file (no scripts, fonts or images to fetch), in
// Vietnamese and English side by side, laid out for A4 paper. Every verdict carries a
// data-status attribute and a word, not only a colour, so that both machines and people
// printing in black and white can read it.
#include <string>

#include "common/domain_metadata.h"
#include "orchestrator/audit/render.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::ordered_json;

std::string Esc(std::string_view s) { return XmlEscape(s); }

std::string S(const ordered_json& j, const char* key) { return Field(j, key); }

// Vietnamese first, English after, each marked with its language.
std::string Bi(std::string_view vi, std::string_view en) {
  if (vi == en || en.empty()) return "<span lang=\"vi\">" + Esc(vi) + "</span>";
  if (vi.empty()) return "<span lang=\"en\">" + Esc(en) + "</span>";
  return "<span lang=\"vi\">" + Esc(vi) + "</span> <span class=\"en\" lang=\"en\">" + Esc(en) +
         "</span>";
}

std::string Bi(const ordered_json& text) { return Bi(S(text, "vi"), S(text, "en")); }

// The opening of a report section and its heading; `number` is "1. " and on, or "".
std::string Section(std::string_view id, std::string_view number, std::string_view vi,
                    std::string_view en) {
  return "<section id=\"" + std::string(id) + "\"><h2>" + std::string(number) + Bi(vi, en) +
         "</h2>";
}

struct Word {
  const char* key;
  const char* symbol;
  const char* vi;
  const char* en;
};

constexpr Word kWords[] = {
    {"pass", "✓", "Đạt", "Pass"},
    {"fail", "✗", "Không đạt", "Fail"},
    {"error", "!", "Lỗi kiểm tra", "Check error"},
    {"waived", "≈", "Miễn trừ", "Waived"},
    {"not_applicable", "–", "Không áp dụng", "Not applicable"},
    {"skipped", "–", "Bỏ qua", "Skipped"},
    {"unknown", "?", "Chưa xác định", "Unknown"},
    {"met", "✓", "Đáp ứng", "Met"},
    {"partly_met", "◐", "Đáp ứng một phần", "Partly met"},
    {"not_met", "✗", "Không đáp ứng", "Not met"},
    {"not_required", "–", "Chính sách không yêu cầu", "Not required by the policy"},
    {"known", "✓", "Đã thu thập", "Collected"},
    {"in_force", "✓", "Còn hiệu lực", "In force"},
    {"expired", "✗", "Hết hạn", "Expired"},
};

std::string Badge(const std::string& status) {
  for (const auto& w : kWords) {
    if (status == w.key) {
      return "<span class=\"badge s-" + status + "\" data-status=\"" + status + "\">" + w.symbol +
             " " + Bi(w.vi, w.en) + "</span>";
    }
  }
  return "<span class=\"badge\" data-status=\"" + Esc(status) + "\">" + Esc(status) + "</span>";
}

std::string Th(std::string_view vi, std::string_view en, const char* cls = nullptr) {
  return std::string("<th") + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">" +
         Bi(vi, en) + "</th>";
}

// Escaping works character by character, so escaping the joined list escapes each item.
std::string List(const ordered_json& items) { return Esc(Joined(items)); }

std::string Evidence(const ordered_json& evidence) {
  std::string out;
  for (const auto& e : evidence) {
    if (!e.is_object()) continue;
    out += "<li><code>" + Esc(EvidencePlace(e)) + "</code>";
    if (!S(e, "observed").empty()) out += " — " + Esc(S(e, "observed"));
    if (!S(e, "expected").empty()) {
      out += " <span class=\"expected\">(" + Bi("cần", "expected") + ": " + Esc(S(e, "expected")) +
             ")</span>";
    }
    out += "</li>";
  }
  return out.empty() ? out : "<ul class=\"evidence\">" + out + "</ul>";
}

constexpr const char* kStyle = R"CSS(
:root { --ok:#1b6e20; --bad:#b3261e; --warn:#8a5a00; --unk:#5b4c8a; --line:#c8ccd2; }
* { box-sizing: border-box; }
body { font: 10pt/1.4 "DejaVu Sans", "Noto Sans", Arial, sans-serif; color:#111; margin: 0 auto;
       max-width: 200mm; padding: 8mm 6mm; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm;
  border-bottom: 2px solid #223; padding-bottom: 1mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; break-after: avoid; }
.en { color: #445; font-style: italic; }
h1 .en, h2 .en, h3 .en, th .en { font-weight: normal; }
table { width: 100%; border-collapse: collapse; margin: 1mm 0 3mm; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: 1mm 1.5mm; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { background: #eef0f4; font-size: 8.5pt; }
thead { display: table-header-group; } tr { break-inside: avoid; }
code { font: 8.5pt/1.3 "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.meta th { width: 34%; } .num { text-align: right; width: 12mm; }
.badge { display: inline-block; padding: 0 1.5mm; border-radius: 2mm; font-weight: bold;
         font-size: 8.5pt; max-width: 100%; }
.badge .en { color: inherit; }
.s-pass, .s-met, .s-known, .s-in_force { color: var(--ok); background: #e3f1e4; }
.s-fail, .s-not_met, .s-error, .s-expired { color: var(--bad); background: #fbe4e2; }
.s-partly_met, .s-waived { color: var(--warn); background: #fdf0d5; }
.s-unknown { color: var(--unk); background: #ebe7f5; }
.s-not_applicable, .s-skipped { color: #555; background: #eee; }
.overall { font-size: 12pt; padding: 2mm 3mm; border: 2px solid; margin: 3mm 0; }
.overall.ok { border-color: var(--ok); } .overall.bad { border-color: var(--bad); }
.small { font-size: 8.5pt; color: #333; } ul { margin: 0; padding-left: 4mm; }
ul.evidence { list-style: square; } .expected { color: #333; }
article.host { border-top: 1px solid #889; margin-top: 4mm; }
footer { margin-top: 8mm; font-size: 8pt; color: #333; border-top: 1px solid var(--line); }
@page { size: A4 portrait; margin: 14mm 12mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
@media print { body { max-width: none; padding: 0; font-size: 9pt; }
  section#hosts article.host { break-before: auto; } a { color: inherit; text-decoration: none; } }
)CSS";

void Meta(std::string& h, const ordered_json& r) {
  const auto& w = r["window"];
  const auto& t = r["tool"];
  auto row = [&](std::string_view vi, std::string_view en, const std::string& value) {
    h += "<tr><th>" + Bi(vi, en) + "</th><td>" + value + "</td></tr>";
  };
  h += "<table class=\"meta\" id=\"meta\"><tbody>";
  row("Kỳ báo cáo", "Reporting window",
      "<span id=\"window\">" + Esc(S(w, "from")) + " → " + Esc(S(w, "to")) + "</span>");
  row("Ngày đánh giá", "Audit date", Esc(S(r, "audit_date")));
  row("Thời điểm lập", "Generated at", Esc(S(r, "generated_at")));
  row("Người thực hiện", "Auditor", "<span id=\"auditor\">" + Esc(S(r, "auditor")) + "</span>");
  row("Nguồn kết quả", "Results from", Esc(S(r["settings"], "source")));
  row("Hồ sơ ma trận 1145", "1145 matrix profile", Esc(S(r["settings"], "matrix_profile")));
  row("Công cụ", "Tool", Esc(S(t, "name") + " " + S(t, "version") + " (" + S(t, "revision") + ")"));
  h += "</tbody></table>";
}

void Summary(std::string& h, const ordered_json& r) {
  const auto& s = r["summary"];
  const bool ok = s["compliant"].get<bool>();
  h += Section("summary", "", "Tóm tắt", "Summary");
  h += std::string("<p class=\"overall ") + (ok ? "ok" : "bad") +
       "\" id=\"overall\" data-compliant=\"" + (ok ? "true" : "false") + "\">" +
       (ok ? Bi("Toàn bộ hạ tầng đáp ứng các tiêu chí đã đánh giá.",
                "Every host and workload meets the assessed criteria.")
           : Bi("Có tiêu chí chưa đáp ứng hoặc chưa xác định — xem chi tiết bên dưới.",
                "Some criteria are not met or unknown — see the details below.")) +
       "</p>";
  h += "<table class=\"counts\"><tbody>";
  auto row = [&](std::string_view vi, std::string_view en, const std::string& id,
                 const std::string& value) {
    h += "<tr><th>" + Bi(vi, en) + "</th><td id=\"" + id + "\">" + value + "</td></tr>";
  };
  row("Máy chủ đã thu thập / tổng số", "Hosts collected / total", "hosts-known",
      S(s, "hosts_known") + " / " + S(s, "hosts"));
  row("Máy chủ chưa xác định", "Unknown hosts", "hosts-unknown", S(s, "hosts_unknown"));
  row("Tính năng 1145 đạt (cộng các nhà cung cấp)", "1145 features passing (all providers)",
      "features", S(s, "features_passed") + " / " + S(s, "features_total"));
  const auto& v = s["verdicts"];
  row("Hệ thống: đáp ứng / một phần / không / chưa rõ / không yêu cầu",
      "Workloads: met / partly / not / unknown / not required", "verdicts",
      S(v, "met") + " / " + S(v, "partly_met") + " / " + S(v, "not_met") + " / " + S(v, "unknown") +
          " / " + S(v, "not_required"));
  const auto& c = s["controls"];
  row("Kiểm tra: đạt / không đạt / lỗi / miễn trừ", "Controls: pass / fail / error / waived",
      "controls",
      S(c, "pass") + " / " + S(c, "fail") + " / " + S(c, "error") + " / " + S(c, "waived"));
  h += "</tbody></table></section>";
}

void Matrix(std::string& h, const ordered_json& r) {
  const auto& providers = r["providers"];
  h += Section("matrix", "1. ", "Ma trận tính năng theo Công văn 1145/BTTTT-CATTT",
               "Official Letter 1145 feature matrix") +
       "<p class=\"small\">" +
       Bi("Một tính năng đạt với một nhà cung cấp chỉ khi mọi tiêu chí của nó đạt trên mọi máy chủ "
          "của nhà cung cấp đó.",
          "A feature passes for a provider only if every criterion under it passes on every host "
          "of that provider.") +
       "</p>";
  h += "<table id=\"matrix-table\"><thead><tr>" + Th("Nhóm", "Group") + Th("Tính năng", "Feature");
  for (const auto& p : providers) {
    const auto& m = p["matrix"];
    h += "<th class=\"provider\" data-provider=\"" + Esc(S(p, "name")) + "\">" + Esc(S(p, "name")) +
         "<br><span class=\"score\" data-passed=\"" + S(m, "passed") + "\" data-total=\"" +
         S(m, "total") + "\">" + S(m, "passed") + " / " + S(m, "total") + " " + Bi("đạt", "pass") +
         "</span></th>";
  }
  h += "</tr></thead><tbody>";
  if (!providers.empty()) {
    const auto& first = providers[0]["matrix"]["features"];
    for (size_t i = 0; i < first.size(); ++i) {
      h += "<tr><td>" + Esc(S(first[i], "group")) + "</td><td>" + Esc(S(first[i], "feature")) +
           "</td>";
      for (const auto& p : providers) {
        const auto& f = p["matrix"]["features"][i];
        std::string detail;
        if (!f["hosts_failed"].empty()) {
          detail += "<div class=\"small\">" + Bi("không đạt", "failing") + ": " +
                    List(f["hosts_failed"]) + "</div>";
        }
        if (!f["hosts_unknown"].empty()) {
          detail += "<div class=\"small\">" + Bi("chưa rõ", "unknown") + ": " +
                    List(f["hosts_unknown"]) + "</div>";
        }
        h += "<td class=\"cell\" data-provider=\"" + Esc(S(p, "name")) + "\" data-feature=\"" +
             Esc(S(f, "group") + " / " + S(f, "feature")) + "\" data-status=\"" + S(f, "status") +
             "\">" + Badge(S(f, "status")) + detail + "</td>";
      }
      h += "</tr>";
    }
  }
  h += "</tbody></table>";
  h += "<table id=\"providers\"><thead><tr>" + Th("Nhà cung cấp", "Provider") +
       Th("Chứng nhận", "Certification") + Th("Máy chủ", "Hosts") + "</tr></thead><tbody>";
  for (const auto& p : providers) {
    const auto& c = p["certification"];
    h += "<tr data-provider=\"" + Esc(S(p, "name")) + "\"><td><b>" + Esc(S(p, "name")) +
         "</b><br>" + Esc(S(p, "display_name")) + "</td><td>" + Esc(S(c, "certificate")) + "<br>" +
         Bi("đến cấp độ", "up to level") + " " + S(c, "max_security_level") + "; " +
         Bi("hết hạn", "expires") + " " + Esc(S(c, "expires")) + " " +
         Badge(c["valid"].get<bool>() ? "in_force" : "expired") + "</td><td>" + List(p["hosts"]) +
         "</td></tr>";
  }
  h += "</tbody></table></section>";
}

void Workloads(std::string& h, const ordered_json& r) {
  h += Section("workloads", "2. ",
               "Mức độ đáp ứng theo cấp độ (Nghị định 85/2016, Thông tư 12/2022)",
               "Decree 85 level verdicts (Circular 12/2022 annual report)");
  h += "<table id=\"workloads-table\"><colgroup><col style=\"width:20%\"><col style=\"width:11%\">"
       "<col style=\"width:23%\"><col style=\"width:15%\"><col style=\"width:31%\"></colgroup>"
       "<thead><tr>" +
       Th("Hệ thống", "System") + Th("Cấp độ", "Level") +
       Th("Máy chủ mang bản sao", "Replica hosts") + Th("Kết luận", "Verdict") +
       Th("Khắc phục", "Remediation") + "</tr></thead><tbody>";
  for (const auto& w : r["workloads"]) {
    std::string hosts;
    for (const auto& rep : w["replicas"]) {
      hosts += "<li>" + Esc(S(rep, "host")) + " <span class=\"small\">(" + Esc(S(rep, "domain")) +
               ")</span> " + Badge(S(rep, "verdict")) + "</li>";
    }
    std::string fix;
    for (const auto& m : w["remediation"]) {
      fix += "<li><code>" + Esc(S(m, "control")) + "</code> " + Bi(m["title"]) + " — " +
             Badge(S(m, "status")) + " <span class=\"small\">" + List(m["hosts"]) + "</span><br>" +
             Bi(m["remediation"]) + "</li>";
    }
    for (const auto& f : w["findings"])
      fix += "<li class=\"finding\">" + Esc(f.get<std::string>()) + "</li>";
    h += "<tr class=\"workload\" data-workload=\"" + Esc(S(w, "name")) + "\"><td><b>" +
         Esc(S(w, "name")) + "</b><br>" + Esc(S(w, "system")) + "<br><span class=\"small\">" +
         Esc(S(w, "agency")) + "</span></td><td>" + S(w, "security_level") +
         "<br><span class=\"small\">" + Esc(S(w, "profile")) + "</span></td><td><ul>" + hosts +
         "</ul><span class=\"small\">" + S(w, "replicas_found") + " / " + S(w, "replicas_desired") +
         " " + Bi("bản sao", "replicas") + "</span></td><td class=\"verdict\" data-verdict=\"" +
         S(w, "verdict") + "\">" + Badge(S(w, "verdict")) + "<div class=\"small\">" +
         Esc(S(w, "reason")) + "</div></td><td><ul>" + fix + "</ul></td></tr>";
  }
  h += "</tbody></table></section>";
}

void Unknown(std::string& h, const ordered_json& r) {
  h += Section("unknown", "3. ", "Máy chủ chưa xác định (không được tính là đạt)",
               "Unknown hosts (never counted as passing)");
  if (!r["unexpected_results"].empty()) {
    h += "<p class=\"small\" id=\"unexpected\">" +
         Bi("Có kết quả của máy chủ không có trong danh mục (không được tính):",
            "Results for hosts not in the inventory (not counted):") +
         " " + List(r["unexpected_results"]) + "</p>";
  }
  if (r["unknown_hosts"].empty()) {
    h += "<p id=\"no-unknown\">" + Bi("Không có.", "None.") + "</p></section>";
    return;
  }
  h += "<table id=\"unknown-table\"><thead><tr>" + Th("Máy chủ", "Host") +
       Th("Nhà cung cấp / vùng", "Provider / zone") + Th("Lý do", "Reason") +
       "</tr></thead><tbody>";
  for (const auto& u : r["unknown_hosts"]) {
    h += "<tr class=\"unknown-host\" data-host=\"" + Esc(S(u, "name")) + "\"><td>" +
         Esc(S(u, "name")) + " " + Badge("unknown") + "</td><td>" + Esc(S(u, "provider")) + " / " +
         Esc(S(u, "zone")) + "</td><td>" + Esc(S(u, "reason")) + "</td></tr>";
  }
  h += "</tbody></table></section>";
}

void Host(std::string& h, const ordered_json& host) {
  const std::string name = S(host, "name");
  h += "<article class=\"host\" id=\"host-" + Esc(name) + "\" data-host=\"" + Esc(name) +
       "\" data-status=\"" + S(host, "status") + "\"><h3>" + Esc(name) + " " +
       Badge(S(host, "status")) + "</h3><p class=\"small\">" + Esc(S(host, "provider")) + " / " +
       Esc(S(host, "zone")) + " — " + Esc(S(host, "source"));
  if (!host["scan"].is_null()) {
    const auto& s = host["scan"];
    h += "<br>" + Bi("Quét lúc", "Scanned at") + " " + Esc(S(s, "finished_at")) + "; " +
         Bi("phiên bản tác tử", "agent version") + " " + Esc(S(s, "agent_version")) + " (" +
         Esc(S(s, "agent_revision")) + ")";
  }
  if (!S(host, "reason").empty()) h += "<br><b>" + Esc(S(host, "reason")) + "</b>";
  h += "</p>";
  if (!host["profiles"].empty()) {
    h += "<table class=\"profiles\"><thead><tr>" + Th("Hồ sơ", "Profile") +
         Th("Kết luận", "Verdict") + Th("Đạt / áp dụng", "Pass / applicable") +
         Th("Không đạt / lỗi / miễn trừ", "Fail / error / waived") + "</tr></thead><tbody>";
    for (const auto& p : host["profiles"]) {
      const auto& s = p["summary"];
      h += "<tr data-profile=\"" + Esc(S(p, "name")) + "\"><td>" + Esc(S(p, "name")) + " " +
           Esc(S(p, "version")) + "</td><td>" + Badge(S(s, "level_verdict")) + "</td><td>" +
           S(s, "pass") + " / " + S(s, "applicable") + "</td><td>" + S(s, "fail") + " / " +
           S(s, "error") + " / " + S(s, "waived") + "</td></tr>";
    }
    h += "</tbody></table>";
  }
  if (!host["findings"].empty()) {
    h += "<table class=\"findings\"><colgroup><col style=\"width:24%\"><col style=\"width:9%\">"
         "<col style=\"width:12%\"><col style=\"width:30%\"><col style=\"width:25%\"></colgroup>"
         "<thead><tr>" +
         Th("Tiêu chí", "Control") + Th("Mức", "Severity") + Th("Kết quả", "Result") +
         Th("Bằng chứng", "Evidence") + Th("Khắc phục", "Remediation") + "</tr></thead><tbody>";
    for (const auto& f : host["findings"]) {
      std::string waiver;
      if (!f["waiver"].is_null()) {
        const auto& w = f["waiver"];
        waiver = "<div class=\"small\">" + Bi("Miễn trừ", "Waiver") + " <b>" + Esc(S(w, "name")) +
                 "</b>: " + Esc(S(w, "reason")) + " — " + Esc(S(w, "approved_by")) + ", " +
                 Bi("hết hạn", "expires") + " " + Esc(S(w, "expires")) + "</div>";
      }
      h += "<tr class=\"finding\" data-control=\"" + Esc(S(f, "control")) + "\" data-status=\"" +
           S(f, "status") + "\"><td><code>" + Esc(S(f, "control")) + "</code><br>" +
           Bi(f["title"]) + "<div class=\"small\">" + Esc(S(f, "profile")) + " · " +
           Esc(S(f, "feature")) + "</div></td><td>" + Esc(S(f, "severity")) + "</td><td>" +
           Badge(S(f, "status")) + "</td><td>" + Esc(S(f, "reason")) + Evidence(f["evidence"]) +
           waiver + "</td><td>" + Bi(f["remediation"]) + "</td></tr>";
    }
    h += "</tbody></table>";
  } else if (S(host, "status") == "known") {
    h += "<p class=\"small\">" + Bi("Không có tiêu chí nào không đạt.", "No failing control.") +
         "</p>";
  }
  if (!host["waivers"].empty()) {
    h += "<table class=\"host-waivers\"><thead><tr>" + Th("Miễn trừ", "Waiver") +
         Th("Tiêu chí", "Control") + Th("Trạng thái", "Status") + Th("Đã áp dụng", "Applied to") +
         "</tr></thead><tbody>";
    for (const auto& w : host["waivers"]) {
      h += "<tr data-waiver=\"" + Esc(S(w, "name")) + "\" data-status=\"" + S(w, "status") +
           "\"><td>" + Esc(S(w, "name")) + " <span class=\"small\">(" + Esc(S(w, "source")) +
           ")</span></td><td><code>" + Esc(S(w, "control")) + "</code></td><td>" +
           Badge(S(w, "status")) + " " + Esc(S(w, "expires")) + "</td><td>" + List(w["applied"]) +
           "</td></tr>";
    }
    h += "</tbody></table>";
  }
  h += "</article>";
}

void Waivers(std::string& h, const ordered_json& r) {
  h += Section("waivers", "5. ", "Miễn trừ đã khai báo", "Declared waivers");
  if (r["waivers"].empty()) {
    h += "<p>" +
         Bi("Không có miễn trừ nào được khai báo cho lần đánh giá này.",
            "No waiver was given to this audit.") +
         "</p></section>";
    return;
  }
  h += "<table id=\"waivers-table\"><thead><tr>" + Th("Miễn trừ", "Waiver") +
       Th("Tiêu chí / máy chủ", "Control / hosts") + Th("Lý do, người duyệt", "Reason, approver") +
       Th("Hiệu lực", "Validity") + "</tr></thead><tbody>";
  for (const auto& w : r["waivers"]) {
    h += "<tr data-waiver=\"" + Esc(S(w, "name")) + "\" data-status=\"" + S(w, "status") +
         "\"><td>" + Esc(S(w, "name")) + "</td><td><code>" + Esc(S(w, "control")) + "</code><br>" +
         List(w["hosts"]) + "</td><td>" + Esc(S(w, "reason")) + "<br><span class=\"small\">" +
         Esc(S(w, "approved_by")) + "</span></td><td>" + Badge(S(w, "status")) + " " +
         Esc(S(w, "expires")) + "<div class=\"small\">" + List(w["applied"]) + "</div></td></tr>";
  }
  h += "</tbody></table></section>";
}

void Integrity(std::string& h, const ordered_json& r, const std::string& digest) {
  h +=
      Section("integrity", "6. ", "Tính toàn vẹn", "Integrity") + "<p class=\"small\">" +
      Bi("SHA-256 của kết quả từng máy chủ (dạng JSON chuẩn hoá: gọn, khoá sắp xếp) và của báo cáo "
         "này. Kiểm tra lại bằng: egovctl audit verify TỆP",
         "SHA-256 of each host's result (canonical JSON: compact, sorted keys) and of this "
         "report. Check with: egovctl audit verify FILE") +
      "</p><table id=\"hashes\"><colgroup><col style=\"width:28%\"><col></colgroup><thead><tr>" +
      Th("Máy chủ", "Host") + Th("SHA-256 kết quả", "Result SHA-256") + "</tr></thead><tbody>";
  for (const auto& host : r["hosts"]) {
    h += "<tr><td>" + Esc(S(host, "name")) + "</td><td><code>" +
         Esc(S(host, "result_sha256").empty() ? "—" : S(host, "result_sha256")) +
         "</code></td></tr>";
  }
  h += "</tbody></table><p>" + Bi("SHA-256 của báo cáo", "Report SHA-256") +
       ": <code id=\"report-sha256\">" + digest + "</code></p></section>";
}

// The report as JSON inside a <script> block; '<', '>' and '&' only occur inside JSON strings,
// where \u escapes mean the same, so the block can never close early.
std::string EmbeddedData(const ordered_json& r) {
  std::string out;
  for (char c : r.dump()) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderHtml(const ordered_json& report, const std::string& digest) {
  const auto& r = report;
  std::string h;
  h.reserve(1 << 16);
  h += "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<meta name=\"generator\" content=\"egovctl " +
       Esc(S(r["tool"], "version")) +
       "\">\n"
       "<meta name=\"egov-report-sha256\" content=\"" +
       digest + "\">\n<title>" + Esc(S(r["title"], "vi")) + " — " + Esc(S(r, "audit_date")) +
       "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<header><h1>" + Bi(r["title"]) +
       "</h1>";
  Meta(h, r);
  h += "</header>\n";
  Summary(h, r);
  Matrix(h, r);
  Workloads(h, r);
  Unknown(h, r);
  h += Section("hosts", "4. ", "Chi tiết theo máy chủ", "Per-host findings");
  for (const auto& host : r["hosts"]) Host(h, host);
  h += "</section>\n";
  Waivers(h, r);
  Integrity(h, r, digest);
  h += "<footer>" +
       Bi("Báo cáo do egovctl lập tự động từ kết quả quét của các tác tử; các kết luận dựa trên "
          "cách "
          "đọc quy định của dự án egov-cloud, không phải văn bản chính thức.",
          "Generated by egovctl from the agents' scan results; the verdicts follow the egov-cloud "
          "project's reading of the regulations, not an official text.") +
       "</footer>\n<script type=\"application/json\" id=\"egov-audit-data\">" + EmbeddedData(r) +
       "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace egov::orchestrator::audit
