#include "orchestrator/world.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/loader.h"
#include "orchestrator/compliance.h"
#include "orchestrator/desired.h"

namespace egov::orchestrator {
namespace {

// The profiles the policy's levels require hosts to pass.
std::set<std::string> RequiredProfiles(const Policy& policy) {
  std::set<std::string> out;
  for (const auto& lp : policy.levels) {
    if (lp.require_compliance) out.insert(lp.compliance_profile);
  }
  return out;
}

// Live compliance per host and required profile, from saved results or the hosts' agents. A
// host without an agent URL is unknown.
std::map<std::string, std::map<std::string, Verdict>> ReadCompliance(
    const std::vector<FleetHost>& hosts, const std::set<std::string>& profiles,
    const WorldOptions& options) {
  std::vector<std::string> names;
  std::vector<agent_client::AgentTarget> agents;
  for (const auto& h : hosts) {
    names.push_back(h.host->name);
    // A failed host is fenced: not even its agent is asked.
    if (!h.host->agent.empty() && h.host->state != HostState::kFailed) {
      agents.emplace_back(h.host->name, h.host->agent);
    }
  }
  std::map<std::string, HostResults> results;
  if (!options.results.empty()) {
    results = LoadResultFiles(options.results, names);
  } else {
    agent_client::CollectOptions collect = options.access;
    collect.timeout = collect.connect_timeout = options.agent_timeout;
    results = FetchCompliance(agents, collect);
  }
  const HostResults none{std::nullopt, "", "no agent URL in the inventory"};
  const HostResults fenced{std::nullopt, "",
                           "declared failed in the inventory (fenced): its agent is not asked"};
  std::map<std::string, std::map<std::string, Verdict>> out;
  for (const auto& h : hosts) {
    const std::string& name = h.host->name;
    auto it = results.find(name);
    const HostResults& r = h.host->state == HostState::kFailed ? fenced
                           : it == results.end()               ? none
                                                               : it->second;
    for (const auto& p : profiles) out[name][p] = JudgeHost(r, p);
  }
  return out;
}

}  // namespace

std::map<std::string, HostSession*> World::SessionsByName() const {
  std::map<std::string, HostSession*> out;
  for (const auto& s : sessions) out[s->name] = s.get();
  return out;
}

LockBusy::LockBusy(const LockHolder& h)
    : std::runtime_error("the journal is locked by " + h.holder + " (pid " + std::to_string(h.pid) +
                         ", " + h.operation + " since " + h.since + ", lock ID " + h.id +
                         "); wait for it (--lock-wait 5m), or run 'egovctl force-unlock " + h.id +
                         "' if it is gone"),
      holder_(h) {}

World LoadWorld(const WorldOptions& options, JournalUse journal_use,
                const std::string& lock_operation, bool read_compliance) {
  World w;
  w.inv = LoadInventory(options.files);
  w.policy = SelectPolicy(w.inv, options.policy);
  for (const auto& wl : w.inv.workloads) Effective(wl, w.policy);  // every level has rules
  if (!options.results.empty() && !std::filesystem::is_directory(options.results)) {
    throw ConfigError({options.results, 0, 0},
                      "--results: expected a directory of <host>.json files");
  }
  w.journal = OpenJournal(options.state, journal_use == JournalUse::kCreate);
  if (!lock_operation.empty()) {
    if (auto holder = w.journal->Lock(lock_operation, options.lock_wait)) throw LockBusy(*holder);
  }

  const std::vector<FleetHost> hosts = ListHosts(w.inv);
  ConnectOptions copts;
  copts.keepalive_interval = options.keepalive;
  ConnectedHosts connected = ConnectHosts(hosts, copts);
  w.sessions = std::move(connected.sessions);
  w.observed.hosts = std::move(connected.observed);
  if (const auto profiles = RequiredProfiles(w.policy); read_compliance && !profiles.empty()) {
    w.observed.compliance = ReadCompliance(hosts, profiles, options);
  }
  if (w.journal) {
    // Where a replica runs on two hosts, the journal tells which copy egovctl last left there.
    std::map<std::pair<std::string, int>, int> copies;
    for (const auto& h : w.observed.hosts) {
      for (const auto& d : h.domains) {
        if (d.metadata) ++copies[{d.metadata->workload, d.metadata->replica}];
      }
    }
    std::vector<std::string> asked;
    for (const auto& h : w.observed.hosts) {
      const bool duplicate = std::any_of(h.domains.begin(), h.domains.end(), [&](const auto& d) {
        return d.metadata && copies[{d.metadata->workload, d.metadata->replica}] > 1;
      });
      if (!h.reachable || duplicate) {
        asked.push_back(h.ref.host->name);
        w.observed.known[h.ref.host->name];  // none known unless the journal says otherwise
        w.observed.last_read[h.ref.host->name];
      }
    }
    if (!asked.empty()) {
      for (auto& [host, known] : w.journal->KnownHosts(asked)) {
        w.observed.known[host] = std::move(known.domains);
        w.observed.last_read[host] = known.read;
      }
    }
  }
  return w;
}

}  // namespace egov::orchestrator
