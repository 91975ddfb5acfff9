#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/agent_client.h"
#include "common/model.h"
#include "orchestrator/hosts.h"
#include "orchestrator/journal.h"
#include "orchestrator/plan.h"

// What every host-facing egovctl command starts from: the validated inputs, the policy, the
// hosts' connections and observed state and (when the policy asks for it) their live
// compliance.
namespace egov::orchestrator {

/// The inputs and hosts of a command, as its options name them.
struct WorldOptions {
  std::vector<std::string> files;  ///< -f: YAML files or directories
  std::string policy;              ///< empty: the Policy among the files, else the default
  std::string results;             ///< directory of saved scan results; empty: ask the agents
  std::chrono::milliseconds agent_timeout{3000};
  agent_client::CollectOptions access;     ///< CA, client certificate, credentials (agent_access.h)
  int keepalive = 5;                       ///< seconds between keepalive probes to remote hosts
  StateOptions state;                      ///< where the journal and lock are
  std::chrono::milliseconds lock_wait{0};  ///< how long to wait for another operator's lock
};

struct World {
  Inventory inv;
  Policy policy;
  Observation observed;  ///< what the planner, status and drift work on
  std::vector<std::unique_ptr<HostSession>> sessions;  ///< parallel to observed.hosts
  std::unique_ptr<Journal> journal;

  std::map<std::string, HostSession*> SessionsByName() const;
};

enum class JournalUse { kIfExists, kCreate };

/// The journal's lock is held by someone else.
class LockBusy : public std::runtime_error {
 public:
  explicit LockBusy(const LockHolder& h);
  const LockHolder& holder() const { return holder_; }

 private:
  LockHolder holder_;
};

/// Loads the inputs (exit 2 on any problem, before any host is touched), takes the journal's
/// lock for `lock_operation` when one is named (waiting up to `lock_wait`; throws LockBusy),
/// then connects to every host and reads compliance when a level of the policy requires it.
World LoadWorld(const WorldOptions& options, JournalUse journal,
                const std::string& lock_operation = "", bool read_compliance = true);

}  // namespace egov::orchestrator
