#include "orchestrator/options.h"

#include <cstdlib>
#include <ostream>

#include "common/command_line.h"
#include "common/diagnostics.h"
#include "common/loader.h"
#include "common/units.h"
#include "orchestrator/agent_access.h"
#include "orchestrator/certification.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

std::chrono::milliseconds ReadDuration(const po::variables_map& vm, const char* name,
                                       const char* example) {
  const auto d = ParseDuration(vm[name].as<std::string>());
  if (!d) {
    throw ConfigError({std::string("--") + name, 0, 0},
                      std::string("expected a duration such as ") + example);
  }
  return *d;
}

OutputFormat ReadOutputFormat(const po::variables_map& vm) {
  return cli::ReadFormat(vm, {"text", "json"}) == "json" ? OutputFormat::kJson
                                                         : OutputFormat::kText;
}

void AddWorldOptions(po::options_description& desc) {
  desc.add_options()("file,f", po::value<std::vector<std::string>>()->required(),
                     "YAML file or directory with providers and workloads (repeatable)")(
      "policy", po::value<std::string>()->default_value(""),
      "policy file (default: the Policy among -f, else profiles/policy-default.yaml)")(
      "results", po::value<std::string>()->default_value(""),
      "directory of saved scan results <host>.json, instead of asking the agents")(
      "agent-timeout", po::value<std::string>()->default_value("3s"),
      "how long to wait for each agent's results")(
      "keepalive", po::value<int>()->default_value(5),
      "seconds between keepalive probes to remote hosts; a host is lost after about 4");
  AddStateOptions(desc);
  AddAgentAccessOptions(desc);
  cli::AddFormatOption(desc, {"text", "json"});
}

void AddStateOptions(po::options_description& desc) {
  desc.add_options()("state", po::value<std::string>()->default_value(""),
                     "journal and lock: PATH, sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...] "
                     "(default $EGOV_STATE, else the SQLite file of --journal)")(
      "journal", po::value<std::string>()->default_value(""),
      "SQLite journal file (default $EGOV_JOURNAL or $XDG_STATE_HOME/egov-cloud/journal.db)")(
      "state-prefix", po::value<std::string>()->default_value("/egov-cloud/"),
      "etcd: the prefix of every key (one per fleet)")(
      "state-cacert", po::value<std::string>()->default_value(""),
      "etcd: CA certificate of its TLS endpoints (https)")(
      "state-cert", po::value<std::string>()->default_value(""),
      "etcd: client certificate (https)")("state-key", po::value<std::string>()->default_value(""),
                                          "etcd: the client certificate's key")(
      "lock-ttl", po::value<std::string>()->default_value("10s"),
      "etcd: the lease that holds the lock; a holder that stops is gone after it");
}

StateOptions ReadStateOptions(const po::variables_map& vm) {
  StateOptions s;
  const std::string state = vm["state"].as<std::string>();
  const std::string journal = vm["journal"].as<std::string>();
  if (!state.empty() && !journal.empty()) {
    throw ConfigError({"--journal", 0, 0}, "expected --state or --journal, not both");
  }
  const char* env = std::getenv("EGOV_STATE");
  s.url = !state.empty() ? state : !journal.empty() ? journal : env ? env : "";
  s.prefix = vm["state-prefix"].as<std::string>();
  s.cacert = vm["state-cacert"].as<std::string>();
  s.cert = vm["state-cert"].as<std::string>();
  s.key = vm["state-key"].as<std::string>();
  const auto ttl = ReadDuration(vm, "lock-ttl", "10s");
  if (ttl < std::chrono::seconds(2)) {
    throw ConfigError({"--lock-ttl", 0, 0}, "expected at least 2s (etcd's shortest lease)");
  }
  s.lock_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl);
  return s;
}

void AddLockOptions(po::options_description& desc) {
  desc.add_options()("lock-wait", po::value<std::string>()->default_value("0s"),
                     "how long to wait for another operator's apply to finish");
}

WorldOptions ReadWorldOptions(const po::variables_map& vm, std::ostream& err) {
  WorldOptions o;
  o.files = vm["file"].as<std::vector<std::string>>();
  o.policy = vm["policy"].as<std::string>();
  o.results = vm["results"].as<std::string>();
  o.agent_timeout = ReadDuration(vm, "agent-timeout", "3s");
  o.access = ReadAgentAccess(vm, err);
  o.keepalive = vm["keepalive"].as<int>();
  o.state = ReadStateOptions(vm);
  if (vm.count("lock-wait")) o.lock_wait = ReadDuration(vm, "lock-wait", "30s");
  return o;
}

void AddInventoryOption(po::options_description& desc, po::positional_options_description& pos) {
  desc.add_options()("file,f", po::value<std::vector<std::string>>()->required(),
                     "YAML file or directory (repeatable)");
  pos.add("file", -1);
}

Inventory LoadInventoryOption(const po::variables_map& vm) {
  return LoadInventory(vm["file"].as<std::vector<std::string>>());
}

void AddCertWarningOption(po::options_description& desc) {
  desc.add_options()("cert-warning", po::value<std::string>()->default_value("90d"),
                     "warn when a provider's certification expires within this time");
}

std::chrono::days ReadCertWarning(const po::variables_map& vm) {
  return std::chrono::floor<std::chrono::days>(ReadDuration(vm, "cert-warning", "90d"));
}

void WarnOfExpiringCertifications(const Inventory& inv, std::chrono::days horizon,
                                  std::ostream& err) {
  for (const auto& w : CertificationWarnings(inv, Today(), horizon)) {
    err << "egovctl: warning: " << w << "\n";
  }
}

void AddPlacementOptions(po::options_description& desc) {
  desc.add_options()("seed", po::value<uint64_t>()->default_value(1),
                     "seed of the deterministic tie-break")(
      "strategy", po::value<std::string>()->default_value("spread"),
      "spread (least allocated first) or binpack (fill hosts first)")(
      "candidates", po::value<size_t>()->default_value(256),
      "feasible hosts scored per replica (0: all)");
}

PlacementOptions ReadPlacementOptions(const po::variables_map& vm) {
  PlacementOptions o;
  o.today = Today();
  if (vm.count("seed")) o.seed = vm["seed"].as<uint64_t>();
  if (vm.count("candidates")) o.candidates = vm["candidates"].as<size_t>();
  if (vm.count("strategy")) {
    const auto& s = vm["strategy"].as<std::string>();
    if (s == "binpack" || s == "bin-pack") {
      o.strategy = Strategy::kBinpack;
    } else if (s != "spread") {
      throw ConfigError({"--strategy", 0, 0}, "expected spread or binpack, got '" + s + "'");
    }
  }
  return o;
}

}  // namespace egov::orchestrator
