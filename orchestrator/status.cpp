#include "orchestrator/status.h"

#include <algorithm>
#include <ostream>

#include "common/clock.h"
#include "common/units.h"
#include "orchestrator/desired.h"

namespace egov::orchestrator {
namespace {

void AddUsage(Usage& u, const ObservedHost& h) {
  ++u.hosts;
  u.vcpu_capacity += static_cast<uint64_t>(h.ref.host->capacity.vcpus);
  u.memory_capacity += h.ref.host->capacity.memory;
  if (!h.reachable) return;
  ++u.reachable;
  for (const auto& d : h.domains) {
    ++u.domains;
    u.vcpus += d.vcpus;
    u.memory += d.memory_bytes;
  }
}

nlohmann::json UsageJson(const Usage& u) {
  return {{"hosts", u.hosts},
          {"reachable", u.reachable},
          {"domains", u.domains},
          {"vcpus_used", u.vcpus},
          {"vcpus", u.vcpu_capacity},
          {"memory_used_bytes", u.memory},
          {"memory_bytes", u.memory_capacity}};
}

const char* ComplianceName(Compliance c) {
  return c == Compliance::kPass ? "pass" : c == Compliance::kFail ? "fail" : "unknown";
}

std::string Percent(uint64_t used, uint64_t total) {
  if (total == 0) return "-";
  return std::to_string(used * 100 / total) + "%";
}

void PrintWorkload(const WorkloadStatus& w, const FleetStatus& s, std::ostream& out) {
  const auto running = std::count_if(w.replicas.begin(), w.replicas.end(),
                                     [](const ReplicaStatus& r) { return r.state == "running"; });
  out << "  " << w.name
      << (w.declared ? " (level " + std::to_string(w.level) + ", " + w.agency + ")"
                     : std::string(" (not declared in the inputs)"))
      << ": " << running << "/" << w.desired << " running\n";
  for (const auto& r : w.replicas) {
    out << "    " << r.domain << " on " << r.host << ": " << r.state;
    if (r.state == "unknown" && s.fenced.contains(r.host)) {
      out << " (host declared failed: not asked; re-created elsewhere)";
    } else if (r.state == "unknown") {
      auto last = s.last_read.find(r.host);
      out << " (host unreachable"
          << (last == s.last_read.end() ? "" : ", last read " + last->second.second + " ago")
          << ")";
    }
    out << (r.current ? "" : " (spec out of date)") << "\n";
  }
}

void PrintCapacity(const FleetStatus& s, std::ostream& out) {
  out << "\nCapacity by provider and zone (vCPUs used/capacity, memory used/capacity):\n";
  for (const auto& [name, u] : s.providers) {
    out << "  " << name << ": " << u.reachable << "/" << u.hosts << " hosts up, " << u.domains
        << " domains, vCPUs " << u.vcpus << "/" << u.vcpu_capacity << " ("
        << Percent(u.vcpus, u.vcpu_capacity) << "), memory " << FormatSize(u.memory) << "/"
        << FormatSize(u.memory_capacity) << " (" << Percent(u.memory, u.memory_capacity) << ")\n";
    for (const auto& [zname, z] : s.zones) {
      if (zname.rfind(name + "/", 0) != 0) continue;
      out << "    " << zname.substr(name.size() + 1) << ": " << z.reachable << "/" << z.hosts
          << " hosts up, " << z.domains << " domains, vCPUs " << z.vcpus << "/" << z.vcpu_capacity
          << ", memory " << FormatSize(z.memory) << "/" << FormatSize(z.memory_capacity) << "\n";
    }
  }
}

}  // namespace

FleetStatus AggregateStatus(const Inventory& inv, const Policy& policy,
                            const std::vector<ObservedHost>& hosts,
                            const ComplianceByHost& compliance) {
  FleetStatus s;
  for (const auto& p : inv.providers) {
    s.certification_expires[p.name] = p.certification.expires;
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) {
        if (h.state == HostState::kFailed) s.fenced.insert(h.name);
      }
    }
  }
  std::map<std::string, std::string> spec;  // workload -> current spec hash
  for (const auto& w : inv.workloads) {
    const PlacementWorkload e = Effective(w, policy);
    spec[w.name] = e.spec_hash;
    s.workloads.push_back({w.name, true, w.security_level, w.agency, e.replicas, {}});
  }
  std::map<std::string, std::vector<ReplicaStatus>> found;
  for (const auto& h : hosts) {
    const FleetHost& f = h.ref;
    AddUsage(s.providers[f.provider->name], h);
    AddUsage(s.zones[f.provider->name + "/" + f.zone->name], h);
    if (auto it = compliance.find(f.host->name); it != compliance.end()) {
      for (const auto& [profile, v] : it->second) {
        s.compliance.push_back({f.host->name, profile, v.compliance, v.reason});
      }
    }
    if (!h.reachable) {
      s.unreachable.emplace_back(f.host->name, h.error);
      continue;
    }
    for (const auto& d : h.domains) {
      if (!d.metadata) continue;
      auto current = spec.find(d.metadata->workload);
      found[d.metadata->workload].push_back(
          {d.metadata->replica, d.name, f.host->name, StateName(d.state),
           current != spec.end() && current->second == d.metadata->spec_hash});
    }
  }
  for (auto& w : s.workloads) {
    if (auto it = found.find(w.name); it != found.end()) {
      w.replicas = std::move(it->second);
      found.erase(it);
    }
  }
  for (auto& [name, replicas] : found) {
    s.workloads.push_back({name, false, 0, "", 0, std::move(replicas)});
  }
  for (auto& w : s.workloads) {
    std::stable_sort(
        w.replicas.begin(), w.replicas.end(),
        [](const ReplicaStatus& a, const ReplicaStatus& b) { return a.replica < b.replica; });
  }
  return s;
}

std::string Ago(std::chrono::seconds elapsed) {
  static constexpr std::pair<const char*, int64_t> kUnits[] = {
      {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
  int64_t left = std::max<int64_t>(0, elapsed.count());
  std::string out;
  int shown = 0;
  for (const auto& [suffix, seconds] : kUnits) {
    if (shown == 0 && left < seconds && seconds > 1) continue;  // no leading zero units
    out += (shown ? " " : "") + std::to_string(left / seconds) + suffix;
    left %= seconds;
    if (++shown == 2) break;
  }
  return out;
}

FleetStatus AggregateStatus(const Inventory& inv, const Policy& policy, const Observation& observed,
                            std::chrono::system_clock::time_point now) {
  FleetStatus s = AggregateStatus(inv, policy, observed.hosts, observed.compliance);
  for (const auto& [host, when] : observed.last_read) {
    if (auto t = ParseTimestamp(when)) {
      s.last_read[host] = {when, Ago(std::chrono::floor<std::chrono::seconds>(now - *t))};
    }
  }
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < s.workloads.size(); ++i) index[s.workloads[i].name] = i;
  for (const auto& [host, domains] : observed.known) {
    for (const auto& k : domains) {
      auto it = index.find(k.workload);
      if (it == index.end()) {
        it = index.emplace(k.workload, s.workloads.size()).first;
        s.workloads.push_back({k.workload, false, 0, "", 0, {}});
      }
      WorkloadStatus& w = s.workloads[it->second];
      const bool current =
          w.declared && Effective(*inv.FindWorkload(w.name), policy).spec_hash == k.spec_hash;
      w.replicas.push_back({k.replica, k.name, host, "unknown", current});
    }
  }
  for (auto& w : s.workloads) {
    std::stable_sort(
        w.replicas.begin(), w.replicas.end(),
        [](const ReplicaStatus& a, const ReplicaStatus& b) { return a.replica < b.replica; });
  }
  return s;
}

nlohmann::json ToJson(const FleetStatus& s) {
  nlohmann::json workloads = nlohmann::json::array();
  for (const auto& w : s.workloads) {
    nlohmann::json reps = nlohmann::json::array();
    for (const auto& r : w.replicas) {
      reps.push_back({{"replica", r.replica},
                      {"domain", r.domain},
                      {"host", r.host},
                      {"state", r.state},
                      {"spec_current", r.current}});
    }
    workloads.push_back(
        {{"workload", w.name}, {"level", w.level}, {"desired", w.desired}, {"replicas", reps}});
  }
  nlohmann::json providers = nlohmann::json::object(), zones = nlohmann::json::object();
  for (const auto& [n, u] : s.providers) {
    providers[n] = UsageJson(u);
    if (auto it = s.certification_expires.find(n); it != s.certification_expires.end()) {
      providers[n]["certification_expires"] = FormatDate(it->second);
    }
  }
  for (const auto& [n, u] : s.zones) zones[n] = UsageJson(u);
  nlohmann::json unreachable = nlohmann::json::object(), last_read = nlohmann::json::object();
  for (const auto& [host, error] : s.unreachable) unreachable[host] = error;
  for (const auto& [host, when] : s.last_read) last_read[host] = when.first;
  nlohmann::json compliance = nlohmann::json::array();
  for (const auto& c : s.compliance) {
    compliance.push_back({{"host", c.host},
                          {"profile", c.profile},
                          {"status", ComplianceName(c.compliance)},
                          {"reason", c.reason}});
  }
  return {{"workloads", workloads},     {"providers", providers}, {"zones", zones},
          {"unreachable", unreachable}, {"last_read", last_read}, {"compliance", compliance}};
}

void PrintStatus(const FleetStatus& s, std::ostream& out) {
  out << "Workloads:\n";
  for (const auto& w : s.workloads) PrintWorkload(w, s, out);
  PrintCapacity(s, out);
  if (!s.certification_expires.empty()) out << "\nCertification expires:\n";
  for (const auto& [provider, date] : s.certification_expires) {
    out << "  " << provider << ": " << FormatDate(date) << "\n";
  }
  if (!s.unreachable.empty()) out << "\nUnreachable hosts (state unknown):\n";
  for (const auto& [host, error] : s.unreachable) {
    out << "  " << host << ": " << error;
    if (auto last = s.last_read.find(host); last != s.last_read.end()) {
      out << "; last read by apply " << last->second.first << " (" << last->second.second
          << " ago)";
    }
    out << "\n";
  }
  // One line per host and reason: a host without an agent is unknown for every profile alike.
  std::string line;
  const ComplianceStatus* last = nullptr;
  auto flush = [&] {
    if (last) {
      out << line << " " << ComplianceName(last->compliance) << ": " << last->reason << "\n";
    }
  };
  for (const auto& c : s.compliance) {
    if (c.compliance == Compliance::kPass) continue;
    if (last && last->host == c.host && last->compliance == c.compliance &&
        last->reason == c.reason) {
      line += ", " + c.profile;
      continue;
    }
    if (!last) out << "\nHosts that do not pass the policy's profiles:\n";
    flush();
    line = "  " + c.host + ": " + c.profile;
    last = &c;
  }
  flush();
}

}  // namespace egov::orchestrator
