#include "orchestrator/audit/seal.h"

#include <map>

#include "common/diagnostics.h"
#include "orchestrator/audit/results.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kHtmlMeta = "<meta name=\"egov-report-sha256\" content=\"";
constexpr std::string_view kHtmlData = "<script type=\"application/json\" id=\"egov-audit-data\">";
constexpr std::string_view kJsonTrailerKey = "\"report_sha256\": \"";
constexpr std::string_view kJsonTrailerEnd = "\"\n}\n";

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view StripBom(std::string_view bytes) {
  if (bytes.substr(0, kBom.size()) == kBom) bytes.remove_prefix(kBom.size());
  return bytes;
}

// Where each format keeps its digest; empty when it is not where it must be.
std::string_view ClaimedDigest(std::string_view bytes, ReportFormat format) {
  switch (format) {
    case ReportFormat::kHtml: {
      const size_t at = bytes.find(kHtmlMeta);
      if (at == std::string_view::npos) return {};
      const std::string_view rest = bytes.substr(at + kHtmlMeta.size());
      return rest.size() >= 66 && rest.substr(64, 2) == "\">" ? rest.substr(0, 64) : "";
    }
    case ReportFormat::kJson: {
      const size_t tail = kJsonTrailerKey.size() + 64 + kJsonTrailerEnd.size();
      if (bytes.size() < tail || !bytes.ends_with(kJsonTrailerEnd)) return {};
      const std::string_view t = bytes.substr(bytes.size() - tail);
      return t.starts_with(kJsonTrailerKey) ? t.substr(kJsonTrailerKey.size(), 64) : "";
    }
    case ReportFormat::kCsv: {
      if (!bytes.ends_with("\r\n")) return {};
      const std::string_view body = bytes.substr(0, bytes.size() - 2);
      const size_t start = body.rfind("\r\n");
      const std::string_view last = body.substr(start == std::string_view::npos ? 0 : start + 2);
      if (!last.starts_with("report,") || last.size() < 64) return {};
      return last.substr(last.size() - 64);
    }
  }
  return {};
}

ordered_json ParseJson(std::string_view text, const std::string& file, const char* what) {
  ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw ConfigError({file, 0, 0}, std::string(what) + " is not valid JSON");
  }
  if (!j.contains("schema") || j["schema"] != "egov.audit/v1") {
    throw ConfigError({file, 0, 0}, "not an egovctl audit report: expected schema egov.audit/v1");
  }
  return j;
}

ordered_json& Find(ordered_json& list, const std::string& name) {
  for (auto& item : list) {
    if (item["name"] == name) return item;
  }
  list.push_back({{"name", name}});
  return list.back();
}

std::string Unprotect(std::string v) {
  if (v.size() > 1 && v[0] == '\'' &&
      std::string_view("=+-@\t\r").find(v[1]) != std::string_view::npos) {
    v.erase(0, 1);
  }
  return v;
}

ordered_json LoadCsv(std::string_view text, const std::string& file) {
  const auto rows = ParseCsv(StripBom(text), file);
  if (rows.empty()) throw ConfigError({file, 1, 1}, "empty CSV");
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = i;
  for (const char* need : {"record", "provider", "host", "workload", "profile", "group", "feature",
                           "item", "status", "detail", "sha256"}) {
    if (!col.count(need)) {
      throw ConfigError({file, 1, 1}, std::string("CSV header lacks the column '") + need + "'");
    }
  }
  ordered_json r = {{"schema", "egov.audit/v1"},
                    {"window", ordered_json::object()},
                    {"providers", ordered_json::array()},
                    {"workloads", ordered_json::array()},
                    {"hosts", ordered_json::array()}};
  for (size_t n = 1; n < rows.size(); ++n) {
    const auto& row = rows[n];
    auto f = [&](const char* name) {
      const size_t i = col.at(name);
      return i < row.size() ? Unprotect(row[i]) : std::string();
    };
    const std::string record = f("record");
    if (record == "meta") {
      const std::string key = f("item");
      if (key == "window_from") {
        r["window"]["from"] = f("detail");
      } else if (key == "window_to") {
        r["window"]["to"] = f("detail");
      } else if (key != "schema") {
        r[key] = f("detail");
      }
    } else if (record == "provider") {
      auto& p = Find(r["providers"], f("provider"));
      p["matrix"] = {
          {"profile", f("profile")}, {"status", f("status")}, {"features", ordered_json::array()}};
    } else if (record == "feature") {
      auto& p = Find(r["providers"], f("provider"));
      if (!p.contains("matrix"))
        p["matrix"] = {{"profile", f("profile")}, {"features", ordered_json::array()}};
      p["matrix"]["features"].push_back(
          {{"group", f("group")}, {"feature", f("feature")}, {"status", f("status")}});
    } else if (record == "workload") {
      r["workloads"].push_back({{"name", f("workload")},
                                {"profile", f("profile")},
                                {"verdict", f("status")},
                                {"reason", f("detail")}});
    } else if (record == "host") {
      auto& h = Find(r["hosts"], f("host"));
      h["provider"] = f("provider");
      h["status"] = f("status");
      h["reason"] = f("status") == "known" ? "" : f("detail");
      h["result_sha256"] = f("sha256");
      h["profiles"] = ordered_json::array();
    } else if (record == "control") {
      auto& h = Find(r["hosts"], f("host"));
      if (!h.contains("profiles")) h["profiles"] = ordered_json::array();
      auto& p = Find(h["profiles"], f("profile"));
      p["statuses"][f("item")] = f("status");
    }
  }
  for (auto& p : r["providers"]) {
    int passed = 0, total = 0;
    for (const auto& feat : p["matrix"]["features"]) {
      if (feat["status"] == "not_applicable") continue;
      ++total;
      if (feat["status"] == "pass") ++passed;
    }
    p["matrix"]["passed"] = passed;
    p["matrix"]["total"] = total;
  }
  return r;
}

}  // namespace

ReportFormat DetectFormat(std::string_view bytes, const std::string& file) {
  const std::string_view b = StripBom(bytes);
  if (b.starts_with("<!DOCTYPE html")) return ReportFormat::kHtml;
  if (b.starts_with("{")) return ReportFormat::kJson;
  if (b.starts_with("record,")) return ReportFormat::kCsv;
  throw ConfigError({file, 1, 1},
                    "not an egovctl audit report: expected the HTML, JSON or CSV that "
                    "'egovctl audit' writes");
}

Verification VerifyReport(std::string_view bytes, const std::string& file) {
  Verification v;
  v.format = DetectFormat(bytes, file);
  const std::string_view claimed = ClaimedDigest(bytes, v.format);
  if (!IsHex64(claimed)) {
    v.problem =
        "no report digest where the format keeps it: the report was altered, truncated "
        "or never sealed";
    return v;
  }
  v.claimed = std::string(claimed);
  std::string zeroed(bytes);
  for (size_t at = zeroed.find(v.claimed); at != std::string::npos;
       at = zeroed.find(v.claimed, at + 64)) {
    zeroed.replace(at, 64, std::string(64, '0'));
  }
  v.actual = Sha256Hex(zeroed);
  v.ok = v.actual == v.claimed;
  if (!v.ok) v.problem = "the report's bytes do not match its digest: it was changed after sealing";
  return v;
}

std::vector<std::vector<std::string>> ParseCsv(std::string_view text, const std::string& file) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_quotes = false, row_started = false;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    row_started = true;
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && field.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      rows.push_back(std::move(row));
      row.clear();
      field.clear();
      quoted = row_started = false;
      ++line;
    } else if (quoted) {
      throw ConfigError({file, line, 0}, "CSV: text after a closing quote");
    } else {
      field += c;
    }
  }
  if (in_quotes) throw ConfigError({file, line, 0}, "CSV: unterminated quoted field");
  if (row_started) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

ordered_json LoadReport(std::string_view bytes, const std::string& file) {
  switch (DetectFormat(bytes, file)) {
    case ReportFormat::kJson:
      return ParseJson(bytes, file, "the report");
    case ReportFormat::kHtml: {
      const size_t start = bytes.find(kHtmlData);
      const size_t end = start == std::string_view::npos
                             ? start
                             : bytes.find("</script>", start + kHtmlData.size());
      if (end == std::string_view::npos) {
        throw ConfigError({file, 0, 0}, "the HTML report has no embedded egov-audit-data block");
      }
      const size_t from = start + kHtmlData.size();
      return ParseJson(bytes.substr(from, end - from), file, "the HTML report's embedded data");
    }
    case ReportFormat::kCsv:
      return LoadCsv(bytes, file);
  }
  return {};
}

}  // namespace egov::orchestrator::audit
