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
  return p.plan.HasChanges() ? kExitChangesPending : kExitOk;
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

Explanation Explain(const Planned& p, const Observation& observed, const std::string& wname,
                    const std::string& hname, const PlacementOptions& options) {
  size_t w = p.model.workloads.size(), h = p.model.hosts.size();
  for (size_t i = 0; i < p.model.workloads.size(); ++i) {
    if (p.model.workloads[i].name == wname) w = i;
  }
  for (size_t i = 0; i < p.model.hosts.size(); ++i) {
    if (p.model.hosts[i].name == hname) h = i;
  }
  if (w == p.model.workloads.size()) {
    throw ConfigError({"--workload", 0, 0}, "no workload named '" + wname + "' in the inputs");
  }
  if (h == p.model.hosts.size()) {
    throw ConfigError({"--host", 0, 0}, "no host named '" + hname + "' in the inputs");
  }
  Explanation e{&p.model.workloads[w], &p.model.hosts[h], options.seed, {}, {}};
  e.replicas =
      ExplainHost(p.model.hosts, p.model.workloads, p.model.existing, options, p.placement, w, h);
  // The compliance reasons say what the host's result has.
  const std::string why = ComplianceReason(observed, hname, e.workload->profile);
  for (auto& r : e.replicas) {
    for (size_t i = 0; i < r.reasons.size(); ++i) {
      if (!why.empty() &&
          (r.reasons[i] == Reason::kNotCompliant || r.reasons[i] == Reason::kComplianceUnknown)) {
        r.texts[i] += ": " + why;
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

int CmdExplain(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("explain options");
  AddWorldOptions(desc);
  AddPlacementOptions(desc);
  desc.add_options()("workload,w", po::value<std::string>()->required(), "the workload")(
      "host,H", po::value<std::string>()->required(), "the host to explain");
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "explain --workload W --host H -f PATH...",
                                        desc, {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const PlacementOptions options = ReadPlacementOptions(vm);
  const World world = LoadWorld(ReadWorldOptions(vm, io.err), JournalUse::kIfExists);
  const Planned p = MakePlan(world.inv, world.policy, world.observed, options);
  const Explanation e = Explain(p, world.observed, vm["workload"].as<std::string>(),
                                vm["host"].as<std::string>(), options);
  if (format == OutputFormat::kJson) {
    io.out << ToJson(e).dump(2) << "\n";
  } else {
    PrintExplanation(e, io.out);
  }
  return kExitOk;
}

}  // namespace egov::orchestrator
