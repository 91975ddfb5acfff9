#include "orchestrator/audit/report.h"

#include <algorithm>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/version.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::ordered_json;
using std::chrono::seconds;

constexpr seconds kClockSkew{300};  // a scan this far ahead of our clock is still accepted

ordered_json Text(const LocalizedText& t) { return {{"vi", t.vi}, {"en", t.en}}; }

// Everything the audit knows about one inventory host.
struct HostEval {
  const Host* host = nullptr;
  const Provider* provider = nullptr;
  const Zone* zone = nullptr;
  const agent_client::FetchedResult* fetched = nullptr;
  std::optional<HostResult> result;  // parsed, waivers applied; kept for unknown hosts too
  std::string reason;                // empty when the result is usable
  HostDomains placement;

  bool known() const { return reason.empty() && result.has_value(); }
  const ProfileResult* Profile(const std::string& name) const {
    return known() ? result->FindProfile(name) : nullptr;
  }
};

// A waiver as it bears on one host: in force or expired, and what it changed.
struct HostWaiver {
  std::string name, control, profile, reason, approved_by, expires, source;
  bool in_force = false;
  std::vector<std::string> applied;  // "profile/control"
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
std::string Usability(const HostResult& r, const std::string& host, const AuditSettings& s) {
  if (r.host != host) return "the result is for host '" + r.host + "'";
  if (r.finished_at > s.now + kClockSkew) {
    return "scan time " + FormatTimestamp(r.finished_at) + " is in the future";
  }
  if (s.max_age.count() > 0 && s.now - r.finished_at > s.max_age) {
    return "stale: scanned at " + FormatTimestamp(r.finished_at) + ", more than " +
           Seconds(s.max_age) + " ago";
  }
  if (r.finished_at < Timestamp(s.from) ||
      r.finished_at >= Timestamp(s.to + std::chrono::days(1))) {
    return "scanned at " + FormatTimestamp(r.finished_at) + ", outside the reporting window " +
           FormatDate(s.from) + " to " + FormatDate(s.to);
  }
  return {};
}

// Applies the audit's view of waivers to one host's controls (docs/audit.md, "Waivers"):
// an agent's waiver that has expired on the audit date no longer counts, and the inventory's
// waivers in force cover failing and erroring controls.
std::vector<HostWaiver> ApplyWaivers(HostResult& r, const std::string& host,
                                     const std::vector<Waiver>& waivers, Date today) {
  std::vector<HostWaiver> out;
  for (const auto& w : waivers) {
    // Covers() on the expiry day itself matches the host patterns whatever the date.
    if (!w.Covers(host, w.expires)) continue;
    out.push_back({w.name,
                   w.control,
                   w.profile,
                   w.reason,
                   w.approved_by,
                   FormatDate(w.expires),
                   "inventory",
                   w.Covers(host, today),
                   {}});
  }
  for (auto& p : r.profiles) {
    for (auto& c : p.controls) {
      if (c.status == "waived" && c.waiver && c.waiver->source == "agent") {
        const auto expires = ParseDate(c.waiver->expires);
        const bool in_force = !expires || today <= *expires;
        out.push_back({c.waiver->name,
                       c.id,
                       p.name,
                       c.waiver->reason,
                       c.waiver->approved_by,
                       c.waiver->expires,
                       "agent",
                       in_force,
                       {}});
        if (!in_force) {
          c.status = "fail";
          c.waiver->expired = true;
          c.reason = "the agent's waiver '" + c.waiver->name + "' expired on " + c.waiver->expires +
                     "; the control did not pass" + (c.reason.empty() ? "" : " (" + c.reason + ")");
        } else {
          out.back().applied.push_back(p.name + "/" + c.id);
        }
        continue;
      }
      if (c.status != "fail" && c.status != "error") continue;
      for (size_t i = 0; i < waivers.size(); ++i) {
        const Waiver& w = waivers[i];
        if (w.control != c.id || (!w.profile.empty() && w.profile != p.name) ||
            !w.Covers(host, today)) {
          continue;
        }
        c.waiver = AppliedWaiver{w.name,      w.reason, w.approved_by, FormatDate(w.expires),
                                 "inventory", false};
        c.reason = "waived (" + c.status + "): " + c.reason;
        c.status = "waived";
        for (auto& hw : out) {
          if (hw.source == "inventory" && hw.name == w.name)
            hw.applied.push_back(p.name + "/" + c.id);
        }
        break;
      }
    }
  }
  return out;
}

ordered_json ProfileSummary(const ProfileResult& p) {
  std::map<std::string, int> n;
  for (const auto& c : p.controls) ++n[c.status];
  const int applicable = n["pass"] + n["fail"] + n["error"] + n["waived"];
  const bool passed = n["fail"] == 0 && n["error"] == 0;
  const char* verdict = n["pass"] + n["waived"] == applicable ? "met"
                        : n["pass"] + n["waived"] == 0        ? "not_met"
                                                              : "partly_met";
  auto ratio = [&](int k) { return applicable ? double(k) / applicable : 1.0; };
  return {{"pass", n["pass"]},
          {"fail", n["fail"]},
          {"error", n["error"]},
          {"skipped", n["skipped"]},
          {"not_applicable", n["not_applicable"]},
          {"waived", n["waived"]},
          {"applicable", applicable},
          {"score", ratio(n["pass"])},
          {"score_with_waivers", ratio(n["pass"] + n["waived"])},
          {"passed", passed},
          {"level_verdict", verdict}};
}

ordered_json Finding(const ProfileResult& p, const ControlResult& c) {
  ordered_json waiver = nullptr;
  if (c.waiver) {
    waiver = {{"name", c.waiver->name},
              {"reason", c.waiver->reason},
              {"approved_by", c.waiver->approved_by},
              {"expires", c.waiver->expires},
              {"source", c.waiver->source},
              {"expired", c.waiver->expired}};
  }
  return {{"profile", p.name},      {"control", c.id},
          {"title", Text(c.title)}, {"group", c.group},
          {"feature", c.feature},   {"severity", c.severity},
          {"status", c.status},     {"reason", c.reason},
          {"evidence", c.evidence}, {"remediation", Text(c.remediation)},
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
    if (const ProfileResult* p = h.result ? h.result->FindProfile(profile) : nullptr) {
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

// Judges the hosts carrying a workload against one profile. Per control: met when it is
// satisfied on every host where it applies, not met when on none, partly met otherwise; the
// verdict is met when every control is met and not met when no control is satisfied anywhere.
LevelJudgement Judge(const std::vector<const HostEval*>& hosts, const std::string& profile) {
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
    } else if (!h->Profile(profile)) {
      unknown.push_back(h->host->name + " (no results for profile " + profile + ")");
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
    for (const auto& c : h->Profile(profile)->controls) {
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
                             {"severity", t.sample->severity},
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
  // The policy may raise the replica count, as the planner does.
  int desired = w.replicas;
  if (const Policy* policy = ChosenPolicy(inv, s.policy)) {
    if (const LevelPolicy* lp = policy->ForLevel(w.security_level)) {
      desired = std::max(desired, lp->min_replicas);
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
    const std::string verdict = Judge({&h}, profile).verdict;
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
  const LevelJudgement j = Judge(carrying, profile);
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

ordered_json HostEntry(const HostEval& h, const std::vector<HostWaiver>& waivers,
                       const AuditSettings& s) {
  ordered_json e = {{"name", h.host->name},
                    {"provider", h.provider->name},
                    {"zone", h.zone->name},
                    {"agent", h.host->agent},
                    {"status", h.known() ? "known" : "unknown"},
                    {"reason", h.reason},
                    {"source", h.fetched ? h.fetched->source : ""},
                    {"result_sha256", h.result ? h.result->sha256 : ""}};
  if (h.result) {
    const auto age = std::chrono::duration_cast<seconds>(s.now - h.result->finished_at);
    e["scan"] = {{"started_at", FormatTimestamp(h.result->started_at)},
                 {"finished_at", FormatTimestamp(h.result->finished_at)},
                 {"age_seconds", age.count()},
                 {"agent_version", h.result->agent_version},
                 {"agent_revision", h.result->agent_revision}};
  } else {
    e["scan"] = nullptr;
  }
  ordered_json domains = ordered_json::array();
  for (const auto& d : h.placement.domains) {
    domains.push_back({{"name", d.name}, {"workload", d.workload}, {"replica", d.replica}});
  }
  e["placement"] = {{"known", h.placement.known},
                    {"source", h.placement.source},
                    {"error", h.placement.error},
                    {"domains", domains}};
  ordered_json profiles = ordered_json::array(), findings = ordered_json::array();
  if (h.known()) {
    for (const auto& p : h.result->profiles) {
      ordered_json statuses = ordered_json::object();
      for (const auto& c : p.controls) {
        statuses[c.id] = c.status;
        if (c.status == "fail" || c.status == "error" || c.status == "waived") {
          findings.push_back(Finding(p, c));
        }
      }
      profiles.push_back({{"name", p.name},
                          {"version", p.version},
                          {"level", p.level},
                          {"title", Text(p.title)},
                          {"summary", ProfileSummary(p)},
                          {"statuses", statuses}});
    }
  }
  e["profiles"] = profiles;
  e["findings"] = findings;
  ordered_json ws = ordered_json::array();
  for (const auto& w : waivers) {
    ws.push_back({{"name", w.name},
                  {"control", w.control},
                  {"profile", w.profile},
                  {"status", w.in_force ? "in_force" : "expired"},
                  {"expires", w.expires},
                  {"reason", w.reason},
                  {"approved_by", w.approved_by},
                  {"source", w.source},
                  {"applied", w.applied}});
  }
  e["waivers"] = ws;
  return e;
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
  std::map<std::string, const agent_client::FetchedResult*> fetched;
  for (const auto& f : in.fetched) fetched[f.host] = &f;
  std::set<std::string> inventory_hosts;
  // Parsing is most of the work for a large fleet: spread it over the cores.
  std::map<const agent_client::FetchedResult*, ParsedResult> parsed_results;
  for (const auto& f : in.fetched) {
    if (f.error.empty()) parsed_results[&f];
  }
  {
    boost::asio::thread_pool pool(Cores());
    for (auto& [f, parsed] : parsed_results) {
      boost::asio::post(pool, [f = f, &parsed = parsed] { parsed = ParseHostResult(f->body); });
    }
    pool.join();
  }

  std::vector<HostEval> hosts;
  std::vector<std::vector<HostWaiver>> host_waivers;
  for (const auto& p : inv.providers) {
    for (const auto& z : p.zones) {
      for (const auto& host : z.hosts) {
        inventory_hosts.insert(host.name);
        HostEval h{&host, &p, &z, nullptr, std::nullopt, {}, {}};
        if (auto it = fetched.find(host.name); it != fetched.end()) h.fetched = it->second;
        if (!h.fetched) {
          h.reason = "no agent URL in the inventory";
        } else if (!h.fetched->error.empty()) {
          h.reason = h.fetched->error;
        } else {
          ParsedResult& parsed = parsed_results[h.fetched];
          if (!parsed.result) {
            h.reason = "malformed result: " + parsed.error;
          } else {
            h.result = std::move(parsed.result);
            h.reason = Usability(*h.result, host.name, s);
          }
        }
        host_waivers.push_back(h.result ? ApplyWaivers(*h.result, host.name, inv.waivers, s.today)
                                        : std::vector<HostWaiver>{});
        // Domains: libvirt is the live truth; the agent's own list is the fallback.
        if (auto it = in.libvirt.find(host.name); it != in.libvirt.end() && it->second.known) {
          h.placement = it->second;
        } else if (h.known() && h.result->domains) {
          h.placement = {true, "results", {}, *h.result->domains};
        } else {
          h.placement.error = it != in.libvirt.end() ? it->second.error : "";
        }
        hosts.push_back(std::move(h));
      }
    }
  }

  // Matrix, per provider.
  const auto features = MatrixFeatures(inv, hosts, s.matrix_profile);
  ordered_json providers = ordered_json::array();
  int features_passed = 0, features_total = 0;
  for (const auto& p : inv.providers) {
    std::vector<std::string> names, unknown;
    for (const auto& h : hosts) {
      if (h.provider != &p) continue;
      names.push_back(h.host->name);
      if (!h.known()) unknown.push_back(h.host->name);
    }
    ordered_json matrix = ProviderMatrix(p, hosts, features, s.matrix_profile);
    features_passed += matrix["passed"].get<int>();
    features_total += matrix["total"].get<int>();
    const auto& c = p.certification;
    providers.push_back({{"name", p.name},
                         {"display_name", p.display_name},
                         {"residency", p.residency},
                         {"certification",
                          {{"scheme", c.scheme},
                           {"certificate", c.certificate},
                           {"issued", FormatDate(c.issued)},
                           {"expires", FormatDate(c.expires)},
                           {"max_security_level", c.max_security_level},
                           {"valid", s.today <= c.expires}}},
                         {"hosts", names},
                         {"hosts_unknown", unknown},
                         {"matrix", matrix}});
  }

  ordered_json workloads = ordered_json::array();
  std::map<std::string, int> verdicts = {
      {"met", 0}, {"partly_met", 0}, {"not_met", 0}, {"unknown", 0}};
  const PlacementIndex index = IndexPlacement(hosts);
  for (const auto& w : inv.workloads) {
    workloads.push_back(WorkloadEntry(w, inv, index, s));
    ++verdicts[workloads.back()["verdict"].get<std::string>()];
  }

  ordered_json host_entries = ordered_json::array(), unknown = ordered_json::array();
  std::map<std::string, int> statuses = {{"pass", 0},   {"fail", 0},           {"error", 0},
                                         {"waived", 0}, {"not_applicable", 0}, {"skipped", 0}};
  int known = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const HostEval& h = hosts[i];
    host_entries.push_back(HostEntry(h, host_waivers[i], s));
    if (!h.known()) {
      unknown.push_back({{"name", h.host->name},
                         {"provider", h.provider->name},
                         {"zone", h.zone->name},
                         {"reason", h.reason}});
      continue;
    }
    ++known;
    for (const auto& p : h.result->profiles) {
      for (const auto& c : p.controls) ++statuses[c.status];
    }
  }
  ordered_json extra = ordered_json::array();
  for (const auto& f : in.fetched) {
    if (!inventory_hosts.count(f.host) && f.error.empty()) extra.push_back(f.host);
  }

  ordered_json waivers = ordered_json::array();
  for (const auto& w : inv.waivers) {
    ordered_json applied = ordered_json::array();
    for (size_t i = 0; i < hosts.size(); ++i) {
      for (const auto& hw : host_waivers[i]) {
        if (hw.source != "inventory" || hw.name != w.name) continue;
        for (const auto& a : hw.applied) applied.push_back(hosts[i].host->name + ": " + a);
      }
    }
    waivers.push_back({{"name", w.name},
                       {"control", w.control},
                       {"profile", w.profile},
                       {"hosts", w.hosts},
                       {"reason", w.reason},
                       {"approved_by", w.approved_by},
                       {"expires", FormatDate(w.expires)},
                       {"status", s.today <= w.expires ? "in_force" : "expired"},
                       {"applied", applied}});
  }

  const bool compliant = unknown.empty() && statuses["fail"] == 0 && statuses["error"] == 0 &&
                         verdicts["met"] == static_cast<int>(inv.workloads.size()) &&
                         features_passed == features_total;
  ordered_json level_profiles = ordered_json::object();
  for (int level = 1; level <= 5; ++level) {
    level_profiles[std::to_string(level)] = LevelProfile(inv, s.policy, level);
  }
  ordered_json report = {
      {"schema", "egov.audit/v1"},
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
        {"max_age_seconds", s.max_age.count()}}},
      {"summary",
       {{"compliant", compliant},
        {"providers", inv.providers.size()},
        {"hosts", hosts.size()},
        {"hosts_known", known},
        {"hosts_unknown", hosts.size() - known},
        {"features_passed", features_passed},
        {"features_total", features_total},
        {"workloads", inv.workloads.size()},
        {"verdicts", verdicts},
        {"controls", statuses}}},
  };
  // Moved in, not listed above: an initializer list would copy the largest parts.
  report["providers"] = std::move(providers);
  report["workloads"] = std::move(workloads);
  report["unknown_hosts"] = std::move(unknown);
  report["hosts"] = std::move(host_entries);
  report["waivers"] = std::move(waivers);
  report["unexpected_results"] = std::move(extra);
  return report;
}

}  // namespace egov::orchestrator::audit
