#include <map>
#include <ostream>
#include <set>

#include "common/units.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/desired.h"
#include "orchestrator/options.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {
namespace {

struct Usage {
  size_t hosts = 0, reachable = 0, domains = 0;
  uint64_t vcpus = 0, vcpu_capacity = 0, memory = 0, memory_capacity = 0;
};

nlohmann::json UsageJson(const Usage& u) {
  return {{"hosts", u.hosts},
          {"reachable", u.reachable},
          {"domains", u.domains},
          {"vcpus_used", u.vcpus},
          {"vcpus", u.vcpu_capacity},
          {"memory_used_bytes", u.memory},
          {"memory_bytes", u.memory_capacity}};
}

std::string Percent(uint64_t used, uint64_t total) {
  if (total == 0) return "-";
  return std::to_string(used * 100 / total) + "%";
}

// One drift finding.
struct Drift {
  std::string kind;  // missing, modified, extra, unmanaged, unknown
  std::string host;
  std::string domain;
  std::string workload;
  std::string detail;
};

}  // namespace

int CmdStatus(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("status options");
  AddWorldOptions(desc);
  po::variables_map vm;
  if (auto code =
          ParseOptions(args, "egovctl status -f PATH... [--output json]", desc, {}, vm, io)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const World world = LoadWorld(vm, JournalUse::kIfExists, "", false);

  struct Replica {
    std::string domain, host, state;
    int replica;
    bool current;
  };
  std::map<std::string, std::vector<Replica>> by_workload;
  std::map<std::string, Usage> by_provider, by_zone;
  for (const auto& s : world.sessions) {
    const FleetHost& f = s->ref;
    for (Usage* u :
         {&by_provider[f.provider->name], &by_zone[f.provider->name + "/" + f.zone->name]}) {
      ++u->hosts;
      u->vcpu_capacity += static_cast<uint64_t>(f.host->capacity.vcpus);
      u->memory_capacity += f.host->capacity.memory;
      if (!s->reachable) continue;
      ++u->reachable;
      for (const auto& d : s->domains) {
        ++u->domains;
        u->vcpus += d.vcpus;
        u->memory += d.memory_bytes;
      }
    }
    if (!s->reachable) continue;
    for (const auto& d : s->domains) {
      if (!d.metadata) continue;
      const Workload* w = world.inv.FindWorkload(d.metadata->workload);
      const bool current = w && Effective(*w, world.policy).spec_hash == d.metadata->spec_hash;
      by_workload[d.metadata->workload].push_back(
          {d.name, f.host->name, StateName(d.state), d.metadata->replica, current});
    }
  }

  for (auto& [name, reps] : by_workload) {
    std::sort(reps.begin(), reps.end(),
              [](const Replica& a, const Replica& b) { return a.replica < b.replica; });
  }
  if (format == OutputFormat::kJson) {
    nlohmann::json workloads = nlohmann::json::array();
    std::set<std::string> seen;
    auto emit = [&](const std::string& name, int desired, int level) {
      nlohmann::json reps = nlohmann::json::array();
      for (const auto& r : by_workload[name]) {
        reps.push_back({{"replica", r.replica},
                        {"domain", r.domain},
                        {"host", r.host},
                        {"state", r.state},
                        {"spec_current", r.current}});
      }
      workloads.push_back(
          {{"workload", name}, {"level", level}, {"desired", desired}, {"replicas", reps}});
      seen.insert(name);
    };
    for (const auto& w : world.inv.workloads) {
      emit(w.name, Effective(w, world.policy).replicas, w.security_level);
    }
    for (const auto& [name, reps] : by_workload) {
      if (!seen.count(name)) emit(name, 0, 0);
    }
    nlohmann::json providers = nlohmann::json::object(), zones = nlohmann::json::object();
    for (const auto& [n, u] : by_provider) providers[n] = UsageJson(u);
    for (const auto& [n, u] : by_zone) zones[n] = UsageJson(u);
    nlohmann::json unreachable = nlohmann::json::object();
    for (const auto& s : world.sessions) {
      if (!s->reachable) unreachable[s->ref.host->name] = s->error;
    }
    io.out << nlohmann::json{{"workloads", workloads},
                             {"providers", providers},
                             {"zones", zones},
                             {"unreachable", unreachable}}
                  .dump(2)
           << "\n";
    return kExitOk;
  }

  io.out << "Workloads:\n";
  std::set<std::string> seen;
  auto print = [&](const std::string& name, int desired, const std::string& label) {
    const auto& reps = by_workload[name];
    const auto running = std::count_if(reps.begin(), reps.end(),
                                       [](const Replica& r) { return r.state == "running"; });
    io.out << "  " << name << label << ": " << running << "/" << desired << " running\n";
    for (const auto& r : reps) {
      io.out << "    " << r.domain << " on " << r.host << ": " << r.state
             << (r.current ? "" : " (spec out of date)") << "\n";
    }
    seen.insert(name);
  };
  for (const auto& w : world.inv.workloads) {
    print(w.name, Effective(w, world.policy).replicas,
          " (level " + std::to_string(w.security_level) + ", " + w.agency + ")");
  }
  for (const auto& [name, reps] : by_workload) {
    if (!seen.count(name)) print(name, 0, " (not declared in the inputs)");
  }
  io.out << "\nCapacity by provider and zone (vCPUs used/capacity, memory used/capacity):\n";
  for (const auto& [name, u] : by_provider) {
    io.out << "  " << name << ": " << u.reachable << "/" << u.hosts << " hosts up, " << u.domains
           << " domains, vCPUs " << u.vcpus << "/" << u.vcpu_capacity << " ("
           << Percent(u.vcpus, u.vcpu_capacity) << "), memory " << FormatSize(u.memory) << "/"
           << FormatSize(u.memory_capacity) << " (" << Percent(u.memory, u.memory_capacity)
           << ")\n";
    for (const auto& [zname, z] : by_zone) {
      if (zname.rfind(name + "/", 0) != 0) continue;
      io.out << "    " << zname.substr(name.size() + 1) << ": " << z.reachable << "/" << z.hosts
             << " hosts up, " << z.domains << " domains, vCPUs " << z.vcpus << "/"
             << z.vcpu_capacity << ", memory " << FormatSize(z.memory) << "/"
             << FormatSize(z.memory_capacity) << "\n";
    }
  }
  bool header = false;
  for (const auto& s : world.sessions) {
    if (s->reachable) continue;
    if (!header) io.out << "\nUnreachable hosts (state unknown):\n";
    header = true;
    io.out << "  " << s->ref.host->name << ": " << s->error << "\n";
  }
  return kExitOk;
}

int CmdDrift(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("drift options");
  AddWorldOptions(desc);
  po::variables_map vm;
  if (auto code =
          ParseOptions(args, "egovctl drift -f PATH... [--output json]", desc, {}, vm, io)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const World world = LoadWorld(vm, JournalUse::kIfExists, "", false);
  std::vector<Drift> drift;
  std::map<std::string, PlacementWorkload> desired;
  for (const auto& w : world.inv.workloads) desired.emplace(w.name, Effective(w, world.policy));
  std::set<std::pair<std::string, int>> found, unknown;
  for (const auto& s : world.sessions) {
    const std::string& host = s->ref.host->name;
    if (!s->reachable) {
      std::string detail = "host unreachable: " + s->error;
      auto it = world.known.find(host);
      const size_t n = it == world.known.end() ? 0 : it->second.size();
      if (n) detail += "; " + std::to_string(n) + " managed domain(s) were last seen there";
      drift.push_back({"unknown", host, "", "", detail});
      if (it != world.known.end()) {
        for (const auto& k : it->second) unknown.emplace(k.workload, k.replica);
      }
      continue;
    }
    for (const auto& d : s->domains) {
      if (!d.metadata) {
        drift.push_back({"unmanaged", host, d.name, "", "not managed by egovctl (left alone)"});
        continue;
      }
      const DomainMetadata& m = *d.metadata;
      auto it = desired.find(m.workload);
      if (it == desired.end() || m.replica >= it->second.replicas ||
          !found.emplace(m.workload, m.replica).second) {
        drift.push_back({"extra", host, d.name, m.workload,
                         it == desired.end()                ? "workload not declared in the inputs"
                         : m.replica >= it->second.replicas ? "replica beyond the desired count"
                                                            : "duplicate of another replica"});
        continue;
      }
      const PlacementWorkload& w = it->second;
      if (m.spec_hash != w.spec_hash) {
        drift.push_back(
            {"modified", host, d.name, m.workload,
             "defined from an older spec (" + m.spec_hash + ", now " + w.spec_hash + ")"});
      } else if (d.vcpus != static_cast<unsigned>(w.resources.vcpus) ||
                 d.memory_bytes / 1024 != w.resources.memory / 1024) {
        drift.push_back({"modified", host, d.name, m.workload,
                         "resized outside egovctl: " + std::to_string(d.vcpus) + " vCPUs, " +
                             FormatSize(d.memory_bytes) +
                             " (spec: " + std::to_string(w.resources.vcpus) + " vCPUs, " +
                             FormatSize(w.resources.memory) + ")"});
      } else if (d.state != VIR_DOMAIN_RUNNING) {
        drift.push_back(
            {"modified", host, d.name, m.workload, std::string("domain is ") + StateName(d.state)});
      }
    }
  }
  for (const auto& [name, w] : desired) {
    for (int r = 0; r < w.replicas; ++r) {
      if (found.count({name, r})) continue;
      if (unknown.count({name, r})) continue;  // reported with its unreachable host
      drift.push_back({"missing", "", DomainName(name, r), name, "no domain on any host"});
    }
  }
  if (format == OutputFormat::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : drift) {
      items.push_back({{"class", d.kind},
                       {"host", d.host},
                       {"domain", d.domain},
                       {"workload", d.workload},
                       {"detail", d.detail}});
    }
    io.out << nlohmann::json{{"drift", items}, {"count", drift.size()}}.dump(2) << "\n";
  } else if (drift.empty()) {
    io.out << "No drift: every host matches the desired state.\n";
  } else {
    std::map<std::string, size_t> counts;
    for (const auto& d : drift) {
      ++counts[d.kind];
      io.out << "  " << d.kind << std::string(10 - std::min<size_t>(9, d.kind.size()), ' ')
             << (d.domain.empty() ? "-" : d.domain) << (d.host.empty() ? "" : " on " + d.host)
             << ": " << d.detail << "\n";
    }
    io.out << "\nDrift:";
    for (const auto& [k, n] : counts) io.out << " " << n << " " << k << ";";
    io.out << " run 'egovctl plan' to see the repair.\n";
  }
  return drift.empty() ? kExitOk : kExitChangesPending;
}

}  // namespace egov::orchestrator
