#include "orchestrator/world.h"

#include <filesystem>

#include "common/loader.h"
#include "common/units.h"
#include "orchestrator/desired.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

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
      "seconds between keepalive probes to remote hosts; a host is lost after about 4")(
      "journal", po::value<std::string>()->default_value(""),
      "journal database (default $EGOV_JOURNAL or $XDG_STATE_HOME/egov-cloud/journal.db)")(
      "output", po::value<std::string>()->default_value("text"), "text or json");
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

std::map<std::string, HostSession*> World::SessionsByName() const {
  std::map<std::string, HostSession*> out;
  for (const auto& s : sessions) out[s->ref.host->name] = s.get();
  return out;
}

LockBusy::LockBusy(const LockHolder& h)
    : std::runtime_error("the journal is locked by " + h.holder + " (pid " + std::to_string(h.pid) +
                         ", " + h.operation + " since " + h.since +
                         "); wait for it (--lock-wait 5m), or run 'egovctl force-unlock' if it "
                         "is gone"),
      holder_(h) {}

void AddLockOptions(po::options_description& desc) {
  desc.add_options()("lock-wait", po::value<std::string>()->default_value("0s"),
                     "how long to wait for another operator's apply to finish");
}

World LoadWorld(const po::variables_map& vm, JournalUse journal_use,
                const std::string& lock_operation, bool read_compliance) {
  World w;
  w.inv = LoadInventory(vm["file"].as<std::vector<std::string>>());
  w.policy = SelectPolicy(w.inv, vm["policy"].as<std::string>());
  for (const auto& wl : w.inv.workloads) Effective(wl, w.policy);  // every level has rules
  const auto timeout = ParseDuration(vm["agent-timeout"].as<std::string>());
  if (!timeout) {
    throw ConfigError({"--agent-timeout", 0, 0}, "expected a duration such as 3s");
  }
  const std::string results = vm["results"].as<std::string>();
  if (!results.empty() && !std::filesystem::is_directory(results)) {
    throw ConfigError({results, 0, 0}, "--results: expected a directory of <host>.json files");
  }
  std::string journal_path = vm["journal"].as<std::string>();
  if (journal_path.empty()) journal_path = Journal::DefaultPath();
  if (journal_use == JournalUse::kCreate || std::filesystem::exists(journal_path)) {
    w.journal = std::make_unique<Journal>(journal_path);
  }
  if (!lock_operation.empty()) {
    const auto wait = ParseDuration(vm["lock-wait"].as<std::string>());
    if (!wait) throw ConfigError({"--lock-wait", 0, 0}, "expected a duration such as 30s");
    if (auto holder = w.journal->Lock(lock_operation, *wait)) throw LockBusy(*holder);
  }

  const std::vector<FleetHost> hosts = ListHosts(w.inv);
  ConnectOptions copts;
  copts.keepalive_interval = vm["keepalive"].as<int>();
  w.sessions = ConnectHosts(hosts, copts);

  bool needs_compliance = false;
  for (const auto& lp : w.policy.levels) needs_compliance |= lp.require_compliance;
  needs_compliance = needs_compliance && read_compliance;
  if (needs_compliance) {
    std::vector<std::string> names;
    std::vector<agent_client::AgentTarget> agents;
    for (const auto& h : hosts) {
      names.push_back(h.host->name);
      if (!h.host->agent.empty()) agents.emplace_back(h.host->name, h.host->agent);
    }
    if (!results.empty()) {
      w.compliance = LoadResultFiles(results, names);
    } else {
      agent_client::CollectOptions options;  // TLS and credentials to come (issue 20)
      options.timeout = options.connect_timeout = *timeout;
      w.compliance = FetchCompliance(agents, options);
      for (const auto& n : names) {
        if (!w.compliance.count(n)) w.compliance[n].error = "no agent URL in the inventory";
      }
    }
  }
  if (w.journal) {
    for (const auto& s : w.sessions) {
      if (!s->reachable) w.known[s->ref.host->name] = w.journal->KnownDomains(s->ref.host->name);
    }
  }
  return w;
}

Planned MakePlan(const World& world, const PlacementOptions& options) {
  Planned p;
  p.model = BuildModel(world.inv, world.policy, world.sessions, world.compliance, world.known);
  p.placement = Place(p.model.hosts, p.model.workloads, p.model.existing, options);
  p.plan = BuildPlan(p.model, p.placement, world.sessions);
  return p;
}

}  // namespace egov::orchestrator
