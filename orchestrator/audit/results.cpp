#include "orchestrator/audit/results.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <set>

namespace egov::orchestrator::audit {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

// The deepest nesting of arrays and objects, found without building anything, so that a
// hostile document cannot make the parser (or dump) use unbounded stack or memory.
int NestingDepth(std::string_view bytes) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return deepest;
}

bool TakeInt(std::string_view& s, size_t digits, int& out) {
  if (s.size() < digits) return false;
  for (size_t i = 0; i < digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data(), s.data() + digits, out);
  s.remove_prefix(digits);
  return true;
}

bool TakeChar(std::string_view& s, std::string_view allowed) {
  if (s.empty() || allowed.find(s.front()) == std::string_view::npos) return false;
  s.remove_prefix(1);
  return true;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

LocalizedText Text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return {it->get<std::string>(), it->get<std::string>()};
  if (!it->is_object()) return {};
  return {Str(*it, "vi"), Str(*it, "en")};
}

// A field the contract requires: present and a string.
bool RequireString(const json& j, const char* key, const std::string& where, std::string& error) {
  auto it = j.find(key);
  if (it != j.end() && it->is_string()) return true;
  error = where + ": expected a string '" + key + "'";
  return false;
}

const std::set<std::string>& Statuses() {
  static const std::set<std::string> kStatuses = {"pass",    "fail",           "error",
                                                  "skipped", "not_applicable", "waived"};
  return kStatuses;
}

bool ParseControl(json& c, const std::string& where, ControlResult& out, std::string& error) {
  if (!c.is_object()) {
    error = where + ": expected an object";
    return false;
  }
  if (!RequireString(c, "id", where, error) || !RequireString(c, "status", where, error)) {
    return false;
  }
  out.id = c["id"].get<std::string>();
  out.status = c["status"].get<std::string>();
  if (out.id.empty()) {
    error = where + ": empty control id";
    return false;
  }
  if (!Statuses().count(out.status)) {
    error = where + " (" + out.id + "): unknown status '" + out.status +
            "'; expected pass, fail, error, skipped, not_applicable or waived";
    return false;
  }
  out.title = Text(c, "title");
  out.group = Str(c, "group");
  out.feature = Str(c, "feature");
  out.severity = Str(c, "severity");
  out.reason = Str(c, "reason");
  out.remediation = Text(c, "remediation");
  if (auto it = c.find("evidence"); it != c.end() && it->is_array()) out.evidence = std::move(*it);
  if (auto it = c.find("waiver"); it != c.end() && it->is_object()) {
    out.waiver = AppliedWaiver{Str(*it, "name"),
                               Str(*it, "reason"),
                               Str(*it, "approved_by"),
                               Str(*it, "expires"),
                               "agent",
                               false};
  }
  return true;
}

bool ParseProfile(json& p, const std::string& where, ProfileResult& out, std::string& error) {
  if (!p.is_object()) {
    error = where + ": expected an object";
    return false;
  }
  if (!RequireString(p, "name", where, error)) return false;
  out.name = p["name"].get<std::string>();
  out.version = Str(p, "version");
  out.title = Text(p, "title");
  if (auto it = p.find("level"); it != p.end() && it->is_number_integer()) {
    out.level = it->get<int>();
  }
  auto controls = p.find("controls");
  if (controls == p.end() || !controls->is_array()) {
    error = where + " (" + out.name + "): expected an array 'controls'";
    return false;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < controls->size(); ++i) {
    ControlResult c;
    if (!ParseControl((*controls)[i], where + ".controls[" + std::to_string(i) + "]", c, error)) {
      return false;
    }
    if (!seen.insert(c.id).second) {
      error = where + " (" + out.name + "): control " + c.id + " appears twice";
      return false;
    }
    out.controls.push_back(std::move(c));
  }
  return true;
}

void ParseDomains(const json& doc, HostResult& out) {
  auto it = doc.find("domains");
  if (it == doc.end() || !it->is_array()) return;
  std::vector<DomainRef> domains;
  for (const auto& d : *it) {
    if (!d.is_object()) continue;
    DomainRef ref{Str(d, "name"), Str(d, "workload"), 0};
    if (auto r = d.find("replica"); r != d.end() && r->is_number_integer()) {
      ref.replica = r->get<int>();
    }
    if (!ref.workload.empty()) domains.push_back(std::move(ref));
  }
  out.domains = std::move(domains);
}

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!TakeInt(s, 4, y) || !TakeChar(s, "-") || !TakeInt(s, 2, mo) || !TakeChar(s, "-") ||
      !TakeInt(s, 2, d) || !TakeChar(s, "Tt ") || !TakeInt(s, 2, h) || !TakeChar(s, ":") ||
      !TakeInt(s, 2, mi) || !TakeChar(s, ":") || !TakeInt(s, 2, sec)) {
    return std::nullopt;
  }
  if (TakeChar(s, ".")) {
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (!TakeChar(s, "Zz")) {
    const bool negative = !s.empty() && s.front() == '-';
    int oh = 0, om = 0;
    if (!TakeChar(s, "+-") || !TakeInt(s, 2, oh) || !TakeChar(s, ":") || !TakeInt(s, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (negative ? -1 : 1) * (oh * 60 + om);
  }
  if (!s.empty() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(mo)),
                                        std::chrono::day(unsigned(d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec) - std::chrono::minutes(offset_minutes);
}

std::string FormatTimestamp(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

const ProfileResult* HostResult::FindProfile(const std::string& name) const {
  for (const auto& p : profiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool IsApplicable(const std::string& status) {
  return status != "not_applicable" && status != "skipped";
}

bool IsSatisfied(const std::string& status) { return status == "pass" || status == "waived"; }

ParsedResult ParseHostResult(std::string_view bytes) {
  if (NestingDepth(bytes) > kMaxDepth) return {std::nullopt, "nested deeper than 64 levels"};
  json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded()) return {std::nullopt, "not valid JSON"};
  if (!doc.is_object()) return {std::nullopt, "expected a JSON object"};
  const std::string schema = Str(doc, "schema");
  if (schema != "egov.results/v1") {
    return {std::nullopt, "schema is '" + schema + "'; expected egov.results/v1"};
  }
  HostResult r;
  // Hashed first: the fields below are moved out of the document.
  r.canonical = doc.dump();
  r.sha256 = Sha256Hex(r.canonical);
  std::string error;
  if (!RequireString(doc, "host", "document", error) ||
      !RequireString(doc, "finished_at", "document", error)) {
    return {std::nullopt, error};
  }
  r.host = doc["host"].get<std::string>();
  auto finished = ParseTimestamp(doc["finished_at"].get<std::string>());
  if (!finished) return {std::nullopt, "finished_at is not an RFC 3339 time"};
  r.finished_at = *finished;
  r.started_at = ParseTimestamp(Str(doc, "started_at")).value_or(r.finished_at);
  if (auto agent = doc.find("agent"); agent != doc.end() && agent->is_object()) {
    r.agent_version = Str(*agent, "version");
    r.agent_revision = Str(*agent, "revision");
  }
  auto profiles = doc.find("profiles");
  if (profiles == doc.end() || !profiles->is_array()) {
    return {std::nullopt, "expected an array 'profiles'"};
  }
  for (size_t i = 0; i < profiles->size(); ++i) {
    ProfileResult p;
    if (!ParseProfile((*profiles)[i], "profiles[" + std::to_string(i) + "]", p, error)) {
      return {std::nullopt, error};
    }
    r.profiles.push_back(std::move(p));
  }
  ParseDomains(doc, r);
  return {std::move(r), {}};
}

}  // namespace egov::orchestrator::audit
