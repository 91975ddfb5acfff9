#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/model.h"
#include "orchestrator/requirement.h"

// Placement of workload replicas onto hosts: a pure function of data (no I/O), so that plan,
// explain and the benchmarks see exactly the same decisions. Existing replicas are reconciled
// first: the ones no longer wanted are evicted, the others stay where they are while every
// filter still accepts them; one that no filter-passing host would take stays too (never
// delete what has nowhere to go), reported as unplaced. Then each replica without a host is
// placed: hard filters
// (feasibility.h), each with a stable reason code counted for every replica that cannot be
// placed; then a score (least allocated, or bin-pack) with a seeded, deterministic tie-break
// (rank.h). A physically separated replica that finds no host may make room by moving
// lower-level managed replicas off a host (preemption by moving, as Nomad's, never by stopping).
namespace egov::orchestrator {

/// Why a host was refused. The order is the order of evaluation: a refused host is counted
/// under its first reason in summaries, and `explain` lists all of them.
enum class Reason : uint8_t {
  kCertExpired,
  kCertLevel,
  kResidency,
  kProviderNotAllowed,
  kLabels,
  kHostUnreachable,
  kHostMaintenance,  // the inventory puts the host in maintenance: its replicas move away
  kHostFailed,       // the inventory declares the host failed (fenced): never called
  kNotCompliant,
  kComplianceUnknown,
  kRunsOtherSystems,  // physical separation: the workload needs a host running nothing else
  kDedicatedHost,     // the host runs a physically separated system of another workload
  kCpu,
  kMemory,
  kDisk,
  kSameHost,
  kSameZone,
  kSameProvider,
};
inline constexpr size_t kReasonCount = 18;

/// Stable code for scripts and JSON (`CERT_LEVEL_TOO_LOW`, ...).
const char* ReasonCode(Reason reason);

/// A host as placement sees it: the inventory's facts plus what the host already runs.
struct PlacementHost {
  std::string name;
  std::string provider;
  std::string zone;  ///< zone name within the provider
  std::string residency;
  int cert_level = 0;
  Date cert_expires{};
  Labels labels;
  Resources capacity;
  Overcommit overcommit;
  std::map<std::string, Compliance> compliance;  ///< by profile name; absent means unknown
  bool reachable = true;
  HostState state = HostState::kActive;
  /// taken by domains egovctl does not manage; disk also by base images and seeds
  Resources unmanaged;
  bool runs_unmanaged = false;  ///< any unmanaged domain (another system) is on the host
};

/// A workload with the policy of its level already applied (effective replicas and spread).
struct PlacementWorkload {
  std::string name;
  int level = 1;
  int replicas = 1;
  Spread spread = Spread::kNone;
  Separation separation = Separation::kNone;
  std::vector<std::string> providers;  ///< allowed; empty means any
  Labels labels;
  std::vector<std::string> residency;  ///< allowed country codes; empty means any
  bool require_compliance = false;
  std::string profile;
  UnknownCompliance unknown = UnknownCompliance::kDeny;
  bool allow_memory_overcommit = true;
  bool allow_disk_overcommit = true;
  Resources resources;
  std::string spec_hash;
};

/// A managed domain found on a host (or, for an unreachable host, last recorded there).
struct ExistingReplica {
  std::string workload;
  int replica = 0;
  std::string host;
  std::string spec_hash;
  Resources resources;   ///< what the domain takes now
  bool unknown = false;  ///< its host could not be read: kept, neither checked nor moved
  /// The journal's record of its host lists it: of two copies of a replica, the recorded one
  /// stays (the other is a stale copy, e.g. on a failed host that came back after evacuation).
  bool recorded = false;
};

enum class Strategy { kSpread, kBinpack };

struct PlacementOptions {
  Date today{};
  uint64_t seed = 1;
  Strategy strategy = Strategy::kSpread;
  /// Feasible hosts scored per replica before the best is taken (0: all). Large fleets stay
  /// fast; fleets up to this size get the best host.
  size_t candidates = 256;
};

/// A domain on a host that a physically separated replica could otherwise have.
struct Blocker {
  size_t host = 0;
  int workload = -1;  ///< index; -1: domains egovctl does not manage on the host
  int replica = -1;   ///< -1: a domain being deleted, or an unmanaged one
  int moves_to = -1;  ///< the host it moves to in this plan to make room; -1: it does not
};

/// Where one replica goes.
struct Assignment {
  size_t workload = 0;  ///< index into the workloads
  int replica = 0;
  int host = -1;      ///< index into the hosts; -1 when it cannot be placed
  int existing = -1;  ///< index into the existing replicas when it stays where it is
  double score = 0;
  size_t evaluated = 0;  ///< hosts looked at
  /// For an unplaced replica: hosts refused, counted under their first reason.
  std::array<uint32_t, kReasonCount> refused{};
  /// For an unplaced replica: the replicas its spread reason conflicted with, ascending (a
  /// workload spreads over hosts, zones or providers: one reason).
  std::vector<int> spread_with;
  /// For an unplaced replica whose copy is on a host that no longer qualifies: that copy
  /// (index into the existing replicas), which stays where it is since no other host takes
  /// it, and why it must move.
  int kept = -1;
  std::vector<Reason> must_move;
  /// For an unplaced replica of a physically separated workload: the domains of lower levels
  /// in its way on hosts that pass every other filter. With `room_on` set, this plan moves
  /// them off that host (new copy first), and the next plan places the replica there.
  std::vector<Blocker> in_the_way;
  int room_on = -1;
};

/// An existing replica that must go.
struct Eviction {
  size_t existing = 0;
  std::string why;  ///< "workload removed", "excess replica", "duplicate", or the failed filters
  std::vector<Reason> reasons;
};

struct PlacementResult {
  std::vector<Assignment> assignments;  ///< by workload, then replica
  std::vector<Eviction> evictions;
  uint64_t seed = 0;
  Strategy strategy = Strategy::kSpread;
  size_t unplaced = 0;
};

PlacementResult Place(const std::vector<PlacementHost>& hosts,
                      const std::vector<PlacementWorkload>& workloads,
                      const std::vector<ExistingReplica>& existing,
                      const PlacementOptions& options);

/// A reason with its words for one workload ("certification below level 4"); a spread reason
/// names the replicas in `spread_with`.
std::string DescribeReason(Reason reason, const PlacementWorkload& workload,
                           const std::vector<int>& spread_with = {});

/// "0/18 hosts: 6 certification below level 4, 5 insufficient memory, ..." for an unplaced
/// replica.
std::string SummarizeRefusals(const Assignment& a, const PlacementWorkload& workload, size_t hosts);

/// What would let an unplaced replica be placed, as an operator can act on it: "a provider
/// certified for level 4 or higher", "more hosts that qualify", "lower `replicas` to 2", ...
/// `placed` counts the workload's replicas that have a host.
std::vector<std::string> WaysToMakeRoom(const Assignment& a, const PlacementWorkload& workload,
                                        int placed);

/// Why host `host` does or does not take each replica of workload `workload`, given the final
/// placement: one line per replica, every failing reason listed.
struct HostExplanation {
  int replica = 0;
  bool placed_here = false;
  bool eligible = false;  ///< no filter refuses the host for this replica
  double score = 0;
  std::vector<Reason> reasons;
  std::vector<std::string> texts;
};
/// ExplainHost for every host, indexed by host.
std::vector<std::vector<HostExplanation>> ExplainHosts(
    const std::vector<PlacementHost>& hosts, const std::vector<PlacementWorkload>& workloads,
    const std::vector<ExistingReplica>& existing, const PlacementOptions& options,
    const PlacementResult& result, size_t workload);
std::vector<HostExplanation> ExplainHost(const std::vector<PlacementHost>& hosts,
                                         const std::vector<PlacementWorkload>& workloads,
                                         const std::vector<ExistingReplica>& existing,
                                         const PlacementOptions& options,
                                         const PlacementResult& result, size_t workload,
                                         size_t host);

}  // namespace egov::orchestrator
