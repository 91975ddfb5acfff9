#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "orchestrator/placement.h"

// The hard filters of placement, as Nomad's feasibility checkers: whether a host may take a
// replica, answered as the mask of the reasons it may not. The filters on a host's own facts
// are computed once per class of alike hosts; the others read the ledger of what the plan has
// placed so far.
namespace egov::orchestrator {

using ReasonMask = uint32_t;
constexpr ReasonMask Bit(Reason r) { return 1u << static_cast<unsigned>(r); }

/// The reasons in a mask, in evaluation order.
std::vector<Reason> ReasonsOf(ReasonMask mask);

/// Memory a host may give a workload: with the host's overcommit where the policy allows it.
inline double MemoryLimit(const PlacementWorkload& workload, const PlacementHost& host) {
  const double physical = static_cast<double>(host.capacity.memory);
  return workload.allow_memory_overcommit ? physical * std::max(1.0, host.overcommit.memory)
                                          : physical;
}

/// Disk a host may promise a workload's root disks (thin qcow2 overlays): with the host's
/// overcommit where the policy allows it.
inline double DiskLimit(const PlacementWorkload& workload, const PlacementHost& host) {
  const double physical = static_cast<double>(host.capacity.disk);
  return workload.allow_disk_overcommit ? physical * std::max(1.0, host.overcommit.disk) : physical;
}

/// What each host carries while a plan is being built.
struct Ledger {
  struct Use {
    double vcpus = 0;
    uint64_t memory = 0;
    uint64_t disk = 0;
  };
  static constexpr int kNobody = -1;
  static constexpr int kSeveral = -2;  ///< several systems, or one egovctl does not manage

  /// A replica counted on a host: `replica` -1 for a domain that stays only until apply
  /// deletes it.
  struct Occupant {
    int workload = kNobody;
    int replica = -1;
  };

  explicit Ledger(const std::vector<PlacementHost>& hosts);
  /// `workload` is an index, or kSeveral for a domain of a workload no longer declared.
  void Add(size_t host, const Resources& r, int workload, bool physically_separated,
           int replica = -1);
  /// Undoes Add of a replica of a workload that is not physically separated.
  void Remove(size_t host, const Resources& r, int workload, int replica);

  std::vector<Use> use;
  std::vector<int> sole;      ///< the one workload on the host, kNobody or kSeveral
  std::vector<int> physical;  ///< the physically separated workload on the host (or the one it
                              ///< is kept for), or kNobody
  std::vector<std::vector<Occupant>> on;  ///< what each host carries, managed domains only
  std::vector<bool> other;                ///< the host runs domains egovctl does not manage
};

/// The filters over one placement in progress. Not thread-safe.
class Feasibility {
 public:
  Feasibility(const std::vector<PlacementHost>& hosts,
              const std::vector<PlacementWorkload>& workloads, const PlacementOptions& options);

  /// Filters on facts no placement changes: certification, residency, providers, labels,
  /// reachability, compliance.
  ReasonMask StaticMask(size_t w, size_t h);
  /// Filters on what is placed already: separation, capacity, spread (replica `replica` of
  /// workload `w` itself never conflicts).
  ReasonMask DynamicMask(size_t w, int replica, size_t h) const;
  /// The replicas of `w` that the spread of its replica `replica` conflicts with on host `h`,
  /// appended to `out`.
  void SpreadConflicts(size_t w, int replica, size_t h, std::vector<int>& out) const;

  /// Counts replica `replica` of workload `w` on host `h` (kept there or placed).
  void Assign(size_t w, int replica, size_t h);
  /// Undoes Assign (a workload that is not physically separated).
  void Unassign(size_t w, int replica, size_t h);
  /// Counts a domain that stays on host `h` until apply deletes it; `w` is the index of its
  /// workload, or Ledger::kSeveral for one no longer declared.
  void Occupy(size_t h, const Resources& r, int w);
  /// Keeps host `h` for physically separated workload `w` (Ledger::kNobody: for nobody).
  void Reserve(size_t h, int w) { ledger_.physical[h] = w; }
  /// The host of a replica, or -1.
  int HostOf(size_t w, int replica) const { return placed_[w][static_cast<size_t>(replica)]; }
  const Ledger& ledger() const { return ledger_; }

 private:
  void TabulateCompliance();
  void ClassifyHosts();
  bool Clash(Spread spread, size_t a, size_t b) const;

  const std::vector<PlacementHost>& hosts_;
  const std::vector<PlacementWorkload>& workloads_;
  const PlacementOptions& options_;
  Ledger ledger_;
  std::vector<uint32_t> host_class_;  // hosts alike for the static filters share a class
  std::vector<size_t> class_rep_;     // one host of each class
  std::vector<uint32_t> zone_, provider_;
  std::vector<std::vector<int>> placed_;               // host of each replica, per workload
  std::vector<std::vector<ReasonMask>> static_masks_;  // per workload, per host class
  std::vector<int> profile_of_;         // per workload: index of its required profile, or -1
  std::vector<Compliance> compliance_;  // per host x profile
  size_t profile_count_ = 0;
};

}  // namespace egov::orchestrator
