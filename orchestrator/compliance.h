#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/scan.h"
#include "common/agent_client.h"
#include "orchestrator/requirement.h"

// Live compliance of hosts for the placement filter and status: each host's latest scan
// results (docs/results.md), fetched from its agent or read from saved files `<dir>/<host>.json`
// for offline planning, both through the agent collector (common/agent_client.h), read with the
// one reader of results (checks::ScanResultFromJson) and judged by the one rule of
// requirement.h. Anything that cannot be read is "unknown", with the reason.
namespace egov::orchestrator {

/// One host's results, or why there are none.
struct HostResults {
  std::optional<checks::ScanResult> scan;
  std::string source;  ///< URL or file the results came from
  std::string error;   ///< why they are unknown, when they are
};

/// Interprets one results document, which must be `host`'s.
HostResults ParseResults(std::string_view json, const std::string& host);

/// Whether the host's results meet the policy's `profile` (requirement.h); unknown, with the
/// reason, when there are none.
Verdict JudgeHost(const HostResults& results, const std::string& profile);

/// Reads `<dir>/<host>.json` for each host; a missing file leaves the host unknown.
std::map<std::string, HostResults> LoadResultFiles(const std::string& dir,
                                                   const std::vector<std::string>& hosts);

/// Asks every agent for its host's results, many at once (agent_client::FetchFromAgents).
std::map<std::string, HostResults> FetchCompliance(
    const std::vector<agent_client::AgentTarget>& agents,
    const agent_client::CollectOptions& options);

}  // namespace egov::orchestrator
