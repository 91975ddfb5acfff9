#include "orchestrator/placement.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace egov::orchestrator {
namespace {

constexpr uint32_t Bit(Reason r) { return 1u << static_cast<unsigned>(r); }

uint64_t Mix(uint64_t x) {  // SplitMix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Hash(std::string_view s) {  // FNV-1a
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::vector<Reason> ReasonsOf(uint32_t mask) {
  std::vector<Reason> out;
  for (unsigned i = 0; i < kReasonCount; ++i) {
    if (mask & (1u << i)) out.push_back(static_cast<Reason>(i));
  }
  return out;
}

// What each host already carries while a plan is being built.
struct Ledger {
  struct Use {
    double vcpus = 0;
    uint64_t memory = 0;
    uint64_t disk = 0;
  };
  static constexpr int kNobody = -1;
  static constexpr int kSeveral = -2;  // several systems, or one egovctl does not manage

  explicit Ledger(const std::vector<PlacementHost>& hosts)
      : use(hosts.size()), sole(hosts.size(), kNobody), physical(hosts.size(), kNobody) {
    for (size_t h = 0; h < hosts.size(); ++h) {
      use[h] = {static_cast<double>(hosts[h].unmanaged.vcpus), hosts[h].unmanaged.memory,
                hosts[h].unmanaged.disk};
      if (hosts[h].runs_unmanaged) sole[h] = kSeveral;
    }
  }

  // `workload` is an index, or kSeveral for a domain of a workload no longer declared.
  void Add(size_t h, const Resources& r, int workload, bool physically_separated) {
    use[h].vcpus += static_cast<double>(r.vcpus);
    use[h].memory += r.memory;
    use[h].disk += r.disk;
    if (sole[h] == kNobody) {
      sole[h] = workload;
    } else if (sole[h] != workload) {
      sole[h] = kSeveral;
    }
    if (physically_separated) physical[h] = workload;
  }

  std::vector<Use> use;
  std::vector<int> sole;      // the one workload on the host, kNobody or kSeveral
  std::vector<int> physical;  // the physically separated workload on the host, or kNobody
};

class Placer {
 public:
  Placer(const std::vector<PlacementHost>& hosts, const std::vector<PlacementWorkload>& workloads,
         const PlacementOptions& options)
      : hosts_(hosts), workloads_(workloads), options_(options), ledger_(hosts) {
    // Compliance per host and profile, as a table: the profiles workloads require.
    std::unordered_map<std::string, int> profiles;
    profile_of_.assign(workloads.size(), -1);
    for (size_t w = 0; w < workloads.size(); ++w) {
      if (!workloads[w].require_compliance) continue;
      profile_of_[w] =
          profiles.emplace(workloads[w].profile, static_cast<int>(profiles.size())).first->second;
    }
    compliance_.assign(hosts.size() * profiles.size(), Compliance::kUnknown);
    for (size_t h = 0; h < hosts.size(); ++h) {
      for (const auto& [name, c] : hosts[h].compliance) {
        if (auto it = profiles.find(name); it != profiles.end()) {
          compliance_[h * profiles.size() + static_cast<size_t>(it->second)] = c;
        }
      }
    }
    profile_count_ = profiles.size();
    // Hosts that look the same to the other static filters share one verdict per workload.
    std::unordered_map<std::string, uint32_t> classes;
    std::unordered_map<std::string, uint32_t> zones, providers;
    host_class_.resize(hosts.size());
    zone_.resize(hosts.size());
    provider_.resize(hosts.size());
    for (size_t h = 0; h < hosts.size(); ++h) {
      const PlacementHost& host = hosts[h];
      std::string key = host.provider + '\0' + host.residency + '\0' +
                        std::to_string(host.cert_level) + '\0' +
                        std::to_string(host.cert_expires.time_since_epoch().count()) + '\0' +
                        (host.reachable ? "1" : "0");
      for (const auto& [k, v] : host.labels) key += '\0' + k + '=' + v;
      auto [it, fresh] = classes.emplace(key, static_cast<uint32_t>(class_rep_.size()));
      if (fresh) class_rep_.push_back(h);
      host_class_[h] = it->second;
      zone_[h] = zones.emplace(host.provider + '\0' + host.zone, zones.size()).first->second;
      provider_[h] = providers.emplace(host.provider, providers.size()).first->second;
    }
    // A seeded order in which candidates are looked at.
    order_.resize(hosts.size());
    std::iota(order_.begin(), order_.end(), size_t{0});
    uint64_t state = Mix(options.seed);
    for (size_t i = order_.size(); i > 1; --i) {
      state = Mix(state);
      std::swap(order_[i - 1], order_[state % i]);
    }
    placed_.resize(workloads.size());
    for (size_t w = 0; w < workloads.size(); ++w) {
      placed_[w].assign(static_cast<size_t>(std::max(workloads[w].replicas, 0)), -1);
    }
    static_masks_.resize(workloads.size());
  }

  Ledger& ledger() { return ledger_; }
  std::vector<std::vector<int>>& placed() { return placed_; }

  uint32_t StaticMask(size_t w, size_t h) {
    auto& masks = static_masks_[w];
    if (masks.empty()) {
      masks.resize(class_rep_.size());
      for (size_t c = 0; c < class_rep_.size(); ++c) {
        masks[c] = ComputeStatic(workloads_[w], hosts_[class_rep_[c]]);
      }
    }
    uint32_t mask = masks[host_class_[h]];
    if (profile_of_[w] >= 0) {
      const Compliance c = compliance_[h * profile_count_ + static_cast<size_t>(profile_of_[w])];
      if (c == Compliance::kFail) mask |= Bit(Reason::kNotCompliant);
      if (c == Compliance::kUnknown && workloads_[w].unknown == UnknownCompliance::kDeny) {
        mask |= Bit(Reason::kComplianceUnknown);
      }
    }
    return mask;
  }

  // Filters that depend on what is already placed; `spread_with` gets the conflicting replicas.
  uint32_t DynamicMask(size_t w, int replica, size_t h, uint64_t* spread_with) const {
    const PlacementWorkload& wl = workloads_[w];
    const PlacementHost& host = hosts_[h];
    uint32_t mask = 0;
    const int self = static_cast<int>(w);
    if (wl.separation == Separation::kPhysical) {
      if (ledger_.sole[h] != Ledger::kNobody && ledger_.sole[h] != self) {
        mask |= Bit(Reason::kRunsOtherSystems);
      }
    } else if (ledger_.physical[h] != Ledger::kNobody && ledger_.physical[h] != self) {
      mask |= Bit(Reason::kDedicatedHost);
    }
    const Ledger::Use& use = ledger_.use[h];
    const double cpu_limit = static_cast<double>(host.capacity.vcpus) * host.overcommit.cpu;
    if (use.vcpus + static_cast<double>(wl.resources.vcpus) > cpu_limit + 1e-9) {
      mask |= Bit(Reason::kCpu);
    }
    if (static_cast<double>(use.memory + wl.resources.memory) > MemoryLimit(wl, host)) {
      mask |= Bit(Reason::kMemory);
    }
    if (use.disk + wl.resources.disk > host.capacity.disk) mask |= Bit(Reason::kDisk);
    if (wl.spread != Spread::kNone) {
      const Reason reason = wl.spread == Spread::kHost   ? Reason::kSameHost
                            : wl.spread == Spread::kZone ? Reason::kSameZone
                                                         : Reason::kSameProvider;
      const auto& mine = placed_[w];
      for (size_t r = 0; r < mine.size(); ++r) {
        const int other = mine[r];
        if (other < 0 || static_cast<int>(r) == replica) continue;
        const auto o = static_cast<size_t>(other);
        const bool clash = wl.spread == Spread::kHost   ? o == h
                           : wl.spread == Spread::kZone ? zone_[o] == zone_[h]
                                                        : provider_[o] == provider_[h];
        if (clash) {
          mask |= Bit(reason);
          if (spread_with && r < 64) *spread_with |= 1ULL << r;
        }
      }
    }
    return mask;
  }

  double Score(size_t w, int replica, size_t h) const {
    const PlacementWorkload& wl = workloads_[w];
    const PlacementHost& host = hosts_[h];
    const Ledger::Use& use = ledger_.use[h];
    const double cpu_limit =
        std::max(1e-9, static_cast<double>(host.capacity.vcpus) * host.overcommit.cpu);
    const double mem_limit = std::max(1.0, MemoryLimit(wl, host));
    const double cpu_used = (use.vcpus + static_cast<double>(wl.resources.vcpus)) / cpu_limit;
    const double mem_used = static_cast<double>(use.memory + wl.resources.memory) / mem_limit;
    const double used = (cpu_used + mem_used) / 2;
    const double base = options_.strategy == Strategy::kSpread ? 1 - used : used;
    // A tiny seeded tie-break keeps equal hosts from always going in inventory order.
    const uint64_t jitter = Mix(options_.seed ^ Hash(hosts_[h].name) ^
                                (Hash(wl.name) + static_cast<uint64_t>(replica)));
    return base * 100 + static_cast<double>(jitter % 1000) / 1e6;
  }

  // Best host for one replica, or -1 with every refusal counted in `a`.
  void Choose(size_t w, int replica, Assignment& a) {
    const size_t n = hosts_.size();
    const size_t start =
        n == 0 ? 0 : Mix(options_.seed ^ Hash(workloads_[w].name) ^ (uint64_t(replica) << 32)) % n;
    int best = -1;
    double best_score = 0;
    size_t feasible = 0;
    std::array<uint32_t, kReasonCount> refused{};
    std::array<uint64_t, 3> spread_with{};
    size_t evaluated = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t h = order_[(start + i) % n];
      ++evaluated;
      uint64_t with = 0;
      uint32_t mask = StaticMask(w, h);
      if (mask == 0) mask = DynamicMask(w, replica, h, &with);
      if (mask != 0) {
        const auto first = static_cast<size_t>(__builtin_ctz(mask));
        ++refused[first];
        if (first >= static_cast<size_t>(Reason::kSameHost)) {
          spread_with[first - static_cast<size_t>(Reason::kSameHost)] |= with;
        }
        continue;
      }
      const double score = Score(w, replica, h);
      if (best < 0 || score > best_score) {
        best = static_cast<int>(h);
        best_score = score;
      }
      if (++feasible == options_.candidates) break;
    }
    a.evaluated = evaluated;
    if (best >= 0) {
      a.host = best;
      a.score = best_score;
    } else {
      a.refused = refused;
      a.spread_with = spread_with;
    }
  }

 private:
  static double MemoryLimit(const PlacementWorkload& wl, const PlacementHost& host) {
    const double physical = static_cast<double>(host.capacity.memory);
    return wl.allow_memory_overcommit ? physical * std::max(1.0, host.overcommit.memory) : physical;
  }

  uint32_t ComputeStatic(const PlacementWorkload& w, const PlacementHost& h) const {
    uint32_t mask = 0;
    if (h.cert_expires < options_.today) mask |= Bit(Reason::kCertExpired);
    if (h.cert_level < w.level) mask |= Bit(Reason::kCertLevel);
    if (!w.residency.empty() && !Contains(w.residency, h.residency)) {
      mask |= Bit(Reason::kResidency);
    }
    if (!w.providers.empty() && !Contains(w.providers, h.provider)) {
      mask |= Bit(Reason::kProviderNotAllowed);
    }
    for (const auto& [k, v] : w.labels) {
      auto it = h.labels.find(k);
      if (it == h.labels.end() || it->second != v) mask |= Bit(Reason::kLabels);
    }
    if (!h.reachable) mask |= Bit(Reason::kHostUnreachable);
    return mask;  // compliance is per host, not per class: see StaticMask
  }

  const std::vector<PlacementHost>& hosts_;
  const std::vector<PlacementWorkload>& workloads_;
  const PlacementOptions& options_;
  Ledger ledger_;
  std::vector<uint32_t> host_class_;
  std::vector<size_t> class_rep_;
  std::vector<uint32_t> zone_, provider_;
  std::vector<size_t> order_;
  std::vector<std::vector<int>> placed_;             // host of each replica, per workload
  std::vector<std::vector<uint32_t>> static_masks_;  // per workload, per host class
  std::vector<int> profile_of_;         // per workload: index of its required profile, or -1
  std::vector<Compliance> compliance_;  // per host x profile
  size_t profile_count_ = 0;
};

// Higher levels first (their rules are strictest), then the largest, then by name.
std::vector<size_t> WorkloadOrder(const std::vector<PlacementWorkload>& workloads) {
  std::vector<size_t> order(workloads.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = workloads[a];
    const auto& y = workloads[b];
    if (x.level != y.level) return x.level > y.level;
    const auto sx = x.resources.memory * static_cast<uint64_t>(x.replicas);
    const auto sy = y.resources.memory * static_cast<uint64_t>(y.replicas);
    if (sx != sy) return sx > sy;
    return x.name < y.name;
  });
  return order;
}

// Everything the filters and scores read of a workload, except its name.
std::string Signature(const PlacementWorkload& w) {
  std::string s = std::to_string(w.level) + '|' + std::to_string(int(w.spread)) + '|' +
                  std::to_string(int(w.separation)) + '|' + std::to_string(w.resources.vcpus) +
                  '|' + std::to_string(w.resources.memory) + '|' +
                  std::to_string(w.resources.disk) + '|' + (w.require_compliance ? w.profile : "") +
                  '|' + std::to_string(int(w.unknown)) + '|' +
                  (w.allow_memory_overcommit ? "1" : "0");
  for (const auto& p : w.providers) s += "|p:" + p;
  for (const auto& c : w.residency) s += "|r:" + c;
  for (const auto& [k, v] : w.labels) s += "|l:" + k + '=' + v;
  return s;
}

std::string ReplicaList(uint64_t bits) {
  std::string out;
  int count = 0;
  for (int i = 0; i < 64; ++i) {
    if (!(bits & (1ULL << i))) continue;
    out += (count++ ? ", " : " ") + std::to_string(i);
  }
  return count == 0 ? "another replica" : (count == 1 ? "replica" : "replicas") + out;
}

}  // namespace

const char* ReasonCode(Reason reason) {
  static constexpr const char* kCodes[kReasonCount] = {
      "CERT_EXPIRED",       "CERT_LEVEL_TOO_LOW", "RESIDENCY_MISMATCH", "PROVIDER_NOT_ALLOWED",
      "LABELS_MISMATCH",    "HOST_UNREACHABLE",   "NOT_COMPLIANT",      "COMPLIANCE_UNKNOWN",
      "RUNS_OTHER_SYSTEMS", "DEDICATED_HOST",     "CPU_EXHAUSTED",      "MEM_EXHAUSTED",
      "DISK_EXHAUSTED",     "HOST_ANTI_AFFINITY", "ZONE_ANTI_AFFINITY", "PROVIDER_ANTI_AFFINITY"};
  return kCodes[static_cast<size_t>(reason)];
}

std::string DescribeReason(Reason reason, const PlacementWorkload& w, uint64_t spread_with) {
  switch (reason) {
    case Reason::kCertExpired:
      return "certification expired";
    case Reason::kCertLevel:
      return "certification below level " + std::to_string(w.level);
    case Reason::kResidency: {
      std::string list;
      for (const auto& c : w.residency) list += (list.empty() ? "" : ", ") + c;
      return "data residency outside " + list;
    }
    case Reason::kProviderNotAllowed:
      return "provider not allowed by the workload";
    case Reason::kLabels: {
      std::string list;
      for (const auto& [k, v] : w.labels) list += (list.empty() ? "" : ", ") + k + "=" + v;
      return "missing labels " + list;
    }
    case Reason::kHostUnreachable:
      return "host unreachable";
    case Reason::kNotCompliant:
      return "not compliant with " + w.profile;
    case Reason::kComplianceUnknown:
      return "compliance with " + w.profile + " unknown";
    case Reason::kRunsOtherSystems:
      return "runs other systems (level " + std::to_string(w.level) + " needs dedicated hosts)";
    case Reason::kDedicatedHost:
      return "dedicated to a physically separated system";
    case Reason::kCpu:
      return "insufficient vCPUs";
    case Reason::kMemory:
      return "insufficient memory";
    case Reason::kDisk:
      return "insufficient disk";
    case Reason::kSameHost:
      return "same host as " + ReplicaList(spread_with);
    case Reason::kSameZone:
      return "same zone as " + ReplicaList(spread_with);
    case Reason::kSameProvider:
      return "same provider as " + ReplicaList(spread_with);
  }
  return "unknown";
}

std::string SummarizeRefusals(const Assignment& a, const PlacementWorkload& w, size_t hosts) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < kReasonCount; ++i) {
    if (a.refused[i]) idx.push_back(i);
  }
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t x, size_t y) { return a.refused[x] > a.refused[y]; });
  std::string out = "0/" + std::to_string(hosts) + " hosts";
  if (hosts == 0) return out + ": no hosts in the inventory";
  for (size_t k = 0; k < idx.size(); ++k) {
    const size_t i = idx[k];
    const uint64_t with = i >= static_cast<size_t>(Reason::kSameHost)
                              ? a.spread_with[i - static_cast<size_t>(Reason::kSameHost)]
                              : 0;
    out += (k == 0 ? ": " : ", ") + std::to_string(a.refused[i]) + " " +
           DescribeReason(static_cast<Reason>(i), w, with);
  }
  return out;
}

PlacementResult Place(const std::vector<PlacementHost>& hosts,
                      const std::vector<PlacementWorkload>& workloads,
                      const std::vector<ExistingReplica>& existing,
                      const PlacementOptions& options) {
  PlacementResult result;
  result.seed = options.seed;
  result.strategy = options.strategy;
  Placer placer(hosts, workloads, options);
  std::unordered_map<std::string, size_t> host_index, workload_index;
  for (size_t h = 0; h < hosts.size(); ++h) host_index.emplace(hosts[h].name, h);
  for (size_t w = 0; w < workloads.size(); ++w) workload_index.emplace(workloads[w].name, w);

  // Sort existing replicas so that the outcome does not depend on listing order; a replica
  // already running the desired spec wins over a duplicate that does not.
  std::vector<size_t> order(existing.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = existing[a];
    const auto& y = existing[b];
    if (x.workload != y.workload) return x.workload < y.workload;
    if (x.replica != y.replica) return x.replica < y.replica;
    auto current = [&](const ExistingReplica& e) {
      auto it = workload_index.find(e.workload);
      return it != workload_index.end() && workloads[it->second].spec_hash == e.spec_hash;
    };
    if (current(x) != current(y)) return current(x);
    return x.host < y.host;
  });

  // Candidates to stay, and the rest, which are still on their hosts until apply deletes them.
  std::vector<std::vector<int>> kept(workloads.size());
  for (size_t w = 0; w < workloads.size(); ++w) {
    kept[w].assign(static_cast<size_t>(std::max(workloads[w].replicas, 0)), -1);
  }
  std::vector<size_t> candidates;
  auto evict = [&](size_t e, std::string why, std::vector<Reason> reasons = {}) {
    auto h = host_index.find(existing[e].host);
    if (h != host_index.end()) {
      auto w = workload_index.find(existing[e].workload);
      const int wi = w == workload_index.end() ? Ledger::kSeveral : static_cast<int>(w->second);
      const bool physical =
          w != workload_index.end() && workloads[w->second].separation == Separation::kPhysical;
      placer.ledger().Add(h->second, existing[e].resources, wi, physical);
    }
    result.evictions.push_back({e, std::move(why), std::move(reasons)});
  };
  for (size_t e : order) {
    const ExistingReplica& ex = existing[e];
    auto w = workload_index.find(ex.workload);
    if (w == workload_index.end()) {
      if (!ex.unknown) evict(e, "workload removed");
      continue;
    }
    if (ex.replica >= workloads[w->second].replicas) {
      if (!ex.unknown) evict(e, "excess replica");
      continue;
    }
    if (!host_index.count(ex.host)) continue;  // host no longer in the inventory: not ours to read
    int& slot = kept[w->second][static_cast<size_t>(ex.replica)];
    if (slot >= 0) {
      if (!ex.unknown) evict(e, "duplicate of replica " + std::to_string(ex.replica));
      continue;
    }
    slot = static_cast<int>(e);
    candidates.push_back(e);
  }

  // Existing replicas stay while every filter still accepts them; higher levels are checked
  // first so that a lower-level system, not the sensitive one, moves off a shared host.
  std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
    return workloads[workload_index[existing[a].workload]].level >
           workloads[workload_index[existing[b].workload]].level;
  });
  std::vector<std::vector<int>> stays(workloads.size());
  for (size_t w = 0; w < workloads.size(); ++w) stays[w] = kept[w];
  for (size_t e : candidates) {
    const ExistingReplica& ex = existing[e];
    const size_t w = workload_index[ex.workload];
    const size_t h = host_index[ex.host];
    uint32_t mask = 0;
    if (!ex.unknown) mask = placer.StaticMask(w, h) | placer.DynamicMask(w, ex.replica, h, nullptr);
    const auto r = static_cast<size_t>(ex.replica);
    if (mask != 0) {
      stays[w][r] = -1;
      std::string why;
      for (Reason reason : ReasonsOf(mask)) {
        why += (why.empty() ? "" : ", ") + DescribeReason(reason, workloads[w]);
      }
      evict(e, why, ReasonsOf(mask));
      continue;
    }
    placer.placed()[w][r] = static_cast<int>(h);
    placer.ledger().Add(h, workloads[w].resources, static_cast<int>(w),
                        workloads[w].separation == Separation::kPhysical);
  }

  // New placements, workload by workload. A refusal found by scanning every host is reused
  // while nothing has been placed since, for the next replica of the same workload or for a
  // workload that asks for exactly the same and has no domain anywhere yet: the filters would
  // refuse every host the same way.
  std::vector<bool> present(workloads.size(), false);  // has a domain or replica somewhere
  for (const ExistingReplica& e : existing) {
    if (auto it = workload_index.find(e.workload); it != workload_index.end()) {
      present[it->second] = true;
    }
  }
  struct Refusal {
    Assignment a;
    uint64_t version;
  };
  std::unordered_map<std::string, Refusal> refusals;
  uint64_t version = 0;  // placements so far
  std::vector<std::vector<Assignment>> by_workload(workloads.size());
  for (size_t w : WorkloadOrder(workloads)) {
    std::string signature;
    for (int r = 0; r < workloads[w].replicas; ++r) {
      Assignment a;
      a.workload = w;
      a.replica = r;
      const int e = stays[w][static_cast<size_t>(r)];
      if (e >= 0) {
        a.existing = e;
        a.host = placer.placed()[w][static_cast<size_t>(r)];
        by_workload[w].push_back(a);
        continue;
      }
      if (!present[w] && signature.empty()) signature = Signature(workloads[w]);
      if (!present[w]) {
        auto it = refusals.find(signature);
        if (it != refusals.end() && it->second.version == version) {
          a.refused = it->second.a.refused;
          a.evaluated = it->second.a.evaluated;
          ++result.unplaced;
          by_workload[w].push_back(a);
          continue;
        }
      }
      placer.Choose(w, r, a);
      if (a.host >= 0) {
        placer.placed()[w][static_cast<size_t>(r)] = a.host;
        placer.ledger().Add(static_cast<size_t>(a.host), workloads[w].resources,
                            static_cast<int>(w), workloads[w].separation == Separation::kPhysical);
        present[w] = true;
        ++version;
      } else {
        ++result.unplaced;
        if (!present[w]) refusals[signature] = {a, version};
      }
      by_workload[w].push_back(a);
    }
  }
  for (auto& list : by_workload) {
    for (auto& a : list) result.assignments.push_back(std::move(a));
  }
  std::sort(result.evictions.begin(), result.evictions.end(),
            [](const Eviction& a, const Eviction& b) { return a.existing < b.existing; });
  return result;
}

std::vector<HostExplanation> ExplainHost(const std::vector<PlacementHost>& hosts,
                                         const std::vector<PlacementWorkload>& workloads,
                                         const std::vector<ExistingReplica>& existing,
                                         const PlacementOptions& options,
                                         const PlacementResult& result, size_t workload,
                                         size_t host) {
  // Rebuild the final state of every host, then ask the filters about this one.
  Placer placer(hosts, workloads, options);
  std::unordered_map<std::string, size_t> host_index, workload_index;
  for (size_t h = 0; h < hosts.size(); ++h) host_index.emplace(hosts[h].name, h);
  for (size_t w = 0; w < workloads.size(); ++w) workload_index.emplace(workloads[w].name, w);
  for (const Eviction& ev : result.evictions) {
    const ExistingReplica& ex = existing[ev.existing];
    auto h = host_index.find(ex.host);
    if (h == host_index.end()) continue;
    auto w = workload_index.find(ex.workload);
    const int wi = w == workload_index.end() ? Ledger::kSeveral : static_cast<int>(w->second);
    placer.ledger().Add(
        h->second, ex.resources, wi,
        w != workload_index.end() && workloads[w->second].separation == Separation::kPhysical);
  }
  for (const Assignment& a : result.assignments) {
    if (a.host < 0) continue;
    placer.placed()[a.workload][static_cast<size_t>(a.replica)] = a.host;
    placer.ledger().Add(static_cast<size_t>(a.host), workloads[a.workload].resources,
                        static_cast<int>(a.workload),
                        workloads[a.workload].separation == Separation::kPhysical);
  }
  std::vector<HostExplanation> out;
  for (const Assignment& a : result.assignments) {
    if (a.workload != workload) continue;
    HostExplanation e;
    e.replica = a.replica;
    if (a.host == static_cast<int>(host)) {
      e.placed_here = true;
      e.eligible = true;
      e.score = a.score;
      out.push_back(std::move(e));
      continue;
    }
    // Take the replica out of the picture, so the host is judged as if the replica were free.
    auto& mine = placer.placed()[workload];
    const int saved = mine[static_cast<size_t>(a.replica)];
    mine[static_cast<size_t>(a.replica)] = -1;
    uint64_t with = 0;
    const uint32_t mask =
        placer.StaticMask(workload, host) | placer.DynamicMask(workload, a.replica, host, &with);
    mine[static_cast<size_t>(a.replica)] = saved;
    e.eligible = mask == 0;
    e.reasons = ReasonsOf(mask);
    for (Reason r : e.reasons) e.texts.push_back(DescribeReason(r, workloads[workload], with));
    if (e.eligible) e.score = placer.Score(workload, a.replica, host);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace egov::orchestrator
