#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/journal.h"
#include "orchestrator/observed.h"
#include "orchestrator/placement.h"
#include "orchestrator/plan.h"

// Drift: what differs between the hosts and the desired state, classified for an operator.
// Everything drift reports, `plan` repairs.
namespace egov::orchestrator {

struct Drift {
  std::string kind;  ///< missing, modified, misplaced, extra, unmanaged, unknown
  std::string host;
  std::string domain;
  std::string workload;
  std::string detail;

  bool operator==(const Drift&) const = default;
};

/// What the plan adds to drift, keyed by host and domain name: the replicas on hosts that no
/// longer qualify (and whether the plan moves them), the fields a replace changes, and why the
/// replicas without a place cannot be placed (keyed by domain name).
struct PlanView {
  std::map<std::pair<std::string, std::string>, std::string> misplaced;
  std::map<std::pair<std::string, std::string>, std::vector<FieldChange>> changes;
  std::map<std::string, std::string> unplaced;
};
PlanView ViewOfPlan(const Plan& plan);

/// Compares the desired workloads (their level's policy applied) with what the hosts run, in
/// host order, then the missing replicas by workload name. `known` is the journal's record of
/// what unreachable hosts ran: those replicas are unknown, never missing. A replica on a host
/// that no longer qualifies (`plan`) is `misplaced`.
std::vector<Drift> DetectDrift(const std::vector<PlacementWorkload>& desired,
                               const std::vector<ObservedHost>& hosts,
                               const std::map<std::string, std::vector<KnownDomain>>& known,
                               const PlanView& plan = {});

nlohmann::json DriftToJson(const std::vector<Drift>& drift);

/// The drift as an operator reads it, with counts per kind.
void PrintDrift(const std::vector<Drift>& drift, std::ostream& out);

}  // namespace egov::orchestrator
