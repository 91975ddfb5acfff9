#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/agent_client.h"
#include "orchestrator/placement.h"

// Live compliance of hosts for the placement filter: each host's latest scan results
// (docs/results.md), fetched from its agent or read from saved files `<dir>/<host>.json` for
// offline planning, both through the agent collector (common/agent_client.h), and read with the
// one reader of results (checks::ScanResultFromJson). Anything that cannot be read is "unknown".
namespace egov::orchestrator {

struct HostResults {
  std::map<std::string, Compliance> profiles;  ///< by profile name
  std::string source;                          ///< URL or file the results came from
  std::string error;                           ///< why they are unknown, when they are
};

/// Interprets one results document: a profile passes when it passed (no applicable control
/// fails or errs). The document must be `host`'s.
HostResults ParseResults(std::string_view json, const std::string& host);

/// Reads `<dir>/<host>.json` for each host; a missing file leaves the host unknown.
std::map<std::string, HostResults> LoadResultFiles(const std::string& dir,
                                                   const std::vector<std::string>& hosts);

/// Asks every agent for its host's results, many at once (agent_client::FetchFromAgents).
std::map<std::string, HostResults> FetchCompliance(
    const std::vector<agent_client::AgentTarget>& agents,
    const agent_client::CollectOptions& options);

}  // namespace egov::orchestrator
