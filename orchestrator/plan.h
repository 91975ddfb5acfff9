#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/journal.h"
#include "orchestrator/observed.h"
#include "orchestrator/placement.h"

// The plan: the diff between where every replica should run and what the hosts really run,
// as create / replace / start / delete / unchanged actions, each with its reason. Made by pure
// functions of data: the inventory, the policy and what was observed on the hosts.
namespace egov::orchestrator {

enum class ActionKind { kCreate, kReplace, kStart, kDelete, kUnchanged };
const char* ToString(ActionKind kind);

/// The disks of a replica whose workload names an image (create, replace): a qcow2 root disk
/// backed by the host's copy of the image, and a cloud-init seed, both in the workload's pool
/// (Action::pool). The seed's content is not in the plan (user data may hold secrets): apply
/// builds it from the inventory and refuses when it no longer matches `cloud_init`.
struct Disks {
  std::string image;       ///< the Image's name
  std::string base;        ///< its volume in egov-images (BaseVolumeName)
  std::string format;      ///< the image's format: the root disk's backing format
  uint64_t capacity = 0;   ///< the root disk's: resources.disk
  std::string cloud_init;  ///< CloudInitDigest of the workload's cloud_init
};

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
  std::optional<Disks> disks;
  /// What changes, field by field, from what the domain has now (replace; host for a move).
  std::vector<FieldChange> changes;
};

struct Unplaced {
  std::string workload;
  int replica = 0;
  std::string summary;                 ///< "0/18 hosts: 6 certification below level 4; ..."
  std::map<std::string, int> reasons;  ///< reason code -> hosts
  /// The host its copy stays on though that host no longer qualifies (no other host takes
  /// it), and why it must move; empty when it has no copy.
  std::string host;
  std::string must_move;
  std::vector<std::string> in_the_way;  ///< "cong-tt-0 on h1 (level 1, moves to h2)"
  std::string room_on;  ///< the host this plan empties for it: the next plan places it there
  std::vector<std::string> to_make_room;  ///< what would let it be placed
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
  /// Whether the hosts are not in the desired state after this plan: changes to make, or
  /// replicas that cannot be placed (plan's exit code 3).
  bool Pending() const { return HasChanges() || !unplaced.empty(); }
};

/// What was read from the hosts and their agents: the planner's only view of the fleet.
struct Observation {
  std::vector<ObservedHost> hosts;  ///< one per inventory host, in inventory order
  /// Live compliance per host and profile the policy names, when a level of the policy
  /// requires it, with the reason when it does not pass; a host or profile that is absent is
  /// unknown.
  std::map<std::string, std::map<std::string, Verdict>> compliance;
  /// What the journal last recorded on each unreachable host (and when apply last read it), and
  /// on each reachable host that runs a replica also found on another host (the recorded copy is
  /// the one that stays).
  std::map<std::string, std::vector<KnownDomain>> known;
  std::map<std::string, std::string> last_read;
};

/// Why `host` does not pass `profile` as its results were read; empty when it passes or when
/// its compliance was not read.
std::string ComplianceReason(const Observation& observed, const std::string& host,
                             const std::string& profile);

/// Why the replica's root disk `root` (nullptr: it has none) cannot serve as `disks` plan it:
/// "image A -> B", "disk 10 GiB -> 20 GiB", "none yet"; empty when it can. Plan and apply
/// decide with it whether a root disk is kept or made anew.
std::string RootDiskChange(const StorageVolume* root, const Disks& disks);

/// What placement works on, derived from the inventory, the policy and the observation.
struct PlanningModel {
  std::vector<PlacementHost> hosts;  ///< parallel to the observed hosts
  std::vector<PlacementWorkload> workloads;
  std::vector<const Workload*> specs;  ///< parallel to workloads
  std::vector<const Image*> images;    ///< parallel to workloads; nullptr: diskless
  std::vector<ExistingReplica> existing;
  /// Where each existing replica was found: host index and domain index (-1: from journal).
  std::vector<std::pair<size_t, int>> found;
};

PlanningModel BuildModel(const Inventory& inv, const Policy& policy, const Observation& observed);

/// Turns a placement into actions against the observed hosts, with the domain XML of every
/// create and replace (checked separately: ValidateDefinitions).
Plan BuildPlan(const PlanningModel& model, const PlacementResult& placement,
               const std::vector<ObservedHost>& hosts);

/// Checks every definition of a plan, made now or saved earlier, against libvirt's schema,
/// egovctl's hardening and the domain its action names (ValidateDomainXml), on every core.
/// Returns the first problem in plan order ("<domain> on <host>: ..."), or nullopt.
std::optional<std::string> ValidateDefinitions(const Plan& plan);

/// The whole pipeline: model, placement, plan. Throws when a definition fails
/// ValidateDefinitions, so nothing invalid reaches a host.
struct Planned {
  PlanningModel model;
  PlacementResult placement;
  Plan plan;
};
Planned MakePlan(const Inventory& inv, const Policy& policy, const Observation& observed,
                 const PlacementOptions& options);

nlohmann::json ToJson(const Plan& plan);
/// Reads a saved plan; throws ConfigError when it is not one.
Plan PlanFromJson(const nlohmann::json& j, const std::string& file);

/// The plan as an operator reads it.
void PrintPlan(const Plan& plan, std::ostream& out, bool show_unchanged);

}  // namespace egov::orchestrator
