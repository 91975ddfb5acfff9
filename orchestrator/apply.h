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
// host, every step journaled (pending before it runs, then done or failed). Creates, replaces
// and starts run first on every host; deletions run after them, so a moved replica is up on its
// new host before the old one goes. Steps are idempotent (stable UUIDs, "already running" is
// success), so a run killed at any moment and run again converges.
namespace egov::orchestrator {

struct ApplyOptions {
  bool atomic = false;  ///< all-or-nothing: on any failure, undo what this run changed
  size_t per_host = 4;  ///< calls in flight per host (libvirtd allows 5 per client)
  size_t threads = 16;
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

}  // namespace egov::orchestrator
