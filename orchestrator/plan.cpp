#include "orchestrator/plan.h"

#include <algorithm>
#include <ostream>
#include <set>

#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator {
namespace {

constexpr ActionKind kKinds[] = {ActionKind::kCreate, ActionKind::kReplace, ActionKind::kStart,
                                 ActionKind::kDelete, ActionKind::kUnchanged};

ActionKind KindFromString(const std::string& s) {
  for (ActionKind k : kKinds) {
    if (s == ToString(k)) return k;
  }
  throw std::invalid_argument("unknown action '" + s + "'");
}

PlacementHost ToPlacementHost(const HostSession& s, const std::map<std::string, HostResults>& c) {
  const FleetHost& f = s.ref;
  PlacementHost h;
  h.name = f.host->name;
  h.provider = f.provider->name;
  h.zone = f.zone->name;
  h.residency = f.provider->residency;
  h.cert_level = f.provider->certification.max_security_level;
  h.cert_expires = f.provider->certification.expires;
  h.labels = f.host->labels;
  h.capacity = f.host->capacity;
  h.overcommit = f.host->overcommit;
  if (auto it = c.find(h.name); it != c.end()) h.compliance = it->second.profiles;
  h.reachable = s.reachable;
  for (const auto& d : s.domains) {
    if (d.metadata) continue;
    h.runs_unmanaged = true;
    h.unmanaged.vcpus += d.vcpus;
    h.unmanaged.memory += d.memory_bytes;
  }
  return h;
}

std::string NetworkFor(const Workload& w, const PlacementWorkload& e) {
  if (e.separation == Separation::kLogical) return SeparationName(w.name);
  return w.network;
}

}  // namespace

const char* ToString(ActionKind kind) {
  switch (kind) {
    case ActionKind::kCreate:
      return "create";
    case ActionKind::kReplace:
      return "replace";
    case ActionKind::kStart:
      return "start";
    case ActionKind::kDelete:
      return "delete";
    case ActionKind::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

size_t Plan::Count(ActionKind kind) const {
  return static_cast<size_t>(std::count_if(actions.begin(), actions.end(),
                                           [&](const Action& a) { return a.kind == kind; }));
}

bool Plan::HasChanges() const { return actions.size() != Count(ActionKind::kUnchanged); }

PlanningModel BuildModel(const Inventory& inv, const Policy& policy,
                         const std::vector<std::unique_ptr<HostSession>>& sessions,
                         const std::map<std::string, HostResults>& compliance,
                         const std::map<std::string, std::vector<KnownDomain>>& known) {
  PlanningModel m;
  for (const auto& w : inv.workloads) {
    m.workloads.push_back(Effective(w, policy));
    m.specs.push_back(&w);
  }
  for (size_t i = 0; i < sessions.size(); ++i) {
    const HostSession& s = *sessions[i];
    m.hosts.push_back(ToPlacementHost(s, compliance));
    const std::string& host = s.ref.host->name;
    if (!s.reachable) {
      // Its domains are unknown, not gone: keep what the journal last saw there.
      if (auto it = known.find(host); it != known.end()) {
        for (const auto& k : it->second) {
          ExistingReplica e{k.workload, k.replica, host, k.spec_hash, {}, true};
          if (const Workload* w = inv.FindWorkload(k.workload)) e.resources = w->resources;
          m.existing.push_back(std::move(e));
          m.found.emplace_back(i, -1);
        }
      }
      continue;
    }
    for (size_t d = 0; d < s.domains.size(); ++d) {
      const ObservedDomain& dom = s.domains[d];
      if (!dom.metadata) continue;
      ExistingReplica e;
      e.workload = dom.metadata->workload;
      e.replica = dom.metadata->replica;
      e.host = host;
      e.spec_hash = dom.metadata->spec_hash;
      e.resources.vcpus = dom.vcpus;
      e.resources.memory = dom.memory_bytes;
      if (const Workload* w = inv.FindWorkload(e.workload)) e.resources.disk = w->resources.disk;
      m.existing.push_back(std::move(e));
      m.found.emplace_back(i, static_cast<int>(d));
    }
  }
  return m;
}

Plan BuildPlan(const PlanningModel& m, const PlacementResult& placement,
               const std::vector<std::unique_ptr<HostSession>>& sessions) {
  Plan plan;
  plan.seed = placement.seed;
  plan.strategy = placement.strategy;
  plan.fingerprint = Fingerprint(sessions);
  std::map<std::pair<std::string, int>, const Eviction*> moved;
  for (const auto& ev : placement.evictions) {
    const ExistingReplica& e = m.existing[ev.existing];
    moved.emplace(std::make_pair(e.workload, e.replica), &ev);
  }
  std::map<size_t, std::vector<std::string>> unknown_compliance;  // workload -> hosts
  auto make_xml = [&](Action& a, size_t w, size_t session) -> std::string {
    const Workload& spec = *m.specs[w];
    const PlacementWorkload& eff = m.workloads[w];
    const FleetHost& f = sessions[session]->ref;
    DomainRequest req;
    req.name = a.domain;
    req.uuid = a.uuid;
    req.workload = &spec;
    req.network = NetworkFor(spec, eff);
    req.metadata = {spec.name,           spec.agency,   spec.system,
                    spec.security_level, a.replica,     f.provider->name,
                    f.zone->name,        eff.spec_hash, spec.health ? spec.health->url : "",
                    req.network};
    a.xml = BuildDomainXml(req, sessions[session]->traits);
    a.network = req.network;
    if (eff.separation == Separation::kLogical) a.pool = SeparationName(spec.name);
    if (auto err = ValidateDomainXml(a.xml)) {
      return "generated XML for " + a.domain + " does not match libvirt's domain schema: " + *err;
    }
    return std::string();
  };
  struct XmlJob {
    size_t action, workload, session;
  };
  std::vector<XmlJob> xml_jobs;  // definitions to generate once every action is known

  for (const Assignment& as : placement.assignments) {
    const PlacementWorkload& eff = m.workloads[as.workload];
    if (as.host < 0) {
      Unplaced u{eff.name, as.replica, SummarizeRefusals(as, eff, m.hosts.size()), {}};
      for (size_t i = 0; i < kReasonCount; ++i) {
        if (as.refused[i]) u.reasons[ReasonCode(static_cast<Reason>(i))] = int(as.refused[i]);
      }
      plan.unplaced.push_back(std::move(u));
      continue;
    }
    const auto session = static_cast<size_t>(as.host);
    const HostSession& s = *sessions[session];
    Action a;
    a.host = s.ref.host->name;
    a.workload = eff.name;
    a.replica = as.replica;
    a.domain = DomainName(eff.name, as.replica);
    a.uuid = ReplicaUuid(eff.name, as.replica);
    if (as.existing >= 0) {
      const ExistingReplica& e = m.existing[static_cast<size_t>(as.existing)];
      const auto [si, di] = m.found[static_cast<size_t>(as.existing)];
      if (e.unknown) {
        a.state = "unknown";
        a.reason = "host unreachable; last seen there";
      } else {
        const ObservedDomain& d = sessions[si]->domains[static_cast<size_t>(di)];
        a.domain = d.name;
        a.uuid = d.uuid;
        a.state = StateName(d.state);
        if (e.spec_hash != eff.spec_hash) {
          a.kind = ActionKind::kReplace;
          a.reason = "spec changed (" + (e.spec_hash.empty() ? "none" : e.spec_hash) + " -> " +
                     eff.spec_hash + ")";
          xml_jobs.push_back({plan.actions.size(), as.workload, session});
        } else if (d.state != VIR_DOMAIN_RUNNING) {
          a.kind = ActionKind::kStart;
          a.reason = std::string("domain is ") + a.state;
        }
      }
    } else {
      a.kind = ActionKind::kCreate;
      auto mv = moved.find({eff.name, as.replica});
      a.reason = mv == moved.end() ? "new replica"
                                   : "moved from " + m.existing[mv->second->existing].host + " (" +
                                         mv->second->why + ")";
      xml_jobs.push_back({plan.actions.size(), as.workload, session});
      const auto& traits = m.hosts[session];
      if (eff.require_compliance) {
        auto it = traits.compliance.find(eff.profile);
        if (it == traits.compliance.end() || it->second == Compliance::kUnknown) {
          unknown_compliance[as.workload].push_back(a.host);
        }
      }
    }
    plan.actions.push_back(std::move(a));
  }

  // Generating and validating a definition is most of a plan's time (54 us each): both cores.
  std::vector<std::string> xml_errors(xml_jobs.size());
  ParallelFor(xml_jobs.size(), Cores(), [&](size_t i) {
    const XmlJob& j = xml_jobs[i];
    xml_errors[i] = make_xml(plan.actions[j.action], j.workload, j.session);
  });
  for (const auto& e : xml_errors) {
    if (!e.empty()) throw std::runtime_error(e);  // the first in plan order, every time
  }

  for (const auto& [w, hosts] : unknown_compliance) {
    const PlacementWorkload& eff = m.workloads[w];
    std::string list;
    for (const auto& h : hosts) list += (list.empty() ? "" : ", ") + h;
    plan.notes.push_back(eff.name + ": " + std::to_string(hosts.size()) +
                         " new replica(s) go to hosts whose compliance with " + eff.profile +
                         " is unknown (" + list + "); the policy allows it at level " +
                         std::to_string(eff.level));
  }

  // Deletions; a workload's own network and pool go with its last domain on a host.
  std::set<std::pair<std::string, std::string>> staying;  // (host, workload)
  for (const auto& a : plan.actions) staying.emplace(a.host, a.workload);
  for (const auto& ev : placement.evictions) {
    const ExistingReplica& e = m.existing[ev.existing];
    const auto [si, di] = m.found[ev.existing];
    if (di < 0) continue;  // only known from the journal: never evicted
    const HostSession& s = *sessions[si];
    const ObservedDomain& d = s.domains[static_cast<size_t>(di)];
    Action a;
    a.kind = ActionKind::kDelete;
    a.host = e.host;
    a.workload = e.workload;
    a.replica = e.replica;
    a.domain = d.name;
    a.uuid = d.uuid;
    a.state = StateName(d.state);
    a.reason = ev.why;
    const std::string own = SeparationName(e.workload);
    if (!staying.count({e.host, e.workload}) && (s.networks.count(own) || s.pools.count(own))) {
      a.cleanup = true;
      a.network = s.networks.count(own) ? own : "";
      a.pool = s.pools.count(own) ? own : "";
      staying.emplace(e.host, e.workload);  // one cleanup per host and workload
    }
    plan.actions.push_back(std::move(a));
  }

  for (const auto& s : sessions) {
    if (!s->reachable) {
      plan.unreachable[s->ref.host->name] = s->error;
      continue;
    }
    const auto unmanaged = std::count_if(s->domains.begin(), s->domains.end(),
                                         [](const ObservedDomain& d) { return !d.metadata; });
    if (unmanaged > 0) {
      plan.notes.push_back(s->ref.host->name + " runs " + std::to_string(unmanaged) +
                           " domain(s) egovctl does not manage (left alone)");
    }
  }
  return plan;
}

nlohmann::json ToJson(const Plan& plan) {
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& a : plan.actions) {
    nlohmann::json j = {{"action", ToString(a.kind)}, {"host", a.host},
                        {"workload", a.workload},     {"replica", a.replica},
                        {"domain", a.domain},         {"uuid", a.uuid},
                        {"reason", a.reason}};
    if (!a.state.empty()) j["state"] = a.state;
    if (!a.xml.empty()) j["xml"] = a.xml;
    if (!a.network.empty()) j["network"] = a.network;
    if (!a.pool.empty()) j["pool"] = a.pool;
    if (a.cleanup) j["cleanup"] = true;
    actions.push_back(std::move(j));
  }
  nlohmann::json unplaced = nlohmann::json::array();
  for (const auto& u : plan.unplaced) {
    unplaced.push_back({{"workload", u.workload},
                        {"replica", u.replica},
                        {"summary", u.summary},
                        {"reasons", u.reasons}});
  }
  nlohmann::json summary = nlohmann::json::object();
  for (ActionKind k : kKinds) summary[ToString(k)] = plan.Count(k);
  summary["unplaced"] = plan.unplaced.size();
  return {{"schema", "egov.plan/v1"},
          {"fingerprint", plan.fingerprint},
          {"seed", plan.seed},
          {"strategy", plan.strategy == Strategy::kSpread ? "spread" : "binpack"},
          {"summary", summary},
          {"changes", plan.HasChanges()},
          {"actions", actions},
          {"unplaced", unplaced},
          {"unreachable", plan.unreachable},
          {"notes", plan.notes}};
}

Plan PlanFromJson(const nlohmann::json& j, const std::string& file) {
  try {
    if (!j.is_object() || j.value("schema", "") != "egov.plan/v1") {
      throw std::invalid_argument("not a saved plan (expected schema egov.plan/v1)");
    }
    Plan plan;
    plan.fingerprint = j.at("fingerprint").get<std::string>();
    plan.seed = j.at("seed").get<uint64_t>();
    plan.strategy = j.at("strategy") == "binpack" ? Strategy::kBinpack : Strategy::kSpread;
    for (const auto& x : j.at("actions")) {
      Action a;
      a.kind = KindFromString(x.at("action").get<std::string>());
      a.host = x.at("host").get<std::string>();
      a.workload = x.at("workload").get<std::string>();
      a.replica = x.at("replica").get<int>();
      a.domain = x.at("domain").get<std::string>();
      a.uuid = x.at("uuid").get<std::string>();
      a.reason = x.value("reason", "");
      a.state = x.value("state", "");
      a.xml = x.value("xml", "");
      a.network = x.value("network", "");
      a.pool = x.value("pool", "");
      a.cleanup = x.value("cleanup", false);
      if ((a.kind == ActionKind::kCreate || a.kind == ActionKind::kReplace) && a.xml.empty()) {
        throw std::invalid_argument("action on " + a.domain + " has no domain XML");
      }
      plan.actions.push_back(std::move(a));
    }
    for (const auto& x : j.value("unplaced", nlohmann::json::array())) {
      plan.unplaced.push_back({x.at("workload").get<std::string>(),
                               x.at("replica").get<int>(),
                               x.value("summary", ""),
                               {}});
    }
    plan.unreachable = j.value("unreachable", std::map<std::string, std::string>{});
    plan.notes = j.value("notes", std::vector<std::string>{});
    return plan;
  } catch (const std::exception& e) {
    throw ConfigError({file, 0, 0}, std::string("invalid saved plan: ") + e.what());
  }
}

void PrintPlan(const Plan& plan, std::ostream& out, bool show_unchanged) {
  out << "Plan (seed " << plan.seed << ", "
      << (plan.strategy == Strategy::kSpread ? "spread" : "bin-pack") << ", state "
      << plan.fingerprint.substr(0, 19) << ")\n";
  static constexpr const char* kMarks[] = {"+", "~", ">", "-", "="};
  for (ActionKind k : kKinds) {
    if (k == ActionKind::kUnchanged && !show_unchanged) continue;
    for (const auto& a : plan.actions) {
      if (a.kind != k) continue;
      out << "  " << kMarks[static_cast<int>(k)] << " " << ToString(k)
          << std::string(10 - std::string(ToString(k)).size(), ' ') << a.domain << " on " << a.host
          << ": " << a.reason << "\n";
    }
  }
  if (!plan.unplaced.empty()) {
    out << "\nCannot be placed:\n";
    for (const auto& u : plan.unplaced) {
      out << "  ! " << u.workload << " replica " << u.replica << ": " << u.summary << "\n";
    }
  }
  if (!plan.unreachable.empty()) {
    out << "\nUnreachable hosts (state unknown; nothing there is taken for deleted):\n";
    for (const auto& [host, error] : plan.unreachable)
      out << "  ? " << host << ": " << error << "\n";
  }
  if (!plan.notes.empty()) {
    out << "\nNotes:\n";
    for (const auto& n : plan.notes) out << "  * " << n << "\n";
  }
  out << "\n"
      << plan.Count(ActionKind::kCreate) << " to create, " << plan.Count(ActionKind::kReplace)
      << " to replace, " << plan.Count(ActionKind::kStart) << " to start, "
      << plan.Count(ActionKind::kDelete) << " to delete, " << plan.Count(ActionKind::kUnchanged)
      << " unchanged";
  if (!plan.unplaced.empty()) out << "; " << plan.unplaced.size() << " cannot be placed";
  out << ".\n";
  if (!plan.HasChanges()) out << "No changes: the hosts match the desired state.\n";
}

}  // namespace egov::orchestrator
