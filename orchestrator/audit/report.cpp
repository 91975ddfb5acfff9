#include "orchestrator/audit/report.h"

#include <algorithm>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/model_json.h"
#include "common/version.h"
#include "orchestrator/parallel.h"
#include "orchestrator/requirement.h"

namespace egov::orchestrator::audit {
namespace {

using agent_client::FetchedResult;
using checks::ControlResult;
using checks::IsApplicable;
using checks::IsSatisfied;
using checks::ProfileResult;
using checks::Status;
using nlohmann::ordered_json;
using std::chrono::seconds;

constexpr seconds kClockSkew{300};  // a scan this far ahead of our clock is still accepted

ordered_json Text(const LocalizedText& t) { return {{"vi", t.vi}, {"en", t.en}}; }

// A time of a results document (whole seconds) as the report writes it.
std::string Time(std::chrono::system_clock::time_point t) {
  return FormatTimestamp(std::chrono::floor<seconds>(t));
}

// A waiver as it bears on one host: in force or expired, and what it changed.
struct HostWaiver {
  std::string name, control, profile, reason, approved_by, expires, source;
  bool in_force = false;
  std::vector<std::string> applied;  // "profile/control"
};

// Everything the audit knows about one inventory host.
struct HostEval {
  const Host* host = nullptr;
  const Provider* provider = nullptr;
  const Zone* zone = nullptr;
  const FetchedResult* fetched = nullptr;
  std::optional<HostResult> result;  // parsed, waivers applied; kept for unknown hosts too
  std::string reason;                // empty when the result is usable
  HostDomains placement;
  std::vector<HostWaiver> waivers;  // the waivers bearing on the host
  // Waived controls ("profile/control") whose waiver the inventory gave, and those whose
  // agent's waiver had expired on the audit date; any other waiver is the agent's, in force.
  std::set<std::string> inventory_waived, expired_waivers;

  bool known() const { return reason.empty() && result.has_value(); }
  const ProfileResult* Profile(const std::string& name) const {
    return known() ? result->scan.Find(name) : nullptr;
  }
  /// The entry that answers a level's requirement (requirement.h), e.g. decree85 at level 4.
  const ProfileResult* Answering(const Requirement& r) const {
    return known() ? Qualifying(result->scan, r) : nullptr;
  }
};

std::string Join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Seconds(seconds s) {
  if (s.count() % 86400 == 0) return std::to_string(s.count() / 86400) + "d";
  if (s.count() % 3600 == 0) return std::to_string(s.count() / 3600) + "h";
  return std::to_string(s.count()) + "s";
}

// The Policy named `name`, else the one named "default", else the only one; nullptr if none.
const Policy* ChosenPolicy(const Inventory& inv, const std::string& name) {
  for (const auto& p : inv.policies) {
    if (p.name == (name.empty() ? "default" : name)) return &p;
  }
  return name.empty() && inv.policies.size() == 1 ? &inv.policies.front() : nullptr;
}

// Why a host's result cannot be used, or "" when it can.
std::string Usability(const checks::ScanResult& r, const std::string& host,
                      const AuditSettings& s) {
  if (r.host != host) return "the result is for host '" + r.host + "'";
  if (r.finished_at > s.now + kClockSkew) {
    return "scan time " + Time(r.finished_at) + " is in the future";
  }
  if (s.max_age.count() > 0 && s.now - r.finished_at > s.max_age) {
    return "stale: scanned at " + Time(r.finished_at) + ", more than " + Seconds(s.max_age) +
           " ago";
  }
  if (r.finished_at < Timestamp(s.from) ||
      r.finished_at >= Timestamp(s.to + std::chrono::days(1))) {
    return "scanned at " + Time(r.finished_at) + ", outside the reporting window " +
           FormatDate(s.from) + " to " + FormatDate(s.to);
  }
  return {};
}

// An agent's waiver that has expired on the audit date no longer counts: the control fails.
void JudgeAgentWaiver(HostEval& h, const ProfileResult& p, ControlResult& c, Date today) {
  const std::string expires = FormatDate(c.waiver->expires);
  const bool in_force = today <= c.waiver->expires;
  h.waivers.push_back({c.waiver->name,
                       c.id,
                       p.name,
                       c.waiver->reason,
                       c.waiver->approved_by,
                       expires,
                       "agent",
                       in_force,
                       {}});
  if (in_force) {
    h.waivers.back().applied.push_back(p.name + "/" + c.id);
    return;
  }
  c.status = Status::kFail;
  h.expired_waivers.insert(p.name + "/" + c.id);
  c.reason = "the agent's waiver '" + c.waiver->name + "' expired on " + expires +
             "; the control did not pass" + (c.reason.empty() ? "" : " (" + c.reason + ")");
}

// The first of the inventory's waivers in force that covers a failing or erring control.
void ApplyInventoryWaiver(HostEval& h, const ProfileResult& p, ControlResult& c,
                          const std::vector<Waiver>& waivers, Date today) {
  for (const Waiver& w : waivers) {
    if (w.control != c.id || (!w.profile.empty() && w.profile != p.name) ||
        !w.Covers(h.host->name, today)) {
      continue;
    }
    c.waiver = checks::AppliedWaiver{w.name, w.reason, w.approved_by, w.expires};
    c.reason = "waived (" + std::string(checks::ToString(c.status)) + "): " + c.reason;
    c.status = Status::kWaived;
    h.inventory_waived.insert(p.name + "/" + c.id);
    for (auto& hw : h.waivers) {
      if (hw.source == "inventory" && hw.name == w.name) hw.applied.push_back(p.name + "/" + c.id);
    }
    return;
  }
}

// Applies the audit's view of waivers to the host's controls (docs/audit.md, "Waivers"): an
// agent's waiver that has expired on the audit date no longer counts, and the inventory's
// waivers in force cover failing and erring controls.
void ApplyWaivers(HostEval& h, const std::vector<Waiver>& waivers, Date today) {
  for (const auto& w : waivers) {
    // Covers() on the expiry day itself matches the host patterns whatever the date.
    if (!w.Covers(h.host->name, w.expires)) continue;
    h.waivers.push_back({w.name,
                         w.control,
                         w.profile,
                         w.reason,
                         w.approved_by,
                         FormatDate(w.expires),
                         "inventory",
                         w.Covers(h.host->name, today),
                         {}});
  }
  for (auto& p : h.result->scan.profiles) {
    for (auto& c : p.controls) {
      if (c.status == Status::kWaived && c.waiver) {
        JudgeAgentWaiver(h, p, c, today);
      } else if (c.status == Status::kFail || c.status == Status::kError) {
        ApplyInventoryWaiver(h, p, c, waivers, today);
      }
    }
    checks::Summarize(p);
  }
}

ordered_json ProfileSummary(const ProfileResult& p) {
  const checks::Summary& n = p.summary;
  // The audit's level verdict counts waived controls as satisfied.
  const int satisfied = n.pass + n.waived;
  const char* verdict = satisfied == n.applicable ? "met"
                        : satisfied == 0          ? "not_met"
                                                  : "partly_met";
  ordered_json summary = checks::SummaryToJson(n);
  summary["passed"] = p.passed;
  summary["level_verdict"] = verdict;
  return summary;
}

ordered_json Finding(const HostEval& h, const ProfileResult& p, const ControlResult& c) {
  ordered_json waiver = nullptr;
  if (c.waiver) {
    const std::string key = p.name + "/" + c.id;
    waiver = {{"name", c.waiver->name},
              {"reason", c.waiver->reason},
              {"approved_by", c.waiver->approved_by},
              {"expires", FormatDate(c.waiver->expires)},
              {"source", h.inventory_waived.count(key) ? "inventory" : "agent"},
              {"expired", h.expired_waivers.count(key) > 0}};
  }
  return {{"profile", p.name},
          {"control", c.id},
          {"title", Text(c.title)},
          {"group", c.group},
          {"feature", c.feature},
          {"severity", ToString(c.severity)},
          {"status", checks::ToString(c.status)},
          {"reason", c.reason},
          {"evidence", checks::EvidenceToJson(c.evidence)},
          {"remediation", Text(c.remediation)},
          {"waiver", waiver}};
}

// --- 1145 feature matrix ---------------------------------------------------------------

using FeatureKey = std::pair<std::string, std::string>;  // group, feature

std::vector<FeatureKey> MatrixFeatures(const Inventory& inv, const std::vector<HostEval>& hosts,
                                       const std::string& profile) {
  std::vector<FeatureKey> order;
  std::set<FeatureKey> seen;
  auto add = [&](const std::string& g, const std::string& f) {
    if (seen.insert({g, f}).second) order.push_back({g, f});
  };
  if (const Profile* p = inv.FindProfile(profile)) {
    for (const auto& c : p->controls) add(c.group, c.feature);
  }
  // Feature names only: a stale or misnamed result still says which features exist.
  for (const auto& h : hosts) {
    if (const ProfileResult* p = h.result ? h.result->scan.Find(profile) : nullptr) {
      for (const auto& c : p->controls) add(c.group, c.feature);
    }
  }
  return order;
}

ordered_json ProviderMatrix(const Provider& provider, const std::vector<HostEval>& hosts,
                            const std::vector<FeatureKey>& features, const std::string& profile) {
  ordered_json rows = ordered_json::array();
  int passed = 0, total = 0;
  for (const auto& [group, feature] : features) {
    std::vector<std::string> failed, unknown, failed_controls;
    int hosts_passed = 0, hosts_na = 0, controls = 0;
    for (const auto& h : hosts) {
      if (h.provider != &provider) continue;
      const ProfileResult* p = h.Profile(profile);
      if (!p) {
        unknown.push_back(h.host->name);
        continue;
      }
      int applicable = 0, in_feature = 0;
      bool ok = true;
      for (const auto& c : p->controls) {
        if (c.group != group || c.feature != feature) continue;
        ++in_feature;
        if (!IsApplicable(c.status)) continue;
        ++applicable;
        if (!IsSatisfied(c.status)) {
          ok = false;
          if (std::find(failed_controls.begin(), failed_controls.end(), c.id) ==
              failed_controls.end()) {
            failed_controls.push_back(c.id);
          }
        }
      }
      controls = std::max(controls, in_feature);
      if (in_feature == 0) {
        unknown.push_back(h.host->name);  // the host's profile version lacks this feature
      } else if (!ok) {
        failed.push_back(h.host->name);
      } else if (applicable == 0) {
        ++hosts_na;
      } else {
        ++hosts_passed;
      }
    }
    const char* status = !failed.empty()     ? "fail"
                         : !unknown.empty()  ? "unknown"
                         : hosts_passed == 0 ? "not_applicable"
                                             : "pass";
    if (std::string(status) != "not_applicable") ++total;
    if (std::string(status) == "pass") ++passed;
    rows.push_back({{"group", group},
                    {"feature", feature},
                    {"status", status},
                    {"controls", controls},
                    {"hosts_passed", hosts_passed},
                    {"hosts_not_applicable", hosts_na},
                    {"hosts_failed", failed},
                    {"hosts_unknown", unknown},
                    {"failed_controls", failed_controls}});
  }
  bool any_fail = false, any_unknown = false;
  for (const auto& row : rows) {
    any_fail = any_fail || row["status"] == "fail";
    any_unknown = any_unknown || row["status"] == "unknown";
  }
  // No feature known at all (no host result and the profile not loaded) is no evidence.
  return {{"profile", profile},
          {"status", any_fail                      ? "fail"
                     : any_unknown || rows.empty() ? "unknown"
                                                   : "pass"},
          {"passed", passed},
          {"total", total},
          {"features", rows}};
}

// --- Decree 85 level verdicts -------------------------------------------------------------

struct LevelJudgement {
  std::string verdict;  // met, partly_met, not_met, unknown
  std::string reason;
  int met = 0, partly = 0, not_met = 0;
  ordered_json remediation = ordered_json::array();
};

// Judges the hosts carrying a workload against the profile its level requires (the entry that
// answers it, requirement.h). Per control: met when it is satisfied on every host where it
// applies, not met when on none, partly met otherwise; the verdict is met when every control is
// met and not met when no control is satisfied anywhere.
LevelJudgement Judge(const std::vector<const HostEval*>& hosts, const Requirement& required) {
  LevelJudgement j;
  if (hosts.empty()) {
    j.verdict = "unknown";
    j.reason = "no replica found on any host";
    return j;
  }
  std::vector<std::string> unknown;
  for (const HostEval* h : hosts) {
    if (!h->known()) {
      unknown.push_back(h->host->name + " (" + h->reason + ")");
    } else if (!h->Answering(required)) {
      unknown.push_back(h->host->name + " (" +
                        orchestrator::Judge(h->result->scan, required).reason + ")");
    }
  }
  if (!unknown.empty()) {
    j.verdict = "unknown";
    j.reason = "compliance unknown on " + Join(unknown, "; ");
    return j;
  }
  struct Tally {
    const ControlResult* sample = nullptr;
    int satisfied = 0, applicable = 0;
    std::vector<std::string> failed;
  };
  std::vector<std::string> order;
  std::map<std::string, Tally> tallies;
  for (const HostEval* h : hosts) {
    for (const auto& c : h->Answering(required)->controls) {
      if (!IsApplicable(c.status)) continue;
      auto [it, fresh] = tallies.try_emplace(c.id);
      if (fresh) order.push_back(c.id);
      Tally& t = it->second;
      ++t.applicable;
      if (IsSatisfied(c.status)) {
        ++t.satisfied;
        if (!t.sample) t.sample = &c;
      } else {
        t.failed.push_back(h->host->name);
        if (!t.sample || IsSatisfied(t.sample->status)) t.sample = &c;
      }
    }
  }
  for (const auto& id : order) {
    const Tally& t = tallies[id];
    if (t.satisfied == t.applicable) {
      ++j.met;
      continue;
    }
    const bool none = t.satisfied == 0;
    ++(none ? j.not_met : j.partly);
    j.remediation.push_back({{"control", id},
                             {"title", Text(t.sample->title)},
                             {"severity", ToString(t.sample->severity)},
                             {"status", none ? "not_met" : "partly_met"},
                             {"hosts", t.failed},
                             {"reason", t.sample->reason},
                             {"remediation", Text(t.sample->remediation)}});
  }
  const int satisfied_somewhere = j.met + j.partly;
  if (j.partly == 0 && j.not_met == 0) {
    j.verdict = "met";
    j.reason = order.empty() ? "no applicable control" : "every applicable control is met";
  } else if (satisfied_somewhere == 0) {
    j.verdict = "not_met";
    j.reason = "no applicable control is met";
  } else {
    j.verdict = "partly_met";
    j.reason = std::to_string(j.partly + j.not_met) + " of " + std::to_string(order.size()) +
               " applicable controls not met on every host";
  }
  return j;
}

// The verdict of a workload whose level the policy does not require to pass any profile.
constexpr const char* kNotRequired = "not_required";

// Which hosts carry each workload, in inventory order, found once for all workloads.
struct PlacementIndex {
  std::map<std::string, std::vector<const HostEval*>> carriers;  // by workload
  size_t blind = 0;                                              // hosts whose domains are unknown
};

PlacementIndex IndexPlacement(const std::vector<HostEval>& hosts) {
  PlacementIndex index;
  for (const auto& h : hosts) {
    if (!h.placement.known) {
      ++index.blind;
      continue;
    }
    for (const auto& d : h.placement.domains) {
      auto& list = index.carriers[d.workload];
      if (list.empty() || list.back() != &h) list.push_back(&h);
    }
  }
  return index;
}

ordered_json WorkloadEntry(const Workload& w, const Inventory& inv, const PlacementIndex& index,
                           const AuditSettings& s) {
  const std::string profile = LevelProfile(inv, s.policy, w.security_level);
  const Requirement required = ParseRequirement(profile);
  // The policy may raise the replica count, as the planner does, and may require no
  // compliance pass at the level.
  int desired = w.replicas;
  bool not_required = false;
  if (const Policy* policy = ChosenPolicy(inv, s.policy)) {
    if (const LevelPolicy* lp = policy->ForLevel(w.security_level)) {
      desired = std::max(desired, lp->min_replicas);
      not_required = !lp->require_compliance;
    }
  }
  ordered_json replicas = ordered_json::array();
  std::vector<const HostEval*> carrying;
  std::set<std::string> sources, findings_seen;
  std::vector<std::string> findings;
  auto finding = [&](std::string text) {
    if (findings_seen.insert(text).second) findings.push_back(std::move(text));
  };
  int found = 0;
  static const std::vector<const HostEval*> kNone;
  auto it = index.carriers.find(w.name);
  for (const HostEval* hp : it == index.carriers.end() ? kNone : it->second) {
    const HostEval& h = *hp;
    const std::string verdict = not_required ? kNotRequired : Judge({&h}, required).verdict;
    sources.insert(h.placement.source);
    for (const auto& d : h.placement.domains) {
      if (d.workload != w.name) continue;
      ++found;
      replicas.push_back({{"host", h.host->name},
                          {"provider", h.provider->name},
                          {"zone", h.zone->name},
                          {"domain", d.name},
                          {"replica", d.replica},
                          {"verdict", verdict}});
    }
    carrying.push_back(&h);
    const Certification& c = h.provider->certification;
    if (c.expires < s.today) {
      finding("provider " + h.provider->name + "'s certification expired on " +
              FormatDate(c.expires));
    }
    if (c.max_security_level < w.security_level) {
      finding("provider " + h.provider->name + " is certified only up to level " +
              std::to_string(c.max_security_level));
    }
  }
  if (found < desired) {
    finding(std::to_string(found) + " of " + std::to_string(desired) + " replicas found" +
            (index.blind == 0
                 ? std::string()
                 : "; domains unknown on " + std::to_string(index.blind) + " host(s)"));
  }
  LevelJudgement j;
  if (not_required) {
    j.verdict = kNotRequired;
    j.reason = "not required by the policy: level " + std::to_string(w.security_level) +
               " requires no compliance pass";
  } else {
    j = Judge(carrying, required);
  }
  return {{"name", w.name},
          {"agency", w.agency},
          {"system", w.system},
          {"security_level", w.security_level},
          {"profile", profile},
          {"replicas_desired", desired},
          {"replicas_found", found},
          {"placement_source", sources.empty()      ? "none"
                               : sources.size() > 1 ? "mixed"
                                                    : *sources.begin()},
          {"replicas", replicas},
          {"verdict", j.verdict},
          {"reason", j.reason},
          {"controls", {{"met", j.met}, {"partly_met", j.partly}, {"not_met", j.not_met}}},
          {"findings", findings},
          {"remediation", j.remediation}};
}

ordered_json HostScan(const HostEval& h, const AuditSettings& s) {
  if (!h.result) return nullptr;
  const checks::ScanResult& r = h.result->scan;
  const auto age = std::chrono::duration_cast<seconds>(s.now - r.finished_at);
  return {{"started_at", Time(r.started_at)},
          {"finished_at", Time(r.finished_at)},
          {"age_seconds", age.count()},
          {"agent_version", r.agent_version},
          {"agent_revision", r.agent_revision}};
}

ordered_json HostPlacement(const HostDomains& placement) {
  ordered_json domains = ordered_json::array();
  for (const auto& d : placement.domains) {
    domains.push_back({{"name", d.name}, {"workload", d.workload}, {"replica", d.replica}});
  }
  return {{"known", placement.known},
          {"source", placement.source},
          {"error", placement.error},
          {"domains", domains}};
}

// Each profile with its controls' statuses, and the findings: the controls that fail, err or
// are waived.
std::pair<ordered_json, ordered_json> HostProfiles(const HostEval& h) {
  ordered_json profiles = ordered_json::array(), findings = ordered_json::array();
  if (!h.known()) return {profiles, findings};
  for (const auto& p : h.result->scan.profiles) {
    ordered_json statuses = ordered_json::object();
    for (const auto& c : p.controls) {
      statuses[c.id] = checks::ToString(c.status);
      if (c.status == Status::kFail || c.status == Status::kError || c.status == Status::kWaived) {
        findings.push_back(Finding(h, p, c));
      }
    }
    profiles.push_back({{"name", p.name},
                        {"version", p.version},
                        {"level", p.level.value_or(0)},
                        {"title", Text(p.title)},
                        {"summary", ProfileSummary(p)},
                        {"statuses", statuses}});
  }
  return {profiles, findings};
}

ordered_json HostWaivers(const std::vector<HostWaiver>& waivers) {
  ordered_json out = ordered_json::array();
  for (const auto& w : waivers) {
    out.push_back({{"name", w.name},
                   {"control", w.control},
                   {"profile", w.profile},
                   {"status", w.in_force ? "in_force" : "expired"},
                   {"expires", w.expires},
                   {"reason", w.reason},
                   {"approved_by", w.approved_by},
                   {"source", w.source},
                   {"applied", w.applied}});
  }
  return out;
}

ordered_json HostEntry(const HostEval& h, const AuditSettings& s) {
  ordered_json e = {{"name", h.host->name},
                    {"provider", h.provider->name},
                    {"zone", h.zone->name},
                    {"agent", h.host->agent},
                    {"status", h.known() ? "known" : "unknown"},
                    {"reason", h.reason},
                    {"source", h.fetched ? h.fetched->source : ""},
                    {"result_sha256", h.result ? h.result->sha256 : ""}};
  e["scan"] = HostScan(h, s);
  e["placement"] = HostPlacement(h.placement);
  auto [profiles, findings] = HostProfiles(h);
  e["profiles"] = std::move(profiles);
  e["findings"] = std::move(findings);
  e["waivers"] = HostWaivers(h.waivers);
  return e;
}

// --- Assembling the report ----------------------------------------------------------------

// Parses every result that arrived. Parsing is most of the work for a large fleet: it is
// spread over the cores.
std::map<const FetchedResult*, ParsedResult> ParseAll(const std::vector<FetchedResult>& fetched) {
  std::map<const FetchedResult*, ParsedResult> parsed;
  for (const auto& f : fetched) {
    if (f.error.empty()) parsed[&f];
  }
  boost::asio::thread_pool pool(Cores());
  for (auto& [f, result] : parsed) {
    boost::asio::post(pool, [f = f, &result = result] { result = ParseHostResult(f->body); });
  }
  pool.join();
  return parsed;
}

// Why a host the inventory declares `state: failed` has no evidence: egovctl never calls it,
// and a result saved before it failed does not stand for it.
constexpr const char* kFencedReason =
    "declared failed in the inventory (fenced): not asked, no evidence collected";

// Takes the host's result when one arrived and parsed, and says why it cannot be used
// (`reason`) when it cannot.
void TakeResult(HostEval& h, std::map<const FetchedResult*, ParsedResult>& parsed,
                const AuditSettings& s) {
  if (h.host->state == HostState::kFailed) {
    h.reason = kFencedReason;
  } else if (!h.fetched) {
    h.reason = "no agent URL in the inventory";
  } else if (!h.fetched->error.empty()) {
    h.reason = h.fetched->error;
  } else if (ParsedResult& p = parsed[h.fetched]; !p.result) {
    h.reason = "malformed result: " + p.error;
  } else {
    h.result = std::move(p.result);
    h.reason = Usability(h.result->scan, h.host->name, s);
  }
}

// The host's domains: libvirt is the live truth; the agent's own list is the fallback.
void PlaceDomains(HostEval& h, const std::map<std::string, HostDomains>& libvirt) {
  const auto it = libvirt.find(h.host->name);
  if (h.host->state == HostState::kFailed) {
    h.placement.error = kFencedReason;
  } else if (it != libvirt.end() && it->second.known) {
    h.placement = it->second;
  } else if (h.known() && h.result->domains) {
    h.placement = {true, "results", {}, *h.result->domains};
  } else {
    h.placement.error = it != libvirt.end() ? it->second.error : "";
  }
}

// Every inventory host, in inventory order, with its result judged and its waivers applied.
std::vector<HostEval> EvaluateHosts(const Inventory& inv, const AuditInputs& in,
                                    const AuditSettings& s) {
  std::map<std::string, const FetchedResult*> fetched;
  for (const auto& f : in.fetched) fetched[f.host] = &f;
  auto parsed = ParseAll(in.fetched);
  std::vector<HostEval> hosts;
  for (const auto& p : inv.providers) {
    for (const auto& z : p.zones) {
      for (const auto& host : z.hosts) {
        HostEval h;
        h.host = &host;
        h.provider = &p;
        h.zone = &z;
        if (auto it = fetched.find(host.name); it != fetched.end()) h.fetched = it->second;
        TakeResult(h, parsed, s);
        if (h.result) ApplyWaivers(h, inv.waivers, s.today);
        PlaceDomains(h, in.libvirt);
        hosts.push_back(std::move(h));
      }
    }
  }
  return hosts;
}

ordered_json ProviderEntry(const Provider& p, const std::vector<HostEval>& hosts,
                           const std::vector<FeatureKey>& features, const AuditSettings& s) {
  std::vector<std::string> names, unknown;
  for (const auto& h : hosts) {
    if (h.provider != &p) continue;
    names.push_back(h.host->name);
    if (!h.known()) unknown.push_back(h.host->name);
  }
  ordered_json certification = ToJson(p.certification);
  certification["valid"] = s.today <= p.certification.expires;
  return {{"name", p.name},
          {"display_name", p.display_name},
          {"residency", p.residency},
          {"certification", certification},
          {"hosts", names},
          {"hosts_unknown", unknown},
          {"matrix", ProviderMatrix(p, hosts, features, s.matrix_profile)}};
}

ordered_json Providers(const Inventory& inv, const std::vector<HostEval>& hosts,
                       const AuditSettings& s) {
  const auto features = MatrixFeatures(inv, hosts, s.matrix_profile);
  ordered_json out = ordered_json::array();
  for (const auto& p : inv.providers) out.push_back(ProviderEntry(p, hosts, features, s));
  return out;
}

ordered_json Workloads(const Inventory& inv, const std::vector<HostEval>& hosts,
                       const AuditSettings& s) {
  const PlacementIndex index = IndexPlacement(hosts);
  ordered_json out = ordered_json::array();
  for (const auto& w : inv.workloads) out.push_back(WorkloadEntry(w, inv, index, s));
  return out;
}

ordered_json UnknownHosts(const std::vector<HostEval>& hosts) {
  ordered_json out = ordered_json::array();
  for (const auto& h : hosts) {
    if (h.known()) continue;
    out.push_back({{"name", h.host->name},
                   {"provider", h.provider->name},
                   {"zone", h.zone->name},
                   {"reason", h.reason}});
  }
  return out;
}

ordered_json Hosts(const std::vector<HostEval>& hosts, const AuditSettings& s) {
  ordered_json out = ordered_json::array();
  for (const auto& h : hosts) out.push_back(HostEntry(h, s));
  return out;
}

ordered_json Waivers(const Inventory& inv, const std::vector<HostEval>& hosts, Date today) {
  ordered_json out = ordered_json::array();
  for (const auto& w : inv.waivers) {
    ordered_json applied = ordered_json::array();
    for (const auto& h : hosts) {
      for (const auto& hw : h.waivers) {
        if (hw.source != "inventory" || hw.name != w.name) continue;
        for (const auto& a : hw.applied) applied.push_back(h.host->name + ": " + a);
      }
    }
    ordered_json item = ToJson(w);
    item.erase("kind");  // the report lists only waivers
    item["status"] = today <= w.expires ? "in_force" : "expired";
    item["applied"] = applied;
    out.push_back(std::move(item));
  }
  return out;
}

// Results that arrived for hosts the inventory does not name: listed, never counted.
ordered_json UnexpectedResults(const std::vector<HostEval>& hosts,
                               const std::vector<FetchedResult>& fetched) {
  std::set<std::string> inventory_hosts;
  for (const auto& h : hosts) inventory_hosts.insert(h.host->name);
  ordered_json out = ordered_json::array();
  for (const auto& f : fetched) {
    if (!inventory_hosts.count(f.host) && f.error.empty()) out.push_back(f.host);
  }
  return out;
}

// The summary is counted from the sections already built, so that it can never disagree.
ordered_json Summary(const Inventory& inv, const std::vector<HostEval>& hosts,
                     const ordered_json& providers, const ordered_json& workloads) {
  int features_passed = 0, features_total = 0;
  for (const auto& p : providers) {
    features_passed += p["matrix"]["passed"].get<int>();
    features_total += p["matrix"]["total"].get<int>();
  }
  std::map<std::string, int> verdicts = {
      {"met", 0}, {"partly_met", 0}, {"not_met", 0}, {"unknown", 0}, {kNotRequired, 0}};
  for (const auto& w : workloads) ++verdicts[w["verdict"].get<std::string>()];
  std::map<std::string, int> statuses = {{"pass", 0},   {"fail", 0},           {"error", 0},
                                         {"waived", 0}, {"not_applicable", 0}, {"skipped", 0}};
  size_t known = 0;
  for (const auto& h : hosts) {
    if (!h.known()) continue;
    ++known;
    for (const auto& p : h.result->scan.profiles) {
      for (const auto& c : p.controls) ++statuses[checks::ToString(c.status)];
    }
  }
  const bool compliant =
      known == hosts.size() && statuses["fail"] == 0 && statuses["error"] == 0 &&
      verdicts["met"] + verdicts[kNotRequired] == static_cast<int>(inv.workloads.size()) &&
      features_passed == features_total;
  return {{"compliant", compliant},
          {"providers", inv.providers.size()},
          {"hosts", hosts.size()},
          {"hosts_known", known},
          {"hosts_unknown", hosts.size() - known},
          {"features_passed", features_passed},
          {"features_total", features_total},
          {"workloads", inv.workloads.size()},
          {"verdicts", verdicts},
          {"controls", statuses}};
}

// What the report is and how it was made: everything before the summary.
ordered_json Header(const Inventory& inv, const AuditSettings& s) {
  ordered_json level_profiles = ordered_json::object();
  for (int level = 1; level <= 5; ++level) {
    level_profiles[std::to_string(level)] = LevelProfile(inv, s.policy, level);
  }
  return {{"schema", "egov.audit/v1"},
          {"title",
           {{"vi", "Báo cáo đánh giá tuân thủ an toàn thông tin hạ tầng điện toán đám mây"},
            {"en", "Cloud infrastructure security compliance audit report"}}},
          {"generated_at", FormatTimestamp(s.now)},
          {"audit_date", FormatDate(s.today)},
          {"auditor", s.auditor},
          {"tool", {{"name", "egovctl"}, {"version", kVersion}, {"revision", kRevision}}},
          {"window", {{"from", FormatDate(s.from)}, {"to", FormatDate(s.to)}}},
          {"settings",
           {{"source", s.source},
            {"inventory", s.inventory_files},
            {"matrix_profile", s.matrix_profile},
            {"level_profiles", level_profiles},
            {"max_age_seconds", s.max_age.count()}}}};
}

}  // namespace

std::pair<Date, Date> AnnualWindow(Date today) {
  using namespace std::chrono;
  const year_month_day ymd{today};
  const year y =
      ymd.month() == December && ymd.day() >= day(15) ? ymd.year() : ymd.year() - years(1);
  return {sys_days(y / December / 15), sys_days((y + years(1)) / December / 14)};
}

std::string LevelProfile(const Inventory& inv, const std::string& policy, int level) {
  if (const Policy* chosen = ChosenPolicy(inv, policy)) {
    if (const LevelPolicy* lp = chosen->ForLevel(level); lp && !lp->compliance_profile.empty()) {
      return lp->compliance_profile;
    }
  }
  return "decree85-level" + std::to_string(level);
}

bool ReportCompliant(const ordered_json& report) {
  return report.at("summary").at("compliant").get<bool>();
}

ordered_json BuildAuditReport(const Inventory& inv, const AuditInputs& in, const AuditSettings& s) {
  const std::vector<HostEval> hosts = EvaluateHosts(inv, in, s);
  ordered_json providers = Providers(inv, hosts, s);
  ordered_json workloads = Workloads(inv, hosts, s);
  ordered_json report = Header(inv, s);
  report["summary"] = Summary(inv, hosts, providers, workloads);
  // Moved in: the sections are the largest parts of the report.
  report["providers"] = std::move(providers);
  report["workloads"] = std::move(workloads);
  report["unknown_hosts"] = UnknownHosts(hosts);
  report["hosts"] = Hosts(hosts, s);
  report["waivers"] = Waivers(inv, hosts, s.today);
  report["unexpected_results"] = UnexpectedResults(hosts, in.fetched);
  return report;
}

}  // namespace egov::orchestrator::audit
