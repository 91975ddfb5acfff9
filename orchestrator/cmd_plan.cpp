#include <fstream>
#include <iomanip>
#include <ostream>

#include "common/command_line.h"
#include "common/files.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/options.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

int CmdPlan(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("plan options");
  AddWorldOptions(desc);
  AddPlacementOptions(desc);
  AddCertWarningOption(desc);
  cli::AddOutputOption(desc, "also save the plan as JSON to FILE, for apply");
  desc.add_options()("show-unchanged", po::bool_switch(), "list unchanged replicas too");
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "plan -f PATH... [-o plan.json] [options]",
                                        desc, {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const std::optional<std::string> saved = cli::ReadOutputFile(vm, {"text", "json"});
  const PlacementOptions options = ReadPlacementOptions(vm);
  const std::chrono::days cert_warning = ReadCertWarning(vm);
  const World world = LoadWorld(ReadWorldOptions(vm, io.err), JournalUse::kIfExists);
  WarnOfExpiringCertifications(world.inv, cert_warning, io.err);
  const Planned p = MakePlan(world.inv, world.policy, world.observed, options);
  const nlohmann::json j = ToJson(p.plan);
  if (saved) WriteFileAtomically(*saved, j.dump(2) + "\n");
  if (format == OutputFormat::kJson) {
    io.out << j.dump(2) << "\n";
  } else {
    PrintPlan(p.plan, io.out, vm["show-unchanged"].as<bool>());
    if (saved) io.out << "Saved to " << *saved << ".\n";
  }
  // Unplaced replicas are pending too: the hosts are not in the desired state.
  return p.plan.Pending() ? kExitChangesPending : kExitOk;
}

namespace {

// Why one workload's replicas do or do not go on one host, with where each went.
struct Explanation {
  const PlacementWorkload* workload = nullptr;
  const PlacementHost* host = nullptr;
  uint64_t seed = 0;
  std::vector<HostExplanation> replicas;
  std::vector<std::string> placed_on;  ///< per replica: its host, or empty
};

size_t WorkloadIndex(const PlanningModel& m, const std::string& name) {
  for (size_t i = 0; i < m.workloads.size(); ++i) {
    if (m.workloads[i].name == name) return i;
  }
  throw ConfigError({"--workload", 0, 0}, "no workload named '" + name + "' in the inputs");
}

// Host `h` explained for workload `w`, as ExplainHosts found it.
Explanation Explain(const Planned& p, const Observation& observed, size_t w, size_t h,
                    std::vector<HostExplanation> replicas, const PlacementOptions& options) {
  const std::string& hname = p.model.hosts[h].name;
  Explanation e{&p.model.workloads[w], &p.model.hosts[h], options.seed, std::move(replicas), {}};
  // The compliance reasons say what the host's result has.
  const std::string why = ComplianceReason(observed, hname, e.workload->profile);
  // Separation names the domains in the way, as the host runs them now.
  std::string domains;
  constexpr size_t kNamed = 8;
  const auto& found = observed.hosts[h].domains;
  for (size_t i = 0; i < found.size() && i < kNamed; ++i) {
    domains += (i ? ", " : ": ") + found[i].name + (found[i].metadata ? "" : " (unmanaged)");
  }
  if (found.size() > kNamed) domains += " and " + std::to_string(found.size() - kNamed) + " more";
  for (auto& r : e.replicas) {
    for (size_t i = 0; i < r.reasons.size(); ++i) {
      if (!why.empty() &&
          (r.reasons[i] == Reason::kNotCompliant || r.reasons[i] == Reason::kComplianceUnknown)) {
        r.texts[i] += ": " + why;
      }
      if (r.reasons[i] == Reason::kRunsOtherSystems || r.reasons[i] == Reason::kDedicatedHost) {
        r.texts[i] += domains;
      }
    }
  }
  for (const auto& r : e.replicas) {
    std::string where;
    for (const auto& a : p.placement.assignments) {
      if (a.workload == w && a.replica == r.replica && a.host >= 0) {
        where = p.model.hosts[static_cast<size_t>(a.host)].name;
      }
    }
    e.placed_on.push_back(where);
  }
  return e;
}

nlohmann::json ToJson(const Explanation& e) {
  nlohmann::json replicas = nlohmann::json::array();
  for (size_t k = 0; k < e.replicas.size(); ++k) {
    const HostExplanation& r = e.replicas[k];
    nlohmann::json reasons = nlohmann::json::array();
    for (size_t i = 0; i < r.reasons.size(); ++i) {
      reasons.push_back({{"code", ReasonCode(r.reasons[i])}, {"text", r.texts[i]}});
    }
    replicas.push_back({{"replica", r.replica},
                        {"placed_here", r.placed_here},
                        {"eligible", r.eligible},
                        {"score", r.score},
                        {"placed_on", e.placed_on[k]},
                        {"reasons", reasons}});
  }
  return {{"workload", e.workload->name},
          {"host", e.host->name},
          {"seed", e.seed},
          {"replicas", replicas}};
}

void PrintExplanation(const Explanation& e, std::ostream& out) {
  const PlacementWorkload& wl = *e.workload;
  out << "Workload " << wl.name << " (level " << wl.level << ", " << wl.replicas
      << " replicas, spread " << ToString(wl.spread) << ", separation " << ToString(wl.separation)
      << ") on host " << e.host->name << " (" << e.host->provider << "/" << e.host->zone
      << "), seed " << e.seed << ":\n";
  for (size_t k = 0; k < e.replicas.size(); ++k) {
    const HostExplanation& r = e.replicas[k];
    const std::string& where = e.placed_on[k];
    out << "  replica " << r.replica << ": ";
    if (r.placed_here) {
      out << "placed here\n";
    } else if (r.eligible) {
      out << "eligible (score " << std::fixed << std::setprecision(1) << r.score
          << "), but placed on " << (where.empty() ? "no host" : where) << "\n";
    } else {
      out << "refused here: ";
      for (size_t i = 0; i < r.texts.size(); ++i) {
        out << (i ? "; " : "") << r.texts[i] << " [" << ReasonCode(r.reasons[i]) << "]";
      }
      out << "\n             "
          << (where.empty() ? "cannot be placed anywhere" : "placed on " + where) << "\n";
    }
  }
}

}  // namespace

// A workload over every host: where each replica is, the best hosts for the first replica
// without one (else replica 0) and, grouped by first reason, why the others refuse it.
struct WorkloadExplanation {
  const PlacementWorkload* workload = nullptr;
  uint64_t seed = 0;
  std::vector<std::string> placed_on;     ///< per replica: its host, or empty
  std::vector<const Unplaced*> unplaced;  ///< per replica, or nullptr
  int replica = 0;                        ///< the replica the hosts are judged for
  struct Candidate {
    std::string host;
    double score = 0;
    bool here = false;  ///< the replica is placed there
  };
  std::vector<Candidate> best;  ///< where it is first, then the best
  struct Group {
    Reason reason;
    std::string text;
    std::vector<std::string> hosts;
  };
  std::vector<Group> refused;  ///< most hosts first
};

WorkloadExplanation ExplainWorkload(const Planned& p, size_t w, const PlacementOptions& options) {
  const auto all =
      ExplainHosts(p.model.hosts, p.model.workloads, p.model.existing, options, p.placement, w);
  WorkloadExplanation e{&p.model.workloads[w], options.seed, {}, {}, 0, {}, {}};
  bool found = false;
  for (const auto& a : p.placement.assignments) {
    if (a.workload != w) continue;
    e.placed_on.push_back(a.host >= 0 ? p.model.hosts[static_cast<size_t>(a.host)].name : "");
    const Unplaced* u = nullptr;
    for (const auto& x : p.plan.unplaced) {
      if (x.workload == e.workload->name && x.replica == a.replica) u = &x;
    }
    e.unplaced.push_back(u);
    if (a.host < 0 && !found) {
      e.replica = a.replica;
      found = true;
    }
  }
  std::map<Reason, size_t> group;
  for (size_t h = 0; h < all.size(); ++h) {
    for (const HostExplanation& r : all[h]) {
      if (r.replica != e.replica) continue;
      if (r.eligible) {
        e.best.push_back({p.model.hosts[h].name, r.score, r.placed_here});
        continue;
      }
      auto [it, fresh] = group.emplace(r.reasons.front(), e.refused.size());
      if (fresh) e.refused.push_back({r.reasons.front(), r.texts.front(), {}});
      e.refused[it->second].hosts.push_back(p.model.hosts[h].name);
    }
  }
  std::stable_sort(e.best.begin(), e.best.end(), [](const auto& a, const auto& b) {
    return a.here != b.here ? a.here : a.score > b.score;
  });
  constexpr size_t kBest = 5;
  if (e.best.size() > kBest) e.best.resize(kBest);
  std::stable_sort(e.refused.begin(), e.refused.end(),
                   [](const auto& a, const auto& b) { return a.hosts.size() > b.hosts.size(); });
  return e;
}

nlohmann::json ToJson(const WorkloadExplanation& e) {
  nlohmann::json replicas = nlohmann::json::array();
  for (size_t r = 0; r < e.placed_on.size(); ++r) {
    nlohmann::json j = {{"replica", r}, {"placed_on", e.placed_on[r]}};
    if (const Unplaced* u = e.unplaced[r]) {
      j["summary"] = u->summary;
      j["in_the_way"] = u->in_the_way;
      j["to_make_room"] = u->to_make_room;
      if (!u->room_on.empty()) j["room_on"] = u->room_on;
    }
    replicas.push_back(std::move(j));
  }
  nlohmann::json best = nlohmann::json::array(), refused = nlohmann::json::array();
  for (const auto& c : e.best) {
    best.push_back({{"host", c.host}, {"score", c.score}, {"placed_here", c.here}});
  }
  for (const auto& g : e.refused) {
    refused.push_back({{"code", ReasonCode(g.reason)}, {"text", g.text}, {"hosts", g.hosts}});
  }
  return {{"workload", e.workload->name},    {"seed", e.seed}, {"replicas", replicas},
          {"judged_for_replica", e.replica}, {"best", best},   {"refused", refused}};
}

void PrintWorkloadExplanation(const WorkloadExplanation& e, std::ostream& out) {
  const PlacementWorkload& wl = *e.workload;
  out << "Workload " << wl.name << " (level " << wl.level << ", " << wl.replicas
      << " replicas, spread " << ToString(wl.spread) << ", separation " << ToString(wl.separation)
      << "), seed " << e.seed << ":\n";
  for (size_t r = 0; r < e.placed_on.size(); ++r) {
    out << "  replica " << r << ": ";
    if (!e.placed_on[r].empty()) {
      out << "on " << e.placed_on[r] << "\n";
      continue;
    }
    const Unplaced* u = e.unplaced[r];
    out << "cannot be placed: " << (u ? u->summary : "") << "\n";
    if (!u) continue;
    if (!u->host.empty())
      out << "    stays on " << u->host << " (must move: " << u->must_move << ")\n";
    if (!u->room_on.empty()) out << "    room is made on " << u->room_on << " by this plan\n";
    for (const auto& b : u->in_the_way) out << "    in the way: " << b << "\n";
    if (u->room_on.empty()) {
      for (const auto& m : u->to_make_room) out << "    would make room: " << m << "\n";
    }
  }
  constexpr size_t kNamed = 8;
  out << "\nHosts for replica " << e.replica << ":\n";
  if (e.best.empty()) out << "  none qualifies\n";
  for (const auto& c : e.best) {
    out << "  " << c.host << ": ";
    if (c.here) {
      out << "replica " << e.replica << " is here\n";
    } else {
      out << "eligible (score " << std::fixed << std::setprecision(1) << c.score << ")\n";
    }
  }
  for (const auto& g : e.refused) {
    out << "  " << g.hosts.size() << " refused: " << g.text << " [" << ReasonCode(g.reason) << "]:";
    for (size_t i = 0; i < g.hosts.size() && i < kNamed; ++i) out << (i ? ", " : " ") << g.hosts[i];
    if (g.hosts.size() > kNamed) out << " and " << g.hosts.size() - kNamed << " more";
    out << "\n";
  }
}

int CmdExplain(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("explain options");
  AddWorldOptions(desc);
  AddPlacementOptions(desc);
  desc.add_options()("workload,w", po::value<std::string>()->required(), "the workload")(
      "host,H", po::value<std::string>(),
      "the host to explain (default: the best hosts and why "
      "the others refuse)");
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egovctl", args, "explain --workload W [--host H] -f PATH...", desc,
                                {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const PlacementOptions options = ReadPlacementOptions(vm);
  const World world = LoadWorld(ReadWorldOptions(vm, io.err), JournalUse::kIfExists);
  const Planned p = MakePlan(world.inv, world.policy, world.observed, options);
  const size_t w = WorkloadIndex(p.model, vm["workload"].as<std::string>());
  if (!vm.count("host")) {
    const WorkloadExplanation e = ExplainWorkload(p, w, options);
    if (format == OutputFormat::kJson) {
      io.out << ToJson(e).dump(2) << "\n";
    } else {
      PrintWorkloadExplanation(e, io.out);
    }
    return kExitOk;
  }
  const std::string hname = vm["host"].as<std::string>();
  size_t h = p.model.hosts.size();
  for (size_t i = 0; i < p.model.hosts.size(); ++i) {
    if (p.model.hosts[i].name == hname) h = i;
  }
  if (h == p.model.hosts.size()) {
    throw ConfigError({"--host", 0, 0}, "no host named '" + hname + "' in the inputs");
  }
  const Explanation e = Explain(
      p, world.observed, w, h,
      ExplainHost(p.model.hosts, p.model.workloads, p.model.existing, options, p.placement, w, h),
      options);
  if (format == OutputFormat::kJson) {
    io.out << ToJson(e).dump(2) << "\n";
  } else {
    PrintExplanation(e, io.out);
  }
  return kExitOk;
}

}  // namespace egov::orchestrator
