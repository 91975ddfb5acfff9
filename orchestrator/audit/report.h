#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/agent_client.h"
#include "common/model.h"
#include "orchestrator/audit/results.h"

// Building the fleet audit report (schema egov.audit/v1, docs/audit.md) from the inventory,
// what each host's agent said and which domains run where. A pure function of its inputs:
// no I/O, no clock, so that a report can be rebuilt and compared byte for byte.
namespace egov::orchestrator::audit {

/// The domains found on one host, and where that knowledge came from.
struct HostDomains {
  bool known = false;
  std::string source;  ///< "libvirt" or "results"
  std::string error;   ///< why the host's libvirt could not be read
  std::vector<DomainRef> domains;
};

struct AuditSettings {
  Timestamp now{};  ///< when the audit runs
  Date today{};     ///< the audit date: waivers and certificates are judged on it
  Date from{};      ///< reporting window, inclusive
  Date to{};
  std::chrono::seconds max_age{86400};  ///< older results are stale; 0: no limit
  std::string auditor;
  std::string matrix_profile = "mic-1145";
  std::string policy;  ///< Policy whose compliance profiles judge each level; empty: "default"
  std::string source;  ///< "agents" or the results directory
  std::vector<std::string> inventory_files;
};

struct AuditInputs {
  std::vector<agent_client::FetchedResult> fetched;  ///< one per host that had a source
  std::map<std::string, HostDomains> libvirt;        ///< by host, when libvirt was read
};

/// The report as ordered JSON (the JSON format; HTML and CSV are rendered from it).
/// `report_sha256` is not set here: sealing adds it (seal.h).
nlohmann::ordered_json BuildAuditReport(const Inventory& inventory, const AuditInputs& inputs,
                                        const AuditSettings& settings);

/// Circular 12/2022's annual reporting period holding `today`: 15 December of the previous
/// year to 14 December.
std::pair<Date, Date> AnnualWindow(Date today);

/// The profile that judges a workload of `level`: the policy's compliance profile for the
/// level when it names one, else `decree85-level<N>`.
std::string LevelProfile(const Inventory& inventory, const std::string& policy, int level);

/// True when the report says everything known passes and nothing is unknown.
bool ReportCompliant(const nlohmann::ordered_json& report);

}  // namespace egov::orchestrator::audit
