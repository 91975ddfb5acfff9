#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/model.h"
#include "orchestrator/observed.h"
#include "orchestrator/plan.h"
#include "orchestrator/requirement.h"

// egovctl status: the replicas of every workload and the capacity in use per provider and
// zone, aggregated from what the hosts run.
namespace egov::orchestrator {

struct ReplicaStatus {
  int replica = 0;
  std::string domain;
  std::string host;
  std::string state;     ///< "unknown" on a host that cannot be read
  bool current = false;  ///< defined from the workload's current spec
};

struct WorkloadStatus {
  std::string name;
  bool declared = false;  ///< in the inputs; otherwise only found on the hosts
  int level = 0;
  std::string agency;
  int desired = 0;
  std::vector<ReplicaStatus> replicas;  ///< by replica index
};

struct Usage {
  size_t hosts = 0, reachable = 0, domains = 0;
  uint64_t vcpus = 0, vcpu_capacity = 0, memory = 0, memory_capacity = 0;
};

/// One host's compliance with one profile the policy requires.
struct ComplianceStatus {
  std::string host;
  std::string profile;
  Compliance compliance = Compliance::kUnknown;
  std::string reason;  ///< what the result has, when it does not pass
};

struct FleetStatus {
  std::vector<WorkloadStatus> workloads;  ///< declared ones in input order, then the others
  std::map<std::string, Usage> providers;
  std::map<std::string, Date> certification_expires;             ///< by provider
  std::map<std::string, Usage> zones;                            ///< by "provider/zone"
  std::vector<std::pair<std::string, std::string>> unreachable;  ///< host, error; host order
  std::set<std::string> fenced;  ///< hosts the inventory declares failed: never called
  /// Unreachable hosts apply last read: when (RFC 3339) and how long ago ("3h 5m").
  std::map<std::string, std::pair<std::string, std::string>> last_read;
  std::vector<ComplianceStatus> compliance;  ///< host order, then profile
};

/// Live compliance per host and profile (Observation::compliance).
using ComplianceByHost = std::map<std::string, std::map<std::string, Verdict>>;

/// Aggregates the hosts' domains per workload (with `policy` applied) and their use of
/// capacity per provider and zone, with each provider's certification expiry and each host's
/// compliance with the profiles the policy requires. Unreachable hosts count as hosts, not as
/// usage.
FleetStatus AggregateStatus(const Inventory& inv, const Policy& policy,
                            const std::vector<ObservedHost>& hosts,
                            const ComplianceByHost& compliance = {});

/// The same over a whole observation, with the replicas the journal last saw on unreachable
/// hosts (state "unknown") and when each such host was last read, as of `now`.
FleetStatus AggregateStatus(const Inventory& inv, const Policy& policy, const Observation& observed,
                            std::chrono::system_clock::time_point now);

/// "3h 5m", "2d 4h", "40s": how long ago, in its two largest units.
std::string Ago(std::chrono::seconds elapsed);

nlohmann::json ToJson(const FleetStatus& status);

/// The status as an operator reads it.
void PrintStatus(const FleetStatus& status, std::ostream& out);

}  // namespace egov::orchestrator
