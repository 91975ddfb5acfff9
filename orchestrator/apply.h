#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/hosts.h"
#include "orchestrator/journal.h"
#include "orchestrator/plan.h"

// Carries out a plan on the hosts: in parallel across hosts, a bounded number of calls per
// host, every step journaled (pending before it runs, then done or failed). Each host first gets
// the networks, pools and base images its steps need (an image is downloaded first when its
// source is an https:// URL, checked against its sha256 once, then uploaded to every host that
// lacks it). Creates, replaces and starts run first on
// every host; deletions run after them, so a moved replica is up on its new host before the old
// one goes. Steps are idempotent (stable UUIDs, "already running" is
// success), so a run killed at any moment and run again converges.
namespace egov::orchestrator {

struct ApplyOptions {
  bool atomic = false;  ///< all-or-nothing: on any failure, undo what this run changed
  size_t per_host = 4;  ///< calls in flight per host (libvirtd allows 5 per client)
  size_t threads = 16;
  /// Where the images' files and the workloads' cloud-init come from, which a plan never holds
  /// (user data may hold secrets): needed when the plan gives replicas disks.
  const Inventory* inventory = nullptr;
  bool upload_progress = false;  ///< a line per upload every second (bytes, rate): a terminal
};

struct ApplyReport {
  size_t done = 0;
  size_t failed = 0;
  size_t skipped = 0;
  size_t undone = 0;
  std::map<std::string, std::string> failed_hosts;  ///< host -> why (connection lost, ...)
  std::vector<std::string> errors;                  ///< one line per failed step
  bool rolled_back = false;
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
