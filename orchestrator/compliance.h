#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/placement.h"

// Live compliance of hosts for the placement filter: each host's latest scan results
// (docs/results.md), read from its agent (`GET <agent>/api/v1/results`) or from saved files
// `<dir>/<host>.json` for offline planning. Anything that cannot be read is "unknown".
namespace egov::orchestrator {

struct HostResults {
  std::map<std::string, Compliance> profiles;  ///< by profile name
  std::string source;                          ///< URL or file the results came from
  std::string error;                           ///< why they are unknown, when they are
};

/// Interprets one results document: a profile passes when its entry has `passed: true`.
/// `host` must match the document's host when the document names one.
HostResults ParseResults(std::string_view json, const std::string& host);

/// Reads `<dir>/<host>.json` for each host; a missing file leaves the host unknown.
std::map<std::string, HostResults> LoadResultFiles(const std::string& dir,
                                                   const std::vector<std::string>& hosts);

/// Fetches `<agent>/api/v1/results` for every host with an agent URL, all at once (libcurl
/// multi), each bounded by `timeout`.
std::map<std::string, HostResults> FetchResults(
    const std::vector<std::pair<std::string, std::string>>& host_agents,
    std::chrono::milliseconds timeout);

}  // namespace egov::orchestrator
