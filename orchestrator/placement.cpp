#include "orchestrator/placement.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "orchestrator/feasibility.h"
#include "orchestrator/rank.h"

namespace egov::orchestrator {
namespace {

const std::vector<int> kNoReplicas;

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
                  (w.allow_memory_overcommit ? "1" : "0") + (w.allow_disk_overcommit ? "1" : "0");
  for (const auto& p : w.providers) s += "|p:" + p;
  for (const auto& c : w.residency) s += "|r:" + c;
  for (const auto& [k, v] : w.labels) s += "|l:" + k + '=' + v;
  return s;
}

std::string ReplicaList(const std::vector<int>& replicas) {
  if (replicas.empty()) return "another replica";
  std::string out = replicas.size() == 1 ? "replica" : "replicas";
  for (size_t i = 0; i < replicas.size(); ++i) {
    out += (i ? ", " : " ") + std::to_string(replicas[i]);
  }
  return out;
}

// Hosts and workloads by name.
struct Names {
  Names(const std::vector<PlacementHost>& hosts, const std::vector<PlacementWorkload>& workloads) {
    for (size_t h = 0; h < hosts.size(); ++h) host.emplace(hosts[h].name, h);
    for (size_t w = 0; w < workloads.size(); ++w) workload.emplace(workloads[w].name, w);
  }
  std::unordered_map<std::string, size_t> host, workload;
};

// One Place() call: existing replicas reconciled with the desired ones (the removed, excess and
// duplicate ones evicted), those that stay checked against every filter (the failing ones
// evicted), then every replica without a host placed.
class Placement {
 public:
  Placement(const std::vector<PlacementHost>& hosts,
            const std::vector<PlacementWorkload>& workloads,
            const std::vector<ExistingReplica>& existing, const PlacementOptions& options)
      : hosts_(hosts),
        workloads_(workloads),
        existing_(existing),
        names_(hosts, workloads),
        feasibility_(hosts, workloads, options),
        ranker_(hosts, workloads, options, feasibility_),
        stays_(workloads.size()),
        moving_(workloads.size()),
        no_room_(workloads.size()) {
    result_.seed = options.seed;
    result_.strategy = options.strategy;
    for (size_t w = 0; w < workloads.size(); ++w) {
      stays_[w].assign(static_cast<size_t>(std::max(workloads[w].replicas, 0)), -1);
      moving_[w].assign(stays_[w].size(), -1);
    }
  }

  PlacementResult Run() {
    KeepValid(Reconcile());
    PlaceNew();
    std::sort(result_.evictions.begin(), result_.evictions.end(),
              [](const Eviction& a, const Eviction& b) { return a.existing < b.existing; });
    return std::move(result_);
  }

 private:
  // Existing replicas sorted so that the outcome does not depend on listing order; a replica
  // already running the desired spec wins over a duplicate that does not.
  std::vector<size_t> ExistingOrder() {
    auto current = [&](const ExistingReplica& e) {
      auto it = names_.workload.find(e.workload);
      return it != names_.workload.end() && workloads_[it->second].spec_hash == e.spec_hash;
    };
    std::vector<size_t> order(existing_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const auto& x = existing_[a];
      const auto& y = existing_[b];
      if (x.workload != y.workload) return x.workload < y.workload;
      if (x.replica != y.replica) return x.replica < y.replica;
      if (current(x) != current(y)) return current(x);
      if (x.recorded != y.recorded) return x.recorded;
      return x.host < y.host;
    });
    return order;
  }

  // An existing replica stays on its host, taking room, until apply deletes it.
  void Occupy(size_t e) {
    const ExistingReplica& ex = existing_[e];
    if (auto h = names_.host.find(ex.host); h != names_.host.end()) {
      auto w = names_.workload.find(ex.workload);
      feasibility_.Occupy(
          h->second, ex.resources,
          w == names_.workload.end() ? Ledger::kSeveral : static_cast<int>(w->second));
    }
  }

  // An existing replica goes.
  void Evict(size_t e, std::string why, std::vector<Reason> reasons = {}) {
    Occupy(e);
    result_.evictions.push_back({e, std::move(why), std::move(reasons)});
  }

  static std::string Describe(const std::vector<Reason>& reasons, const PlacementWorkload& w) {
    std::string why;
    for (Reason reason : reasons) why += (why.empty() ? "" : ", ") + DescribeReason(reason, w);
    return why;
  }

  // The existing replicas that are still wanted, one per replica: the candidates to stay.
  // Replicas on unreachable hosts are unknown: never evicted.
  std::vector<size_t> Reconcile() {
    std::vector<size_t> candidates;
    for (size_t e : ExistingOrder()) {
      const ExistingReplica& ex = existing_[e];
      auto w = names_.workload.find(ex.workload);
      if (w == names_.workload.end()) {
        if (!ex.unknown) Evict(e, "workload removed");
      } else if (ex.replica >= workloads_[w->second].replicas) {
        if (!ex.unknown) Evict(e, "excess replica");
      } else if (!names_.host.count(ex.host)) {
        // its host is no longer in the inventory: not ours to read
      } else if (int& slot = stays_[w->second][static_cast<size_t>(ex.replica)]; slot >= 0) {
        if (!ex.unknown) Evict(e, "duplicate of replica " + std::to_string(ex.replica));
      } else {
        slot = static_cast<int>(e);
        candidates.push_back(e);
      }
    }
    return candidates;
  }

  // Candidates stay while every filter still accepts them; higher levels are checked first so
  // that a lower-level system, not the sensitive one, moves off a shared host. One refused
  // must move, but it stays, taking room, until a new copy is placed (PlaceNew).
  void KeepValid(std::vector<size_t> candidates) {
    auto level = [&](size_t e) { return workloads_[names_.workload[existing_[e].workload]].level; };
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](size_t a, size_t b) { return level(a) > level(b); });
    for (size_t e : candidates) {
      const ExistingReplica& ex = existing_[e];
      const size_t w = names_.workload[ex.workload];
      const size_t h = names_.host[ex.host];
      // An unknown replica stays, unless its host is declared failed: then it is evacuated.
      ReasonMask mask = hosts_[h].state == HostState::kFailed ? Bit(Reason::kHostFailed) : 0;
      if (!ex.unknown) {
        mask = feasibility_.StaticMask(w, h) | feasibility_.DynamicMask(w, ex.replica, h);
      }
      if (mask == 0) {
        feasibility_.Assign(w, ex.replica, h);
        movable_ += workloads_[w].separation != Separation::kPhysical;
        continue;
      }
      stays_[w][static_cast<size_t>(ex.replica)] = -1;
      moving_[w][static_cast<size_t>(ex.replica)] = static_cast<int>(e);
      must_move_.emplace(e, ReasonsOf(mask));
      Occupy(e);
    }
  }

  // Every replica without a host, workload by workload. A refusal found by scanning every host
  // is reused while nothing has been placed since, for the next replica of the same workload
  // or for a workload that asks for exactly the same and has no domain anywhere yet: the
  // filters would refuse every host the same way.
  void PlaceNew() {
    std::vector<bool> present(workloads_.size(), false);  // has a domain or replica somewhere
    for (const ExistingReplica& e : existing_) {
      if (auto it = names_.workload.find(e.workload); it != names_.workload.end()) {
        present[it->second] = true;
      }
    }
    std::vector<std::vector<Assignment>> by_workload(workloads_.size());
    for (size_t w : WorkloadOrder(workloads_)) {
      const std::string signature = present[w] ? "" : Signature(workloads_[w]);
      for (int r = 0; r < workloads_[w].replicas; ++r) {
        Assignment a;
        a.workload = w;
        a.replica = r;
        const int moving = moving_[w][static_cast<size_t>(r)];
        if (const int e = stays_[w][static_cast<size_t>(r)]; e >= 0) {
          a.existing = e;
          a.host = feasibility_.HostOf(w, r);
        } else if (auto pre = moved_.find({w, r}); pre != moved_.end()) {
          a = pre->second;  // moved earlier to make room, already counted on its new host
        } else if (!present[w] && Reuse(signature, a)) {
          ++result_.unplaced;
        } else {
          ranker_.Choose(w, r, a);
          if (a.host >= 0) {
            feasibility_.Assign(w, r, static_cast<size_t>(a.host));
            present[w] = true;
            ++placements_;
            if (moving >= 0) {
              const auto& why = must_move_[static_cast<size_t>(moving)];
              result_.evictions.push_back(
                  {static_cast<size_t>(moving), Describe(why, workloads_[w]), why});
            }
          } else {
            ++result_.unplaced;
            if (moving >= 0) {
              a.kept = moving;
              a.must_move = must_move_[static_cast<size_t>(moving)];
            }
            MakeRoom(w, r, a);
            if (!present[w] && a.room_on < 0) refusals_[signature] = {a, placements_};
          }
        }
        by_workload[w].push_back(std::move(a));
      }
    }
    for (auto& list : by_workload) {
      for (auto& a : list) result_.assignments.push_back(std::move(a));
    }
  }

  // Takes the refusal found for `signature` when nothing has been placed since.
  bool Reuse(const std::string& signature, Assignment& a) const {
    auto it = refusals_.find(signature);
    if (it == refusals_.end() || it->second.placements != placements_) return false;
    a.refused = it->second.a.refused;
    a.evaluated = it->second.a.evaluated;
    a.in_the_way = it->second.a.in_the_way;
    return true;
  }

  // A replica counted on host `h` that may move to make room for a workload of `level`: an
  // existing replica that stays, of a lower level, not itself physically separated.
  bool Movable(const Ledger::Occupant& o, int level) const {
    if (o.workload < 0 || o.replica < 0) return false;
    const PlacementWorkload& w = workloads_[static_cast<size_t>(o.workload)];
    return w.level < level && w.separation != Separation::kPhysical &&
           stays_[static_cast<size_t>(o.workload)][static_cast<size_t>(o.replica)] >= 0;
  }

  // Replica `r` of physically separated workload `w` found no host: looks for one that passes
  // every other filter and runs only lower-level replicas that can run elsewhere, and moves
  // them there (Nomad's preemption, by moving, never by stopping). Their old copies stay until
  // apply deletes them, after the new ones are up; the host is kept for `w`, which the next
  // plan places there. Records in `a` what stands in the way.
  void MakeRoom(size_t w, int r, Assignment& a) {
    const PlacementWorkload& wl = workloads_[w];
    // Only a host refused for running other systems can be made room on.
    if (wl.separation != Separation::kPhysical ||
        a.refused[static_cast<size_t>(Reason::kRunsOtherSystems)] == 0) {
      return;
    }
    if (no_room_[w]) {
      a.in_the_way = no_room_in_the_way_[w];
      return;
    }
    constexpr size_t kTries = 8, kNamed = 8;
    std::vector<size_t> candidates;  // hosts whose replicas could all move
    std::vector<Blocker> in_the_way;
    const Ledger& ledger = feasibility_.ledger();
    for (size_t h = 0; h < hosts_.size(); ++h) {
      // Enough named, and enough candidates or none possible: a national fleet stays fast.
      if (in_the_way.size() >= kNamed && (movable_ == 0 || candidates.size() >= 2 * kTries)) {
        break;
      }
      if (feasibility_.StaticMask(w, h) != 0) continue;
      if (!(feasibility_.DynamicMask(w, r, h) & Bit(Reason::kRunsOtherSystems))) continue;
      bool movable = !ledger.other[h] && ledger.physical[h] == Ledger::kNobody;
      for (const auto& o : ledger.on[h]) movable = movable && Movable(o, wl.level);
      if (movable) {
        candidates.push_back(h);
      } else if (in_the_way.size() < kNamed) {
        if (ledger.other[h]) in_the_way.push_back({h, -1, -1, -1});
        for (const auto& o : ledger.on[h]) {
          if (in_the_way.size() < kNamed) in_the_way.push_back({h, o.workload, o.replica, -1});
        }
      }
    }
    // The hosts with the fewest replicas to move first.
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](size_t x, size_t y) { return ledger.on[x].size() < ledger.on[y].size(); });
    for (size_t i = 0; i < candidates.size() && i < kTries; ++i) {
      if (MoveOff(w, r, candidates[i], a)) return;
      for (const auto& o : ledger.on[candidates[i]]) {
        if (in_the_way.size() < kNamed) {
          in_the_way.push_back({candidates[i], o.workload, o.replica, -1});
        }
      }
    }
    no_room_[w] = true;
    no_room_in_the_way_[w] = in_the_way;
    a.in_the_way = std::move(in_the_way);
  }

  // Moves every replica on host `h` elsewhere so that replica `r` of `w` may have it; undoes
  // everything and returns false when one of them has nowhere to go.
  bool MoveOff(size_t w, int r, size_t h, Assignment& a) {
    const std::vector<Ledger::Occupant> movers = feasibility_.ledger().on[h];
    for (const auto& o : movers) {
      feasibility_.Unassign(static_cast<size_t>(o.workload), o.replica, h);
    }
    std::vector<Assignment> moved;
    bool ok = feasibility_.DynamicMask(w, r, h) == 0;
    if (ok) {
      feasibility_.Reserve(h, static_cast<int>(w));  // the movers must not come back
      for (const auto& o : movers) {
        Assignment m;
        m.workload = static_cast<size_t>(o.workload);
        m.replica = o.replica;
        ranker_.Choose(m.workload, m.replica, m);
        if (m.host < 0) {
          ok = false;
          break;
        }
        feasibility_.Assign(m.workload, m.replica, static_cast<size_t>(m.host));
        moved.push_back(std::move(m));
      }
    }
    if (!ok) {
      for (const auto& m : moved) {
        feasibility_.Unassign(m.workload, m.replica, static_cast<size_t>(m.host));
      }
      feasibility_.Reserve(h, Ledger::kNobody);
      for (const auto& o : movers)
        feasibility_.Assign(static_cast<size_t>(o.workload), o.replica, h);
      return false;
    }
    const PlacementWorkload& wl = workloads_[w];
    for (auto& m : moved) {
      int& slot = stays_[m.workload][static_cast<size_t>(m.replica)];
      const auto e = static_cast<size_t>(slot);
      slot = -1;
      Occupy(e);  // until apply deletes it, after its new copy is up
      result_.evictions.push_back({e,
                                   "makes room for " + wl.name + ": level " +
                                       std::to_string(wl.level) + " needs a dedicated host",
                                   {}});
      a.in_the_way.push_back({h, static_cast<int>(m.workload), m.replica, m.host});
      moved_.emplace(std::make_pair(m.workload, m.replica), std::move(m));
    }
    a.room_on = static_cast<int>(h);
    ++placements_;
    return true;
  }

  struct Refusal {
    Assignment a;
    uint64_t placements;  // placements_ when it was found
  };

  const std::vector<PlacementHost>& hosts_;
  const std::vector<PlacementWorkload>& workloads_;
  const std::vector<ExistingReplica>& existing_;
  Names names_;
  Feasibility feasibility_;
  Ranker ranker_;
  std::vector<std::vector<int>> stays_;   // per workload and replica: the existing one, or -1
  std::vector<std::vector<int>> moving_;  // likewise, an existing one that must move
  std::map<size_t, std::vector<Reason>> must_move_;     // by existing replica: why
  std::map<std::pair<size_t, int>, Assignment> moved_;  // moved to make room, by replica
  std::vector<bool> no_room_;  // per workload: making room was tried and failed
  size_t movable_ = 0;         // existing replicas that stay and might move to make room
  std::map<size_t, std::vector<Blocker>> no_room_in_the_way_;
  std::unordered_map<std::string, Refusal> refusals_;
  uint64_t placements_ = 0;
  PlacementResult result_;
};

}  // namespace

const char* ReasonCode(Reason reason) {
  static constexpr const char* kCodes[kReasonCount] = {
      "CERT_EXPIRED",       "CERT_LEVEL_TOO_LOW",    "RESIDENCY_MISMATCH",  "PROVIDER_NOT_ALLOWED",
      "LABELS_MISMATCH",    "HOST_UNREACHABLE",      "HOST_IN_MAINTENANCE", "HOST_FAILED",
      "NOT_COMPLIANT",      "COMPLIANCE_UNKNOWN",    "RUNS_OTHER_SYSTEMS",  "DEDICATED_HOST",
      "CPU_EXHAUSTED",      "MEM_EXHAUSTED",         "DISK_EXHAUSTED",      "HOST_ANTI_AFFINITY",
      "ZONE_ANTI_AFFINITY", "PROVIDER_ANTI_AFFINITY"};
  return kCodes[static_cast<size_t>(reason)];
}

std::string DescribeReason(Reason reason, const PlacementWorkload& w,
                           const std::vector<int>& spread_with) {
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
    case Reason::kHostMaintenance:
      return "host in maintenance";
    case Reason::kHostFailed:
      return "host failed (fenced)";
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
    const auto reason = static_cast<Reason>(idx[k]);
    out += (k == 0 ? ": " : "; ") + std::to_string(a.refused[idx[k]]) + " " +
           DescribeReason(reason, w, reason >= Reason::kSameHost ? a.spread_with : kNoReplicas);
  }
  return out;
}

std::vector<std::string> WaysToMakeRoom(const Assignment& a, const PlacementWorkload& w,
                                        int placed) {
  auto refused = [&](Reason r) { return a.refused[static_cast<size_t>(r)] > 0; };
  std::vector<std::string> out;
  if (refused(Reason::kCertLevel)) {
    out.push_back("a provider certified for level " + std::to_string(w.level) + " or higher");
  }
  if (refused(Reason::kCertExpired)) out.push_back("a renewed certification");
  if (refused(Reason::kProviderNotAllowed)) {
    out.push_back("another provider in the workload's placement.providers");
  }
  if (refused(Reason::kNotCompliant)) out.push_back("hosts that pass " + w.profile);
  if (refused(Reason::kComplianceUnknown)) {
    out.push_back("results for " + w.profile + " (agents that answer, or --results)");
  }
  if (refused(Reason::kRunsOtherSystems) && a.room_on < 0) {
    out.push_back("room elsewhere for the domains in its way, or hosts running nothing else");
  }
  if (refused(Reason::kCpu) || refused(Reason::kMemory) || refused(Reason::kDisk)) {
    out.push_back("more capacity on the hosts that qualify");
  }
  if (refused(Reason::kSameZone)) out.push_back("hosts that qualify in another zone");
  if (refused(Reason::kSameProvider)) out.push_back("hosts that qualify at another provider");
  out.push_back("more hosts that qualify");
  if (placed > 0 && placed < w.replicas) {
    out.push_back("lower `replicas` to " + std::to_string(placed) +
                  " (if the level's policy allows it)");
  }
  return out;
}

PlacementResult Place(const std::vector<PlacementHost>& hosts,
                      const std::vector<PlacementWorkload>& workloads,
                      const std::vector<ExistingReplica>& existing,
                      const PlacementOptions& options) {
  return Placement(hosts, workloads, existing, options).Run();
}

std::vector<std::vector<HostExplanation>> ExplainHosts(
    const std::vector<PlacementHost>& hosts, const std::vector<PlacementWorkload>& workloads,
    const std::vector<ExistingReplica>& existing, const PlacementOptions& options,
    const PlacementResult& result, size_t workload) {
  // Rebuild the final state of every host, then ask the filters about each.
  Feasibility feasibility(hosts, workloads, options);
  const Ranker ranker(hosts, workloads, options, feasibility);
  const Names names(hosts, workloads);
  auto occupy = [&](const ExistingReplica& ex) {
    auto h = names.host.find(ex.host);
    if (h == names.host.end()) return;
    auto w = names.workload.find(ex.workload);
    feasibility.Occupy(h->second, ex.resources,
                       w == names.workload.end() ? Ledger::kSeveral : static_cast<int>(w->second));
  };
  for (const Eviction& ev : result.evictions) occupy(existing[ev.existing]);
  for (const Assignment& a : result.assignments) {
    if (a.host >= 0) feasibility.Assign(a.workload, a.replica, static_cast<size_t>(a.host));
    if (a.kept >= 0) occupy(existing[static_cast<size_t>(a.kept)]);
    if (a.room_on >= 0) {
      feasibility.Reserve(static_cast<size_t>(a.room_on), static_cast<int>(a.workload));
    }
  }
  std::vector<std::vector<HostExplanation>> out(hosts.size());
  for (size_t host = 0; host < hosts.size(); ++host) {
    for (const Assignment& a : result.assignments) {
      if (a.workload != workload) continue;
      HostExplanation e;
      e.replica = a.replica;
      if (a.host == static_cast<int>(host)) {
        e.placed_here = true;
        e.eligible = true;
        e.score = a.score;
        out[host].push_back(std::move(e));
        continue;
      }
      // The replica itself never conflicts: the host is judged as if the replica were free.
      const ReasonMask mask = feasibility.StaticMask(workload, host) |
                              feasibility.DynamicMask(workload, a.replica, host);
      std::vector<int> with;
      feasibility.SpreadConflicts(workload, a.replica, host, with);
      e.eligible = mask == 0;
      e.reasons = ReasonsOf(mask);
      for (Reason r : e.reasons) e.texts.push_back(DescribeReason(r, workloads[workload], with));
      if (e.eligible) e.score = ranker.Score(workload, a.replica, host);
      out[host].push_back(std::move(e));
    }
  }
  return out;
}

std::vector<HostExplanation> ExplainHost(const std::vector<PlacementHost>& hosts,
                                         const std::vector<PlacementWorkload>& workloads,
                                         const std::vector<ExistingReplica>& existing,
                                         const PlacementOptions& options,
                                         const PlacementResult& result, size_t workload,
                                         size_t host) {
  return ExplainHosts(hosts, workloads, existing, options, result, workload)[host];
}

}  // namespace egov::orchestrator
