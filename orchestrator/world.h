#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "common/model.h"
#include "orchestrator/compliance.h"
#include "orchestrator/hosts.h"
#include "orchestrator/journal.h"
#include "orchestrator/placement.h"
#include "orchestrator/plan.h"

// What every host-facing egovctl command starts from: the validated inputs, the policy, the
// hosts' observed state and (when the policy asks for it) their live compliance.
namespace egov::orchestrator {

/// Adds -f, --policy, --results, --agent-timeout, --keepalive, --journal, --output.
void AddWorldOptions(boost::program_options::options_description& desc);
/// Adds --seed, --strategy, --candidates.
void AddPlacementOptions(boost::program_options::options_description& desc);
PlacementOptions ReadPlacementOptions(const boost::program_options::variables_map& vm);

struct World {
  Inventory inv;
  Policy policy;
  std::vector<std::unique_ptr<HostSession>> sessions;  ///< one per inventory host, in order
  std::map<std::string, HostResults> compliance;
  std::map<std::string, std::vector<KnownDomain>> known;  ///< journal's record, unreachable hosts
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
/// lock for `lock_operation` when one is named (waiting up to --lock-wait; throws LockBusy),
/// then connects to every host and reads compliance when a level of the policy requires it.
World LoadWorld(const boost::program_options::variables_map& vm, JournalUse journal,
                const std::string& lock_operation = "", bool read_compliance = true);

/// Adds --lock-wait.
void AddLockOptions(boost::program_options::options_description& desc);

/// The whole planning pipeline on a loaded world.
struct Planned {
  PlanningModel model;
  PlacementResult placement;
  Plan plan;
};
Planned MakePlan(const World& world, const PlacementOptions& options);

}  // namespace egov::orchestrator
