#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/hosts.h"
#include "orchestrator/journal.h"
#include "orchestrator/plan.h"

// Carries out a plan on the hosts: in parallel across hosts, a bounded number of calls per
// host, every step journaled (pending before it runs, then done, failed or skipped). Each host
// first gets the networks, pools and base images its steps need (an image is downloaded first
// when its source is an https:// URL, checked against its sha256 once, then uploaded to every
// host that lacks it). Then, in this order:
//   1. the deletion of stale copies: a replica that runs on another host where it stays (a
//      failed host that came back after its replicas were re-created elsewhere);
//   2. waves: the first with every create of a new replica and every start (they take nothing
//      down), and wave k with the k-th batch of every workload's rollout. A rollout is the
//      workload's replaces and moves (a move: the new copy, then the old one's delete), taken
//      max_unavailable at a time; a batch's replicas must run and answer their health URL
//      before the old copies of its moves go and before the workload's next batch starts. A
//      batch that does not become healthy stops that workload's rollout (its later steps are
//      skipped); the others go on. A move between two real hypervisors of one type goes by
//      live migration while the replica runs, else (or when migration fails) by re-creation;
//   3. every other deletion (removed workloads, excess replicas).
// Steps are idempotent (stable UUIDs, "already running" is success), so a run killed at any
// moment and run again converges.
namespace egov::orchestrator {

/// How a workload's replicas are replaced or moved (from the inventory and the policy).
struct WorkloadRollout {
  size_t max_unavailable = 1;    ///< replicas of a batch
  std::optional<Health> health;  ///< probed before the next batch; none: running suffices
};

struct ApplyOptions {
  bool atomic = false;  ///< all-or-nothing: on any failure, undo what this run changed
  size_t per_host = 4;  ///< calls in flight per host (libvirtd allows 5 per client)
  size_t threads = 16;
  /// Where the images' files and the workloads' cloud-init come from, which a plan never holds
  /// (user data may hold secrets): needed when the plan gives replicas disks.
  const Inventory* inventory = nullptr;
  bool upload_progress = false;  ///< a line per upload every interval (bytes, rate): a terminal
  std::chrono::milliseconds upload_progress_interval{std::chrono::seconds(1)};
  /// Per workload; a workload not named here rolls one replica at a time, without health URL.
  std::map<std::string, WorkloadRollout> rollouts;
  /// How long a batch's replicas may take to answer their health URL.
  std::chrono::milliseconds health_wait{std::chrono::minutes(5)};
};

/// One step as it ran.
struct StepReport {
  std::string workload;
  std::string domain;
  std::string host;
  std::string action;
  std::string status;                                           ///< done, failed, skipped
  std::chrono::system_clock::time_point started{}, finished{};  ///< epoch when it never ran
  std::string note;  ///< live migration or re-creation, health, why it was skipped
};

struct ApplyReport {
  size_t done = 0;
  size_t failed = 0;
  size_t skipped = 0;
  size_t undone = 0;
  std::map<std::string, std::string> failed_hosts;  ///< host -> why (connection lost, ...)
  std::vector<std::string> errors;                  ///< one line per failed step
  bool rolled_back = false;
  std::vector<StepReport> steps;  ///< in the order they started; those that never ran last
};

/// Runs the changes of `plan`. `sessions` maps host names to open hosts; `journal` may be null.
/// Simulated hosts that changed are written back to their files before returning.
ApplyReport ExecutePlan(const Plan& plan, const std::map<std::string, HostSession*>& sessions,
                        Journal* journal, const ApplyOptions& options, std::ostream& progress);

/// The connection of each strand (a sequence of steps run one after another; a host's strands
/// run at once) for `steps` steps on `host`: at most `per_host` strands. An in-process host
/// shares its one connection. A remote host gets no more strands than it has connections (the
/// main one and its workers), one each: libvirt 9.0's keepalive does not end a call to a
/// frozen daemon on a connection with several calls in flight.
std::vector<const libvirt::Connection*> StrandConnections(const HostSession& host, size_t per_host,
                                                          size_t steps);

/// Spreads steps over `strands` strands, given the UUID of each step's domain: the domains go
/// to the strands in turn, and the steps of one domain stay on its strand in plan order, since
/// two calls on one domain at once race (one stops it between the other's look and its call).
/// Returns the step indices of each strand.
std::vector<std::vector<size_t>> SplitIntoStrands(const std::vector<std::string>& uuids,
                                                  size_t strands);

}  // namespace egov::orchestrator
