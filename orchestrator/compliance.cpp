#include "orchestrator/compliance.h"

#include "checks/scan.h"
#include "common/diagnostics.h"

namespace egov::orchestrator {
namespace {

using agent_client::FetchedResult;

// One host's answer, or why there is none (the collector's words).
HostResults FromFetched(const FetchedResult& f) {
  HostResults r;
  if (f.error.empty()) {
    r = ParseResults(f.body, f.host);
  } else {
    r.error = f.error;
  }
  r.source = f.source;
  return r;
}

std::map<std::string, HostResults> ByHost(const std::vector<FetchedResult>& fetched) {
  std::map<std::string, HostResults> out;
  for (const auto& f : fetched) out[f.host] = FromFetched(f);
  return out;
}

}  // namespace

HostResults ParseResults(std::string_view text, const std::string& host) {
  try {
    const checks::ScanResult scan =
        checks::ScanResultFromJson(checks::ParseResultsJson(text, host), host);
    if (scan.host != host) {
      HostResults r;
      r.error = "results are for host '" + scan.host + "', not '" + host + "'";
      return r;
    }
    return {scan, "", ""};
  } catch (const ConfigError& e) {
    HostResults r;
    r.error = "results are not egov.results/v1: " + e.diagnostics().front().message;
    return r;
  }
}

Verdict JudgeHost(const HostResults& results, const std::string& profile) {
  if (!results.scan) return {Compliance::kUnknown, results.error};
  return Judge(*results.scan, ParseRequirement(profile));
}

std::map<std::string, HostResults> LoadResultFiles(const std::string& dir,
                                                   const std::vector<std::string>& hosts) {
  return ByHost(agent_client::ReadResultFiles(dir, hosts));
}

std::map<std::string, HostResults> FetchCompliance(
    const std::vector<agent_client::AgentTarget>& agents,
    const agent_client::CollectOptions& options) {
  return ByHost(agent_client::FetchFromAgents(agents, options));
}

}  // namespace egov::orchestrator
