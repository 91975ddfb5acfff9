#include "orchestrator/drift.h"

#include <algorithm>
#include <ostream>
#include <set>

#include "common/units.h"

namespace egov::orchestrator {
namespace {

using ReplicaKey = std::pair<std::string, int>;  // workload, replica

std::string Join(const std::vector<FieldChange>& changes) {
  std::string out;
  for (const auto& c : changes) {
    out += (out.empty() ? "" : ", ") + c.field + " " + c.from + " -> " + c.to;
  }
  return out;
}

// What differs in a managed domain that is where it belongs; empty when nothing does.
// `changes`: the fields the plan's replace changes, when known.
std::string Modification(const ObservedDomain& d, const PlacementWorkload& w,
                         const std::vector<FieldChange>* changes) {
  const DomainMetadata& m = *d.metadata;
  if (m.spec_hash != w.spec_hash) {
    return "defined from an older spec (" + m.spec_hash + ", now " + w.spec_hash + ")" +
           (changes && !changes->empty() ? ": " + Join(*changes) : "");
  }
  if (!SizeChanges(d, w.resources).empty()) {
    return "resized outside egovctl: " + std::to_string(d.vcpus) + " vCPUs, " +
           FormatSize(d.memory_bytes) + " (spec: " + std::to_string(w.resources.vcpus) +
           " vCPUs, " + FormatSize(w.resources.memory) + ")";
  }
  if (d.state != RunState::kRunning) return std::string("domain is ") + StateName(d.state);
  return {};
}

// The drift of one reachable host's domains; `found` collects the replicas seen so far.
void HostDrift(const ObservedHost& h, const std::map<std::string, PlacementWorkload>& desired,
               const PlanView& plan, std::set<ReplicaKey>& found, std::vector<Drift>& out) {
  const std::string& host = h.ref.host->name;
  for (const auto& d : h.domains) {
    if (!d.metadata) {
      out.push_back({"unmanaged", host, d.name, "", "not managed by egovctl (left alone)"});
      continue;
    }
    const DomainMetadata& m = *d.metadata;
    auto it = desired.find(m.workload);
    if (it == desired.end()) {
      out.push_back({"extra", host, d.name, m.workload, "workload not declared in the inputs"});
    } else if (m.replica >= it->second.replicas) {
      out.push_back({"extra", host, d.name, m.workload, "replica beyond the desired count"});
    } else if (!found.emplace(m.workload, m.replica).second) {
      out.push_back({"extra", host, d.name, m.workload, "duplicate of another replica"});
    } else if (auto mis = plan.misplaced.find({host, d.name}); mis != plan.misplaced.end()) {
      out.push_back({"misplaced", host, d.name, m.workload, mis->second});
    } else if (std::string what = Modification(d, it->second,
                                               [&]() -> const std::vector<FieldChange>* {
                                                 auto c = plan.changes.find({host, d.name});
                                                 return c == plan.changes.end() ? nullptr
                                                                                : &c->second;
                                               }());
               !what.empty()) {
      out.push_back({"modified", host, d.name, m.workload, std::move(what)});
    }
  }
}

}  // namespace

PlanView ViewOfPlan(const Plan& plan) {
  PlanView v;
  std::map<std::pair<std::string, int>, std::string> created;  // moved replica -> new host
  for (const auto& a : plan.actions) {
    if (a.kind == ActionKind::kCreate) created[{a.workload, a.replica}] = a.host;
    if (a.kind == ActionKind::kReplace) v.changes[{a.host, a.domain}] = a.changes;
  }
  for (const auto& a : plan.actions) {
    if (a.kind != ActionKind::kDelete) continue;
    auto to = created.find({a.workload, a.replica});
    if (to == created.end()) continue;  // removed, excess or duplicate: not a move
    v.misplaced[{a.host, a.domain}] =
        "must move (" + a.reason + "); the plan moves it to " + to->second + ", new copy first";
  }
  for (const auto& u : plan.unplaced) {
    const std::string domain = DomainName(u.workload, u.replica);
    v.unplaced[domain] = u.summary;
    if (!u.host.empty()) {
      v.misplaced[{u.host, domain}] =
          "must move (" + u.must_move + "), but no host qualifies: " + u.summary;
    }
  }
  return v;
}

std::vector<Drift> DetectDrift(const std::vector<PlacementWorkload>& workloads,
                               const std::vector<ObservedHost>& hosts,
                               const std::map<std::string, std::vector<KnownDomain>>& known,
                               const PlanView& plan) {
  std::map<std::string, PlacementWorkload> desired;
  for (const auto& w : workloads) desired.emplace(w.name, w);
  std::vector<Drift> out;
  std::set<ReplicaKey> found, unknown;
  for (const auto& h : hosts) {
    if (h.reachable) {
      HostDrift(h, desired, plan, found, out);
      continue;
    }
    const std::string& host = h.ref.host->name;
    std::string detail = "host unreachable: " + h.error;
    auto it = known.find(host);
    if (it != known.end() && !it->second.empty()) {
      detail +=
          "; " + std::to_string(it->second.size()) + " managed domain(s) were last seen there";
      for (const auto& k : it->second) unknown.emplace(k.workload, k.replica);
    }
    out.push_back({"unknown", host, "", "", detail});
  }
  for (const auto& [name, w] : desired) {
    for (int r = 0; r < w.replicas; ++r) {
      if (found.count({name, r}) || unknown.count({name, r})) continue;
      const std::string domain = DomainName(name, r);
      auto why = plan.unplaced.find(domain);
      out.push_back({"missing", "", domain, name,
                     why == plan.unplaced.end()
                         ? "no domain on any host"
                         : "no domain on any host; cannot be placed: " + why->second});
    }
  }
  return out;
}

nlohmann::json DriftToJson(const std::vector<Drift>& drift) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& d : drift) {
    items.push_back({{"class", d.kind},
                     {"host", d.host},
                     {"domain", d.domain},
                     {"workload", d.workload},
                     {"detail", d.detail}});
  }
  return {{"drift", items}, {"count", drift.size()}};
}

void PrintDrift(const std::vector<Drift>& drift, std::ostream& out) {
  if (drift.empty()) {
    out << "No drift: every host matches the desired state.\n";
    return;
  }
  std::map<std::string, size_t> counts;
  for (const auto& d : drift) {
    ++counts[d.kind];
    out << "  " << d.kind << std::string(10 - std::min<size_t>(9, d.kind.size()), ' ')
        << (d.domain.empty() ? "-" : d.domain) << (d.host.empty() ? "" : " on " + d.host) << ": "
        << d.detail << "\n";
  }
  out << "\nDrift:";
  for (const auto& [k, n] : counts) out << " " << n << " " << k << ";";
  out << " run 'egovctl plan' to see the repair.\n";
}

}  // namespace egov::orchestrator
