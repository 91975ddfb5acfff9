#include <ctime>

#include "checks/scan.h"

namespace egov::checks {
namespace {

using nlohmann::json;

json Localized(const LocalizedText& t) { return {{"vi", t.vi}, {"en", t.en}}; }

std::string TimeText(std::chrono::system_clock::time_point t) { return FormatTimestamp(t); }

// Reads fields of a results document, naming the JSON path of anything missing or mistyped.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  const json& At(const json& obj, const std::string& key, const std::string& path) const {
    if (!obj.is_object() || !obj.contains(key)) Fail(path + "." + key, "missing");
    return obj.at(key);
  }
  std::string Str(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_string()) Fail(path + "." + key, "expected a string");
    return v.get<std::string>();
  }
  double Num(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_number()) Fail(path + "." + key, "expected a number");
    return v.get<double>();
  }
  int Int(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_number_integer()) Fail(path + "." + key, "expected an integer");
    return v.get<int>();
  }
  bool Bool(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_boolean()) Fail(path + "." + key, "expected true or false");
    return v.get<bool>();
  }
  const json& Arr(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    if (!v.is_array()) Fail(path + "." + key, "expected an array");
    return v;
  }
  LocalizedText Text(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = At(obj, key, path);
    return {Str(v, "vi", path + "." + key), Str(v, "en", path + "." + key)};
  }
  std::chrono::system_clock::time_point Time(const json& obj, const std::string& key,
                                             const std::string& path) const {
    const std::string s = Str(obj, key, path);
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end) Fail(path + "." + key, "expected a UTC time such as 2026-11-23T01:02:03Z");
    return std::chrono::system_clock::from_time_t(::timegm(&tm));
  }
  [[noreturn]] void Fail(const std::string& path, const std::string& what) const {
    throw ConfigError({source_, 0, 0}, path + ": " + what +
                                           " (expected an egov.results/v1 "
                                           "document, docs/results.md)");
  }

 private:
  std::string source_;
};

}  // namespace

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json ToJson(const ScanResult& r) {
  json profiles = json::array();
  for (const auto& p : r.profiles) {
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
    for (const auto& c : p.controls) {
      json evidence = json::array();
      for (const auto& e : c.evidence) {
        json item = {{"source", e.source}, {"observed", e.observed}, {"expected", e.expected}};
        if (e.line > 0) item["line"] = e.line;
        if (e.ok) item["ok"] = *e.ok;
        evidence.push_back(std::move(item));
      }
      json waiver = nullptr;
      if (c.waiver) {
        waiver = {{"name", c.waiver->name},
                  {"reason", c.waiver->reason},
                  {"approved_by", c.waiver->approved_by},
                  {"expires", FormatDate(c.waiver->expires)}};
      }
      controls.push_back({{"id", c.id},
                          {"title", Localized(c.title)},
                          {"group", c.group},
                          {"feature", c.feature},
                          {"severity", egov::ToString(c.severity)},
                          {"status", ToString(c.status)},
                          {"reason", c.reason},
                          {"evidence", std::move(evidence)},
                          {"remediation", Localized(c.remediation)},
                          {"references", c.references},
                          {"derived_from", c.derived_from},
                          {"duration_seconds", c.duration_seconds},
                          {"waiver", std::move(waiver)}});
    }
    const Summary& s = p.summary;
    profiles.push_back({{"name", p.name},
                        {"version", p.version},
                        {"title", Localized(p.title)},
                        {"level", p.level ? json(*p.level) : json(nullptr)},
                        {"passed", p.passed},
                        {"level_verdict", ToString(p.level_verdict)},
                        {"summary",
                         {{"pass", s.pass},
                          {"fail", s.fail},
                          {"error", s.error},
                          {"skipped", s.skipped},
                          {"not_applicable", s.not_applicable},
                          {"waived", s.waived},
                          {"applicable", s.applicable},
                          {"score", s.score},
                          {"score_with_waivers", s.score_with_waivers}}},
                        {"features", std::move(features)},
                        {"controls", std::move(controls)}});
  }
  return {{"schema", "egov.results/v1"},
          {"agent", {{"version", r.agent_version}, {"revision", r.agent_revision}}},
          {"host", r.host},
          {"root", r.root},
          {"started_at", TimeText(r.started_at)},
          {"finished_at", TimeText(r.finished_at)},
          {"duration_seconds", r.duration_seconds},
          {"profiles", std::move(profiles)}};
}

ScanResult ScanResultFromJson(const json& j, const std::string& source) {
  Reader rd(source);
  if (!j.is_object() || !j.contains("schema") || j["schema"] != "egov.results/v1") {
    rd.Fail("schema", "expected \"egov.results/v1\"");
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
    const json& pj = profiles[i];
    const std::string pp = "profiles[" + std::to_string(i) + "]";
    ProfileResult p;
    p.name = rd.Str(pj, "name", pp);
    p.version = rd.Str(pj, "version", pp);
    p.title = rd.Text(pj, "title", pp);
    if (const json& level = rd.At(pj, "level", pp); !level.is_null())
      p.level = rd.Int(pj, "level", pp);
    const json& controls = rd.Arr(pj, "controls", pp);
    for (size_t k = 0; k < controls.size(); ++k) {
      const json& cj = controls[k];
      const std::string cp = pp + ".controls[" + std::to_string(k) + "]";
      ControlResult c;
      c.id = rd.Str(cj, "id", cp);
      c.title = rd.Text(cj, "title", cp);
      c.group = rd.Str(cj, "group", cp);
      c.feature = rd.Str(cj, "feature", cp);
      const std::string sev = rd.Str(cj, "severity", cp);
      if (sev == "low")
        c.severity = Severity::kLow;
      else if (sev == "medium")
        c.severity = Severity::kMedium;
      else if (sev == "high")
        c.severity = Severity::kHigh;
      else if (sev == "critical")
        c.severity = Severity::kCritical;
      else
        rd.Fail(cp + ".severity", "expected low, medium, high or critical");
      if (!ParseStatus(rd.Str(cj, "status", cp), c.status)) {
        rd.Fail(cp + ".status", "expected pass, fail, error, skipped, not_applicable or waived");
      }
      c.reason = rd.Str(cj, "reason", cp);
      for (const auto& ej : rd.Arr(cj, "evidence", cp)) {
        Evidence e;
        e.source = rd.Str(ej, "source", cp + ".evidence");
        e.observed = rd.Str(ej, "observed", cp + ".evidence");
        e.expected = rd.Str(ej, "expected", cp + ".evidence");
        if (ej.contains("line")) e.line = rd.Int(ej, "line", cp + ".evidence");
        if (ej.contains("ok")) e.ok = rd.Bool(ej, "ok", cp + ".evidence");
        c.evidence.push_back(std::move(e));
      }
      c.remediation = rd.Text(cj, "remediation", cp);
      for (const auto& ref : rd.Arr(cj, "references", cp)) {
        if (!ref.is_string()) rd.Fail(cp + ".references", "expected strings");
        c.references.push_back(ref.get<std::string>());
      }
      if (cj.contains("derived_from")) c.derived_from = rd.Str(cj, "derived_from", cp);
      c.duration_seconds = rd.Num(cj, "duration_seconds", cp);
      if (const json& w = rd.At(cj, "waiver", cp); !w.is_null()) {
        const std::string wp = cp + ".waiver";
        auto expires = ParseDate(rd.Str(w, "expires", wp));
        if (!expires) rd.Fail(wp + ".expires", "expected a date YYYY-MM-DD");
        c.waiver = AppliedWaiver{rd.Str(w, "name", wp), rd.Str(w, "reason", wp),
                                 rd.Str(w, "approved_by", wp), *expires};
      }
      p.controls.push_back(std::move(c));
    }
    Summarize(p);
    r.profiles.push_back(std::move(p));
  }
  return r;
}

}  // namespace egov::checks
