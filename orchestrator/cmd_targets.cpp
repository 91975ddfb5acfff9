// egovctl targets: Prometheus file_sd targets for every host's egov-agent, so that the target
// labels provider, zone and host come from the same inventory egovctl places workloads with.
#include <filesystem>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/command_line.h"
#include "common/curl.h"
#include "common/diagnostics.h"
#include "common/files.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/options.h"

namespace po = boost::program_options;

namespace egov::orchestrator {
namespace {

// One part of a parsed URL; empty when the URL does not have it.
std::string Part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  return curl::UrlGet(url, part, flags).value_or("");
}

// The scrape target of an agent URL (scheme, HOST:PORT, metrics path), or why it cannot be one.
struct Scrape {
  std::string scheme, address, metrics_path, error;
};

Scrape ParseAgentUrl(const std::string& agent) {
  const curl::UrlPtr url = curl::NewUrl();
  Scrape s;
  if (curl::UrlSet(url.get(), CURLUPART_URL, agent) != CURLUE_OK) {
    s.error = "expected http(s)://HOST[:PORT][/PATH]";
    return s;
  }
  s.scheme = Part(url.get(), CURLUPART_SCHEME);
  const std::string host = Part(url.get(), CURLUPART_HOST);
  const std::string port = Part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if ((s.scheme != "http" && s.scheme != "https") || host.empty() || port.empty()) {
    s.error = "expected http(s)://HOST[:PORT][/PATH]";
  } else if (!Part(url.get(), CURLUPART_USER).empty()) {
    s.error =
        "credentials do not belong in the URL; give Prometheus basic_auth with a "
        "password_file in the scrape configuration";
  } else if (!Part(url.get(), CURLUPART_QUERY).empty() ||
             !Part(url.get(), CURLUPART_FRAGMENT).empty()) {
    s.error = "expected no query or fragment";
  }
  if (!s.error.empty()) return s;
  s.address = host + ":" + port;
  std::string path = Part(url.get(), CURLUPART_PATH);
  while (!path.empty() && path.back() == '/') path.pop_back();
  s.metrics_path = path + "/metrics";
  return s;
}

// One file_sd group per host, in inventory order; hosts without an agent are counted, and so
// are the hosts declared failed (fenced: nothing calls them, Prometheus included).
nlohmann::json Targets(const Inventory& inv, size_t& without_agent, size_t& fenced) {
  nlohmann::json groups = nlohmann::json::array();
  DiagnosticSink problems;
  for (const auto& p : inv.providers) {
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) {
        if (h.state == HostState::kFailed) {
          ++fenced;
          continue;
        }
        if (h.agent.empty()) {
          ++without_agent;
          continue;
        }
        const Scrape s = ParseAgentUrl(h.agent);
        if (!s.error.empty()) {
          problems.Add(h.pos, "host " + h.name + ": agent '" + h.agent + "': " + s.error);
          continue;
        }
        nlohmann::json labels = {{"provider", p.name}, {"zone", z.name}, {"host", h.name}};
        if (s.scheme != "http") labels["__scheme__"] = s.scheme;
        if (s.metrics_path != "/metrics") labels["__metrics_path__"] = s.metrics_path;
        groups.push_back({{"targets", {s.address}}, {"labels", labels}});
      }
    }
  }
  problems.ThrowIfAny();
  return groups;
}

}  // namespace

int CmdTargets(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("targets options");
  po::positional_options_description pos;
  AddInventoryOption(desc, pos);
  cli::AddOutputOption(desc, "write the targets to FILE (default: standard output)");
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "targets -f PATH... [-o targets.json]",
                                        desc, pos, vm, io.out, io.err)) {
    return *code;
  }
  const std::optional<std::string> output = cli::ReadOutputFile(vm, {"json"});
  const Inventory inv = LoadInventoryOption(vm);
  size_t without_agent = 0, fenced = 0;
  const nlohmann::json groups = Targets(inv, without_agent, fenced);
  const std::string text = groups.dump(2) + "\n";
  if (output) {
    // Prometheus re-reads file_sd files when they change: one rename, never half a file.
    // Prometheus reads it as a user of its own: world-readable (there is nothing secret in it).
    WriteFileAtomically(*output, text, 0644);
    io.err << "Wrote " << groups.size() << " target" << (groups.size() == 1 ? "" : "s") << " to "
           << *output << ".\n";
  } else {
    io.out << text;
  }
  if (without_agent > 0) {
    io.err << "Note: " << without_agent << " host" << (without_agent == 1 ? " has" : "s have")
           << " no agent URL and will not be scraped.\n";
  }
  if (fenced > 0) {
    io.err << "Note: " << fenced << " host" << (fenced == 1 ? " is" : "s are")
           << " declared failed in the inventory (fenced) and will not be scraped.\n";
  }
  return kExitOk;
}

}  // namespace egov::orchestrator
