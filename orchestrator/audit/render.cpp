#include "orchestrator/audit/render.h"

#include <map>

#include "common/enum_names.h"
#include "orchestrator/audit/results.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::ordered_json;

const std::string kZeros(64, '0');

std::string S(const ordered_json& j, const char* key) { return Field(j, key); }

std::string FlatEvidence(const ordered_json& evidence) {
  std::string out;
  for (const auto& e : evidence) {
    if (!e.is_object()) continue;
    std::string one = EvidencePlace(e);
    if (!S(e, "observed").empty()) one += ": " + S(e, "observed");
    if (!S(e, "expected").empty()) one += " (expected " + S(e, "expected") + ")";
    out += (out.empty() ? "" : "; ") + one;
  }
  return out;
}

// One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (=, +, -, @ and
// control characters at the start) gets a leading apostrophe: results come from the hosts and
// must never execute in the auditor's spreadsheet.
std::string CsvField(const std::string& value) {
  std::string v = value;
  if (!v.empty() && std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos) {
    v.insert(v.begin(), '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class CsvWriter {
 public:
  using Row = std::map<std::string, std::string>;
  void Add(const Row& row) {
    std::string line;
    for (size_t i = 0; i < CsvColumns().size(); ++i) {
      if (i) line += ',';
      auto it = row.find(CsvColumns()[i]);
      if (it != row.end()) line += CsvField(it->second);
    }
    out_ += line + "\r\n";
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void CsvMeta(CsvWriter& w, const ordered_json& r) {
  auto meta = [&](const std::string& key, const std::string& value) {
    w.Add({{"record", "meta"}, {"item", key}, {"detail", value}});
  };
  meta("schema", S(r, "schema"));
  meta("generated_at", S(r, "generated_at"));
  meta("audit_date", S(r, "audit_date"));
  meta("auditor", S(r, "auditor"));
  meta("window_from", S(r["window"], "from"));
  meta("window_to", S(r["window"], "to"));
  meta("source", S(r["settings"], "source"));
  meta("matrix_profile", S(r["settings"], "matrix_profile"));
  meta("tool",
       S(r["tool"], "name") + " " + S(r["tool"], "version") + " " + S(r["tool"], "revision"));
  meta("compliant", S(r["summary"], "compliant"));
}

// A provider's 1145 matrix: its row, then a row per feature.
void CsvProvider(CsvWriter& w, const ordered_json& p) {
  const auto& m = p["matrix"];
  w.Add({{"record", "provider"},
         {"provider", S(p, "name")},
         {"profile", S(m, "profile")},
         {"item", S(p["certification"], "certificate")},
         {"status", S(m, "status")},
         {"detail", S(m, "passed") + " of " + S(m, "total") + " features pass"}});
  for (const auto& f : m["features"]) {
    std::string detail;
    if (!f["hosts_failed"].empty()) detail += "failing: " + Joined(f["hosts_failed"]);
    if (!f["hosts_unknown"].empty()) {
      detail +=
          (detail.empty() ? "" : "; ") + std::string("unknown: ") + Joined(f["hosts_unknown"]);
    }
    w.Add({{"record", "feature"},
           {"provider", S(p, "name")},
           {"profile", S(m, "profile")},
           {"group", S(f, "group")},
           {"feature", S(f, "feature")},
           {"item", Joined(f["failed_controls"], " ")},
           {"status", S(f, "status")},
           {"detail", detail}});
  }
}

// A workload's verdict: its row, then its replicas and the remediation it needs.
void CsvWorkload(CsvWriter& w, const ordered_json& wl) {
  w.Add({{"record", "workload"},
         {"workload", S(wl, "name")},
         {"profile", S(wl, "profile")},
         {"item", "level " + S(wl, "security_level")},
         {"title_vi", S(wl, "system")},
         {"title_en", S(wl, "agency")},
         {"status", S(wl, "verdict")},
         {"detail",
          S(wl, "reason") + (wl["findings"].empty() ? "" : "; " + Joined(wl["findings"], "; "))}});
  for (const auto& rep : wl["replicas"]) {
    w.Add({{"record", "replica"},
           {"workload", S(wl, "name")},
           {"provider", S(rep, "provider")},
           {"zone", S(rep, "zone")},
           {"host", S(rep, "host")},
           {"profile", S(wl, "profile")},
           {"item", S(rep, "domain")},
           {"status", S(rep, "verdict")}});
  }
  for (const auto& m : wl["remediation"]) {
    w.Add({{"record", "remediation"},
           {"workload", S(wl, "name")},
           {"profile", S(wl, "profile")},
           {"item", S(m, "control")},
           {"title_vi", S(m["title"], "vi")},
           {"title_en", S(m["title"], "en")},
           {"severity", S(m, "severity")},
           {"status", S(m, "status")},
           {"detail", "hosts: " + Joined(m["hosts"])},
           {"remediation_vi", S(m["remediation"], "vi")},
           {"remediation_en", S(m["remediation"], "en")}});
  }
}

// A control row of a host, with the finding's details when the control is one.
CsvWriter::Row CsvControl(const ordered_json& h, const ordered_json& p, const std::string& id,
                          const std::string& status, const ordered_json* finding) {
  CsvWriter::Row row = {{"record", "control"},     {"provider", S(h, "provider")},
                        {"zone", S(h, "zone")},    {"host", S(h, "name")},
                        {"profile", S(p, "name")}, {"item", id},
                        {"status", status}};
  if (!finding) return row;
  const auto& f = *finding;
  row.insert({{"group", S(f, "group")},
              {"feature", S(f, "feature")},
              {"title_vi", S(f["title"], "vi")},
              {"title_en", S(f["title"], "en")},
              {"severity", S(f, "severity")},
              {"detail", S(f, "reason")},
              {"evidence", FlatEvidence(f["evidence"])},
              {"remediation_vi", S(f["remediation"], "vi")},
              {"remediation_en", S(f["remediation"], "en")}});
  if (!f["waiver"].is_null()) {
    row["waiver"] = S(f["waiver"], "name");
    row["waiver_expires"] = S(f["waiver"], "expires");
  }
  return row;
}

// A host: its row, a row per control of every profile, then the waivers that bear on it.
void CsvHost(CsvWriter& w, const ordered_json& h) {
  const bool scanned = !h["scan"].is_null();
  w.Add({{"record", "host"},
         {"provider", S(h, "provider")},
         {"zone", S(h, "zone")},
         {"host", S(h, "name")},
         {"item", scanned ? S(h["scan"], "agent_version") : ""},
         {"status", S(h, "status")},
         {"detail", S(h, "reason").empty() ? S(h, "source") : S(h, "reason")},
         {"time", scanned ? S(h["scan"], "finished_at") : ""},
         {"sha256", S(h, "result_sha256")}});
  std::map<std::string, const ordered_json*> findings;
  for (const auto& f : h["findings"]) findings[S(f, "profile") + "\n" + S(f, "control")] = &f;
  for (const auto& p : h["profiles"]) {
    for (const auto& [id, status] : p["statuses"].items()) {
      const auto it = findings.find(S(p, "name") + "\n" + id);
      w.Add(CsvControl(h, p, id, status.get<std::string>(),
                       it == findings.end() ? nullptr : it->second));
    }
  }
  for (const auto& wv : h["waivers"]) {
    w.Add(
        {{"record", "waiver"},
         {"provider", S(h, "provider")},
         {"host", S(h, "name")},
         {"profile", S(wv, "profile")},
         {"item", S(wv, "control")},
         {"status", S(wv, "status")},
         {"detail", S(wv, "reason") + " — " + S(wv, "approved_by") + " (" + S(wv, "source") + ")"},
         {"waiver", S(wv, "name")},
         {"waiver_expires", S(wv, "expires")}});
  }
}

constexpr const char* kFormatNames[] = {"json", "html", "csv"};

}  // namespace

std::string Joined(const ordered_json& items, const char* separator) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i.get<std::string>();
  return out;
}

std::string EvidencePlace(const ordered_json& item) {
  std::string place = Field(item, "source");
  if (item.contains("line") && !item["line"].is_null()) place += ":" + Field(item, "line");
  return place;
}

const char* ToString(ReportFormat format) { return EnumName(kFormatNames, format); }

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  return EnumFromName<ReportFormat>(kFormatNames, name);
}

std::optional<ReportFormat> FormatFromPath(std::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view ext = path.substr(dot + 1);
  if (ext == "htm") return ReportFormat::kHtml;
  return ParseReportFormat(ext);
}

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> kColumns = {
      "record",         "provider", "zone",     "host",           "workload",       "profile",
      "group",          "feature",  "item",     "title_vi",       "title_en",       "severity",
      "status",         "detail",   "evidence", "remediation_vi", "remediation_en", "waiver",
      "waiver_expires", "time",     "sha256"};
  return kColumns;
}

std::string RenderJson(const ordered_json& report, const std::string& digest) {
  ordered_json sealed = report;
  sealed["report_sha256"] = digest;
  return sealed.dump(2) + "\n";
}

std::string RenderCsv(const ordered_json& r, const std::string& digest) {
  CsvWriter w;
  std::string header;
  for (const auto& c : CsvColumns()) header += (header.empty() ? "" : ",") + c;
  // The byte order mark lets spreadsheet programs read the Vietnamese text as UTF-8.
  w.str() = "\xEF\xBB\xBF" + header + "\r\n";
  CsvMeta(w, r);
  for (const auto& p : r["providers"]) CsvProvider(w, p);
  for (const auto& wl : r["workloads"]) CsvWorkload(w, wl);
  for (const auto& h : r["hosts"]) CsvHost(w, h);
  w.Add({{"record", "report"}, {"time", S(r, "generated_at")}, {"sha256", digest}});
  return w.str();
}

std::string RenderReport(const ordered_json& report, ReportFormat format) {
  auto render = [&](const std::string& digest) {
    switch (format) {
      case ReportFormat::kJson:
        return RenderJson(report, digest);
      case ReportFormat::kHtml:
        return RenderHtml(report, digest);
      case ReportFormat::kCsv:
        return RenderCsv(report, digest);
    }
    return std::string();
  };
  // The renderers are deterministic and the digest has a fixed length, so the sealed bytes
  // are the unsealed ones with the digest written where the zeros were.
  return render(Sha256Hex(render(kZeros)));
}

}  // namespace egov::orchestrator::audit
