#include "orchestrator/feasibility.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace egov::orchestrator {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The checkers on a host's own facts, in the order of the reasons.

ReasonMask CheckCertification(const PlacementWorkload& w, const PlacementHost& h, Date today) {
  ReasonMask mask = 0;
  if (h.cert_expires < today) mask |= Bit(Reason::kCertExpired);
  if (h.cert_level < w.level) mask |= Bit(Reason::kCertLevel);
  return mask;
}

ReasonMask CheckResidency(const PlacementWorkload& w, const PlacementHost& h) {
  return !w.residency.empty() && !Contains(w.residency, h.residency) ? Bit(Reason::kResidency) : 0;
}

ReasonMask CheckProvider(const PlacementWorkload& w, const PlacementHost& h) {
  return !w.providers.empty() && !Contains(w.providers, h.provider)
             ? Bit(Reason::kProviderNotAllowed)
             : 0;
}

ReasonMask CheckLabels(const PlacementWorkload& w, const PlacementHost& h) {
  for (const auto& [k, v] : w.labels) {
    auto it = h.labels.find(k);
    if (it == h.labels.end() || it->second != v) return Bit(Reason::kLabels);
  }
  return 0;
}

// A failed host is unreachable by declaration: counted as failed only.
ReasonMask CheckHostState(const PlacementHost& h) {
  if (h.state == HostState::kFailed) return Bit(Reason::kHostFailed);
  if (!h.reachable) return Bit(Reason::kHostUnreachable);
  return h.state == HostState::kMaintenance ? Bit(Reason::kHostMaintenance) : 0;
}

// Compliance is per host, not per class of hosts.
ReasonMask CheckCompliance(const PlacementWorkload& w, Compliance c) {
  if (c == Compliance::kFail) return Bit(Reason::kNotCompliant);
  if (c == Compliance::kUnknown && w.unknown == UnknownCompliance::kDeny) {
    return Bit(Reason::kComplianceUnknown);
  }
  return 0;
}

// The checkers on what the plan has placed so far.

ReasonMask CheckSeparation(const PlacementWorkload& w, int self, const Ledger& ledger, size_t h) {
  if (w.separation == Separation::kPhysical) {
    const int sole = ledger.sole[h];
    return sole != Ledger::kNobody && sole != self ? Bit(Reason::kRunsOtherSystems) : 0;
  }
  const int physical = ledger.physical[h];
  return physical != Ledger::kNobody && physical != self ? Bit(Reason::kDedicatedHost) : 0;
}

ReasonMask CheckCapacity(const PlacementWorkload& w, const PlacementHost& host,
                         const Ledger::Use& use) {
  ReasonMask mask = 0;
  const double cpu_limit = static_cast<double>(host.capacity.vcpus) * host.overcommit.cpu;
  if (use.vcpus + static_cast<double>(w.resources.vcpus) > cpu_limit + 1e-9) {
    mask |= Bit(Reason::kCpu);
  }
  if (static_cast<double>(use.memory + w.resources.memory) > MemoryLimit(w, host)) {
    mask |= Bit(Reason::kMemory);
  }
  if (static_cast<double>(use.disk + w.resources.disk) > DiskLimit(w, host)) {
    mask |= Bit(Reason::kDisk);
  }
  return mask;
}

Reason SpreadReason(Spread spread) {
  return spread == Spread::kHost   ? Reason::kSameHost
         : spread == Spread::kZone ? Reason::kSameZone
                                   : Reason::kSameProvider;
}

}  // namespace

std::vector<Reason> ReasonsOf(ReasonMask mask) {
  std::vector<Reason> out;
  for (unsigned i = 0; i < kReasonCount; ++i) {
    if (mask & (1u << i)) out.push_back(static_cast<Reason>(i));
  }
  return out;
}

Ledger::Ledger(const std::vector<PlacementHost>& hosts)
    : use(hosts.size()), sole(hosts.size(), kNobody), physical(hosts.size(), kNobody) {
  for (size_t h = 0; h < hosts.size(); ++h) {
    use[h] = {static_cast<double>(hosts[h].unmanaged.vcpus), hosts[h].unmanaged.memory,
              hosts[h].unmanaged.disk};
    if (hosts[h].runs_unmanaged) sole[h] = kSeveral;
  }
  on.resize(hosts.size());
  other.resize(hosts.size());
  for (size_t h = 0; h < hosts.size(); ++h) other[h] = hosts[h].runs_unmanaged;
}

void Ledger::Add(size_t h, const Resources& r, int workload, bool physically_separated,
                 int replica) {
  use[h].vcpus += static_cast<double>(r.vcpus);
  use[h].memory += r.memory;
  use[h].disk += r.disk;
  if (sole[h] == kNobody) {
    sole[h] = workload;
  } else if (sole[h] != workload) {
    sole[h] = kSeveral;
  }
  if (physically_separated) physical[h] = workload;
  on[h].push_back({workload, replica});
}

void Ledger::Remove(size_t h, const Resources& r, int workload, int replica) {
  use[h].vcpus -= static_cast<double>(r.vcpus);
  use[h].memory -= r.memory;
  use[h].disk -= r.disk;
  auto& list = on[h];
  auto it = std::find_if(list.begin(), list.end(), [&](const Occupant& o) {
    return o.workload == workload && o.replica == replica;
  });
  if (it != list.end()) list.erase(it);
  sole[h] = other[h] ? kSeveral : kNobody;
  for (const Occupant& o : list) {
    sole[h] = sole[h] == kNobody || sole[h] == o.workload ? o.workload : kSeveral;
  }
}

Feasibility::Feasibility(const std::vector<PlacementHost>& hosts,
                         const std::vector<PlacementWorkload>& workloads,
                         const PlacementOptions& options)
    : hosts_(hosts), workloads_(workloads), options_(options), ledger_(hosts) {
  TabulateCompliance();
  ClassifyHosts();
  placed_.resize(workloads.size());
  for (size_t w = 0; w < workloads.size(); ++w) {
    placed_[w].assign(static_cast<size_t>(std::max(workloads[w].replicas, 0)), -1);
  }
  static_masks_.resize(workloads.size());
}

// Compliance per host and profile, as a table of the profiles workloads require.
void Feasibility::TabulateCompliance() {
  std::unordered_map<std::string, int> profiles;
  profile_of_.assign(workloads_.size(), -1);
  for (size_t w = 0; w < workloads_.size(); ++w) {
    if (!workloads_[w].require_compliance) continue;
    profile_of_[w] =
        profiles.emplace(workloads_[w].profile, static_cast<int>(profiles.size())).first->second;
  }
  profile_count_ = profiles.size();
  compliance_.assign(hosts_.size() * profile_count_, Compliance::kUnknown);
  for (size_t h = 0; h < hosts_.size(); ++h) {
    for (const auto& [name, c] : hosts_[h].compliance) {
      if (auto it = profiles.find(name); it != profiles.end()) {
        compliance_[h * profile_count_ + static_cast<size_t>(it->second)] = c;
      }
    }
  }
}

// Hosts that look the same to the static filters share one verdict per workload; zones and
// providers get numbers for the spread checks.
void Feasibility::ClassifyHosts() {
  std::unordered_map<std::string, uint32_t> classes, zones, providers;
  host_class_.resize(hosts_.size());
  zone_.resize(hosts_.size());
  provider_.resize(hosts_.size());
  for (size_t h = 0; h < hosts_.size(); ++h) {
    const PlacementHost& host = hosts_[h];
    std::string key = host.provider + '\0' + host.residency + '\0' +
                      std::to_string(host.cert_level) + '\0' +
                      std::to_string(host.cert_expires.time_since_epoch().count()) + '\0' +
                      (host.reachable ? "1" : "0") + static_cast<char>('0' + int(host.state));
    for (const auto& [k, v] : host.labels) key += '\0' + k + '=' + v;
    auto [it, fresh] = classes.emplace(key, static_cast<uint32_t>(class_rep_.size()));
    if (fresh) class_rep_.push_back(h);
    host_class_[h] = it->second;
    zone_[h] = zones.emplace(host.provider + '\0' + host.zone, zones.size()).first->second;
    provider_[h] = providers.emplace(host.provider, providers.size()).first->second;
  }
}

ReasonMask Feasibility::StaticMask(size_t w, size_t h) {
  auto& masks = static_masks_[w];
  if (masks.empty()) {
    const PlacementWorkload& wl = workloads_[w];
    masks.resize(class_rep_.size());
    for (size_t c = 0; c < class_rep_.size(); ++c) {
      const PlacementHost& host = hosts_[class_rep_[c]];
      masks[c] = CheckCertification(wl, host, options_.today) | CheckResidency(wl, host) |
                 CheckProvider(wl, host) | CheckLabels(wl, host) | CheckHostState(host);
    }
  }
  ReasonMask mask = masks[host_class_[h]];
  if (profile_of_[w] >= 0) {
    mask |= CheckCompliance(workloads_[w],
                            compliance_[h * profile_count_ + static_cast<size_t>(profile_of_[w])]);
  }
  return mask;
}

ReasonMask Feasibility::DynamicMask(size_t w, int replica, size_t h) const {
  const PlacementWorkload& wl = workloads_[w];
  ReasonMask mask = CheckSeparation(wl, static_cast<int>(w), ledger_, h) |
                    CheckCapacity(wl, hosts_[h], ledger_.use[h]);
  if (wl.spread == Spread::kNone) return mask;
  const auto& mine = placed_[w];
  for (size_t r = 0; r < mine.size(); ++r) {
    if (mine[r] >= 0 && static_cast<int>(r) != replica &&
        Clash(wl.spread, static_cast<size_t>(mine[r]), h)) {
      return mask | Bit(SpreadReason(wl.spread));
    }
  }
  return mask;
}

void Feasibility::SpreadConflicts(size_t w, int replica, size_t h, std::vector<int>& out) const {
  const PlacementWorkload& wl = workloads_[w];
  if (wl.spread == Spread::kNone) return;
  const auto& mine = placed_[w];
  for (size_t r = 0; r < mine.size(); ++r) {
    if (mine[r] >= 0 && static_cast<int>(r) != replica &&
        Clash(wl.spread, static_cast<size_t>(mine[r]), h)) {
      out.push_back(static_cast<int>(r));
    }
  }
}

bool Feasibility::Clash(Spread spread, size_t a, size_t b) const {
  return spread == Spread::kHost   ? a == b
         : spread == Spread::kZone ? zone_[a] == zone_[b]
                                   : provider_[a] == provider_[b];
}

void Feasibility::Assign(size_t w, int replica, size_t h) {
  placed_[w][static_cast<size_t>(replica)] = static_cast<int>(h);
  ledger_.Add(h, workloads_[w].resources, static_cast<int>(w),
              workloads_[w].separation == Separation::kPhysical, replica);
}

void Feasibility::Unassign(size_t w, int replica, size_t h) {
  placed_[w][static_cast<size_t>(replica)] = -1;
  ledger_.Remove(h, workloads_[w].resources, static_cast<int>(w), replica);
}

void Feasibility::Occupy(size_t h, const Resources& r, int w) {
  const bool physical =
      w >= 0 && workloads_[static_cast<size_t>(w)].separation == Separation::kPhysical;
  ledger_.Add(h, r, w, physical);
}

}  // namespace egov::orchestrator
