#pragma once

#include <cstdint>
#include <vector>

#include "orchestrator/feasibility.h"
#include "orchestrator/placement.h"

// Ranking of the hosts that pass the filters, as Nomad's rank iterators: every feasible host
// gets a score (least allocated first, or fullest first to bin-pack, plus a seeded tie-break),
// and the best of a limited number of feasible candidates, visited in a seeded order, wins.
namespace egov::orchestrator {

class Ranker {
 public:
  /// `feasibility` is the placement in progress; it must outlive the ranker.
  Ranker(const std::vector<PlacementHost>& hosts, const std::vector<PlacementWorkload>& workloads,
         const PlacementOptions& options, Feasibility& feasibility);

  /// How well host `h` takes the replica now; higher is better.
  double Score(size_t w, int replica, size_t h) const;

  /// The best host for one replica into `a`, or host -1 with every refusal counted (each host
  /// under its first reason) and the replicas a spread refusal conflicted with.
  void Choose(size_t w, int replica, Assignment& a);

 private:
  const std::vector<PlacementHost>& hosts_;
  const std::vector<PlacementWorkload>& workloads_;
  const PlacementOptions& options_;
  Feasibility& feasibility_;
  std::vector<size_t> order_;  // the seeded order in which candidates are looked at
  std::vector<uint64_t> host_hash_, workload_hash_;  // of their names, for the tie-break
};

}  // namespace egov::orchestrator
