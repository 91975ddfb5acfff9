#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/compliance.h"
#include "orchestrator/hosts.h"
#include "orchestrator/journal.h"
#include "orchestrator/placement.h"

// The plan: the diff between where every replica should run and what the hosts really run,
// as create / replace / start / delete / unchanged actions, each with its reason.
namespace egov::orchestrator {

enum class ActionKind { kCreate, kReplace, kStart, kDelete, kUnchanged };
const char* ToString(ActionKind kind);

struct Action {
  ActionKind kind = ActionKind::kUnchanged;
  std::string host;
  std::string workload;
  int replica = 0;
  std::string domain;
  std::string uuid;
  std::string reason;
  std::string state;     ///< observed state of an existing domain
  std::string xml;       ///< domain XML to define (create, replace)
  std::string network;   ///< network to ensure before defining (or remove, with cleanup)
  std::string pool;      ///< storage pool likewise
  bool cleanup = false;  ///< delete: also remove the workload's own network and pool
};

struct Unplaced {
  std::string workload;
  int replica = 0;
  std::string summary;                 ///< "0/18 hosts: 6 certification below level 4, ..."
  std::map<std::string, int> reasons;  ///< reason code -> hosts
};

struct Plan {
  std::vector<Action> actions;
  std::vector<Unplaced> unplaced;
  std::map<std::string, std::string> unreachable;  ///< host -> error
  std::vector<std::string> notes;  ///< unmanaged domains, hosts of unknown compliance, ...
  std::string fingerprint;
  uint64_t seed = 0;
  Strategy strategy = Strategy::kSpread;

  size_t Count(ActionKind kind) const;
  bool HasChanges() const;
};

/// What placement works on, derived from the inventory, the policy and the hosts' state.
struct PlanningModel {
  std::vector<PlacementHost> hosts;  ///< parallel to the sessions
  std::vector<PlacementWorkload> workloads;
  std::vector<const Workload*> specs;  ///< parallel to workloads
  std::vector<ExistingReplica> existing;
  /// Where each existing replica was found: session index and domain index (-1: from journal).
  std::vector<std::pair<size_t, int>> found;
};

PlanningModel BuildModel(const Inventory& inv, const Policy& policy,
                         const std::vector<std::unique_ptr<HostSession>>& sessions,
                         const std::map<std::string, HostResults>& compliance,
                         const std::map<std::string, std::vector<KnownDomain>>& known);

/// Turns a placement into actions against the observed state. Domain XML is generated and
/// checked against libvirt's schema here, so nothing invalid reaches a host.
Plan BuildPlan(const PlanningModel& model, const PlacementResult& placement,
               const std::vector<std::unique_ptr<HostSession>>& sessions);

nlohmann::json ToJson(const Plan& plan);
/// Reads a saved plan; throws ConfigError when it is not one.
Plan PlanFromJson(const nlohmann::json& j, const std::string& file);

/// The plan as an operator reads it.
void PrintPlan(const Plan& plan, std::ostream& out, bool show_unchanged);

}  // namespace egov::orchestrator
