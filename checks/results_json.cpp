#include <algorithm>
#include <set>

#include "checks/scan.h"

namespace egov::checks {
namespace {

using nlohmann::json;

json Localized(const LocalizedText& t) { return {{"vi", t.vi}, {"en", t.en}}; }

std::string TimeText(std::chrono::system_clock::time_point t) { return FormatTimestamp(t); }

constexpr int kMaxDepth = 64;

// The deepest nesting of arrays and objects, found without building anything, so that a
// hostile document cannot make the parser (or dump) use unbounded stack or memory.
int NestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
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

// Reads fields of a results document, naming the JSON path of anything missing or mistyped.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  static std::string Path(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  const json& At(const json& obj, const std::string& key, const std::string& path) const {
    if (!obj.is_object()) Fail(path, "expected an object");
    if (!obj.contains(key)) Fail(Path(path, key), "missing");
    return obj.at(key);
  }
  std::string Str(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_string()) Fail(Path(path, key), "expected a string");
    return v.get<std::string>();
  }
  double Num(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_number()) Fail(Path(path, key), "expected a number");
    return v.get<double>();
  }
  int Int(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_number_integer()) Fail(Path(path, key), "expected an integer");
    return v.get<int>();
  }
  bool Bool(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_boolean()) Fail(Path(path, key), "expected true or false");
    return v.get<bool>();
  }
  const json& Arr(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_array()) Fail(Path(path, key), "expected an array");
    return v;
  }
  LocalizedText Text(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    const std::string where = Path(path, key);
    return {Str(v, "vi", where), Str(v, "en", where)};
  }
  std::chrono::system_clock::time_point Time(const json& obj, const std::string& key,
                                             const std::string& path) const {
    const auto t = ParseTimestamp(Str(obj, key, path));
    if (!t) Fail(Path(path, key), "expected an RFC 3339 time such as 2026-11-23T01:02:03Z");
    return *t;
  }
  [[noreturn]] void Fail(const std::string& path, const std::string& what) const {
    throw ConfigError({source_, 0, 0}, path.empty() ? what : path + ": " + what);
  }

 private:
  std::string source_;
};

Severity ReadSeverity(const Reader& rd, const json& cj, const std::string& cp) {
  const std::string sev = rd.Str(cj, "severity", cp);
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (sev == egov::ToString(s)) return s;
  }
  rd.Fail(cp + ".severity", "expected low, medium, high or critical, got '" + sev + "'");
}

ControlResult ReadControl(const Reader& rd, const json& cj, const std::string& cp) {
  ControlResult c;
  c.id = rd.Str(cj, "id", cp);
  c.title = rd.Text(cj, "title", cp);
  c.group = rd.Str(cj, "group", cp);
  c.feature = rd.Str(cj, "feature", cp);
  c.severity = ReadSeverity(rd, cj, cp);
  if (const std::string status = rd.Str(cj, "status", cp); !ParseStatus(status, c.status)) {
    rd.Fail(cp + ".status",
            "expected pass, fail, error, skipped, not_applicable or waived, got '" + status + "'");
  }
  c.reason = rd.Str(cj, "reason", cp);
  const json& evidence = rd.Arr(cj, "evidence", cp);
  const std::string ep = evidence.empty() ? std::string() : cp + ".evidence";
  for (const auto& ej : evidence) {
    Evidence e;
    e.source = rd.Str(ej, "source", ep);
    e.observed = rd.Str(ej, "observed", ep);
    e.expected = rd.Str(ej, "expected", ep);
    if (ej.contains("line")) e.line = rd.Int(ej, "line", ep);
    if (ej.contains("ok")) e.ok = rd.Bool(ej, "ok", ep);
    c.evidence.push_back(std::move(e));
  }
  c.remediation = rd.Text(cj, "remediation", cp);
  for (const auto& ref : rd.Arr(cj, "references", cp)) {
    if (!ref.is_string()) rd.Fail(cp + ".references", "expected strings");
    c.references.push_back(ref.get<std::string>());
  }
  if (cj.contains("derived_from")) c.derived_from = rd.Str(cj, "derived_from", cp);
  c.duration_seconds = rd.Num(cj, "duration_seconds", cp);
  if (cj.contains("timed_out")) c.timed_out = rd.Bool(cj, "timed_out", cp);
  if (const json& w = rd.At(cj, "waiver", cp); !w.is_null()) {
    const std::string wp = cp + ".waiver";
    auto expires = ParseDate(rd.Str(w, "expires", wp));
    if (!expires) rd.Fail(wp + ".expires", "expected a date YYYY-MM-DD");
    c.waiver = AppliedWaiver{rd.Str(w, "name", wp), rd.Str(w, "reason", wp),
                             rd.Str(w, "approved_by", wp), *expires};
  }
  return c;
}

ProfileResult ReadProfile(const Reader& rd, const json& pj, const std::string& pp) {
  ProfileResult p;
  p.name = rd.Str(pj, "name", pp);
  p.version = rd.Str(pj, "version", pp);
  p.title = rd.Text(pj, "title", pp);
  if (const json& level = rd.At(pj, "level", pp); !level.is_null()) {
    p.level = rd.Int(pj, "level", pp);
  }
  const json& controls = rd.Arr(pj, "controls", pp);
  std::set<std::string> seen;
  for (size_t k = 0; k < controls.size(); ++k) {
    const std::string cp = pp + ".controls[" + std::to_string(k) + "]";
    ControlResult c = ReadControl(rd, controls[k], cp);
    if (!seen.insert(c.id).second) rd.Fail(cp, "control " + c.id + " appears twice");
    p.controls.push_back(std::move(c));
  }
  Summarize(p);
  return p;
}

json ControlJson(const ControlResult& c) {
  json waiver = nullptr;
  if (c.waiver) {
    waiver = {{"name", c.waiver->name},
              {"reason", c.waiver->reason},
              {"approved_by", c.waiver->approved_by},
              {"expires", FormatDate(c.waiver->expires)}};
  }
  json control = {{"id", c.id},
                  {"title", Localized(c.title)},
                  {"group", c.group},
                  {"feature", c.feature},
                  {"severity", egov::ToString(c.severity)},
                  {"status", ToString(c.status)},
                  {"reason", c.reason},
                  {"evidence", EvidenceToJson(c.evidence)},
                  {"remediation", Localized(c.remediation)},
                  {"references", c.references},
                  {"derived_from", c.derived_from},
                  {"duration_seconds", c.duration_seconds},
                  {"waiver", std::move(waiver)}};
  if (c.timed_out) control["timed_out"] = true;  // only then: an addition within v1
  return control;
}

json ProfileJson(const ProfileResult& p) {
  json features = json::array();
  for (const auto& f : p.features) {
    features.push_back({{"group", f.group},
                        {"feature", f.feature},
                        {"passed", f.passed},
                        {"controls", f.controls},
                        {"applicable", f.applicable},
                        {"failed", f.failed}});
  }
  json controls = json::array();
  for (const auto& c : p.controls) controls.push_back(ControlJson(c));
  return {{"name", p.name},
          {"version", p.version},
          {"title", Localized(p.title)},
          {"level", p.level ? json(*p.level) : json(nullptr)},
          {"passed", p.passed},
          {"level_verdict", ToString(p.level_verdict)},
          {"summary", SummaryToJson(p.summary)},
          {"features", std::move(features)},
          {"controls", std::move(controls)}};
}

}  // namespace

nlohmann::ordered_json SummaryToJson(const Summary& s) {
  return {{"pass", s.pass},
          {"fail", s.fail},
          {"error", s.error},
          {"skipped", s.skipped},
          {"not_applicable", s.not_applicable},
          {"waived", s.waived},
          {"applicable", s.applicable},
          {"score", s.score},
          {"score_with_waivers", s.score_with_waivers}};
}

json EvidenceToJson(const std::vector<Evidence>& evidence) {
  json out = json::array();
  for (const auto& e : evidence) {
    json item = {{"source", e.source}, {"observed", e.observed}, {"expected", e.expected}};
    if (e.line > 0) item["line"] = e.line;
    if (e.ok) item["ok"] = *e.ok;
    out.push_back(std::move(item));
  }
  return out;
}

json ToJson(const ScanResult& r) {
  json profiles = json::array();
  for (const auto& p : r.profiles) profiles.push_back(ProfileJson(p));
  return {{"schema", "egov.results/v1"},
          {"agent", {{"version", r.agent_version}, {"revision", r.agent_revision}}},
          {"host", r.host},
          {"root", r.root},
          {"started_at", TimeText(r.started_at)},
          {"finished_at", TimeText(r.finished_at)},
          {"duration_seconds", r.duration_seconds},
          {"profiles", std::move(profiles)}};
}

json ParseResultsJson(std::string_view text, const std::string& source) {
  if (NestingDepth(text) > kMaxDepth) {
    throw ConfigError({source, 0, 0},
                      "nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) throw ConfigError({source, 0, 0}, "not valid JSON");
  return doc;
}

ScanResult ScanResultFromJson(const json& j, const std::string& source) {
  Reader rd(source);
  if (!j.is_object()) rd.Fail("", "expected a JSON object");
  if (const std::string schema = rd.Str(j, "schema", ""); schema != "egov.results/v1") {
    rd.Fail("schema", "expected \"egov.results/v1\" (docs/results.md), got \"" + schema + "\"");
  }
  ScanResult r;
  const json& agent = rd.At(j, "agent", "");
  r.agent_version = rd.Str(agent, "version", "agent");
  r.agent_revision = rd.Str(agent, "revision", "agent");
  r.host = rd.Str(j, "host", "");
  r.root = rd.Str(j, "root", "");
  r.started_at = rd.Time(j, "started_at", "");
  r.finished_at = rd.Time(j, "finished_at", "");
  r.duration_seconds = rd.Num(j, "duration_seconds", "");
  const json& profiles = rd.Arr(j, "profiles", "");
  for (size_t i = 0; i < profiles.size(); ++i) {
    r.profiles.push_back(ReadProfile(rd, profiles[i], "profiles[" + std::to_string(i) + "]"));
  }
  return r;
}

}  // namespace egov::checks
