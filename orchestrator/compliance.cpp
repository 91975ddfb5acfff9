#include "orchestrator/compliance.h"

#include "checks/scan.h"
#include "common/diagnostics.h"

namespace egov::orchestrator {
namespace {

using agent_client::FetchedResult;

// A host's compliance as its scan says: each profile passes or fails as a whole.
HostResults ComplianceOf(const checks::ScanResult& scan) {
  HostResults r;
  for (const auto& p : scan.profiles) {
    r.profiles[p.name] = p.passed ? Compliance::kPass : Compliance::kFail;
  }
  return r;
}

// One host's answer; `agent` says it came from an agent, whose silence is worth naming.
HostResults FromFetched(const FetchedResult& f, bool agent) {
  HostResults r;
  if (f.error.empty()) {
    r = ParseResults(f.body, f.host);
  } else {
    r.error = (agent && f.http_status == 0 ? "agent unreachable: " : "") + f.error;
  }
  r.source = f.source;
  return r;
}

std::map<std::string, HostResults> ByHost(const std::vector<FetchedResult>& fetched, bool agent) {
  std::map<std::string, HostResults> out;
  for (const auto& f : fetched) out[f.host] = FromFetched(f, agent);
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
    return ComplianceOf(scan);
  } catch (const ConfigError& e) {
    HostResults r;
    r.error = "results are not egov.results/v1: " + e.diagnostics().front().message;
    return r;
  }
}

std::map<std::string, HostResults> LoadResultFiles(const std::string& dir,
                                                   const std::vector<std::string>& hosts) {
  return ByHost(agent_client::ReadResultFiles(dir, hosts), false);
}

std::map<std::string, HostResults> FetchCompliance(
    const std::vector<agent_client::AgentTarget>& agents,
    const agent_client::CollectOptions& options) {
  return ByHost(agent_client::FetchFromAgents(agents, options), true);
}

}  // namespace egov::orchestrator
