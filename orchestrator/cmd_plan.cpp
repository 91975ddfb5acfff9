#include <fstream>
#include <iomanip>
#include <ostream>

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
  desc.add_options()("out,o", po::value<std::string>(),
                     "also save the plan as JSON to this file, for apply")(
      "show-unchanged", po::bool_switch(), "list unchanged replicas too");
  po::variables_map vm;
  if (auto code = ParseOptions(args, "egovctl plan -f PATH... [-o plan.json] [options]", desc, {},
                               vm, io)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const PlacementOptions options = ReadPlacementOptions(vm);
  const World world = LoadWorld(ReadWorldOptions(vm), JournalUse::kIfExists);
  const Planned p = MakePlan(world.inv, world.policy, world.observed, options);
  const nlohmann::json j = ToJson(p.plan);
  if (vm.count("out")) {
    WriteFileAtomically(vm["out"].as<std::string>(), j.dump(2) + "\n");
  }
  if (format == OutputFormat::kJson) {
    io.out << j.dump(2) << "\n";
  } else {
    PrintPlan(p.plan, io.out, vm["show-unchanged"].as<bool>());
    if (vm.count("out")) io.out << "Saved to " << vm["out"].as<std::string>() << ".\n";
  }
  return p.plan.HasChanges() ? kExitChangesPending : kExitOk;
}

int CmdExplain(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("explain options");
  AddWorldOptions(desc);
  AddPlacementOptions(desc);
  desc.add_options()("workload,w", po::value<std::string>()->required(), "the workload")(
      "host,H", po::value<std::string>()->required(), "the host to explain");
  po::variables_map vm;
  if (auto code = ParseOptions(args, "egovctl explain --workload W --host H -f PATH...", desc, {},
                               vm, io)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const PlacementOptions options = ReadPlacementOptions(vm);
  const World world = LoadWorld(ReadWorldOptions(vm), JournalUse::kIfExists);
  const Planned p = MakePlan(world.inv, world.policy, world.observed, options);
  const std::string wname = vm["workload"].as<std::string>();
  const std::string hname = vm["host"].as<std::string>();
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
  const auto explained =
      ExplainHost(p.model.hosts, p.model.workloads, p.model.existing, options, p.placement, w, h);
  const PlacementWorkload& wl = p.model.workloads[w];
  const PlacementHost& host = p.model.hosts[h];
  auto placed_on = [&](int replica) -> std::string {
    for (const auto& a : p.placement.assignments) {
      if (a.workload == w && a.replica == replica && a.host >= 0) {
        return p.model.hosts[static_cast<size_t>(a.host)].name;
      }
    }
    return {};
  };
  if (format == OutputFormat::kJson) {
    nlohmann::json replicas = nlohmann::json::array();
    for (const auto& e : explained) {
      nlohmann::json reasons = nlohmann::json::array();
      for (size_t i = 0; i < e.reasons.size(); ++i) {
        reasons.push_back({{"code", ReasonCode(e.reasons[i])}, {"text", e.texts[i]}});
      }
      replicas.push_back({{"replica", e.replica},
                          {"placed_here", e.placed_here},
                          {"eligible", e.eligible},
                          {"score", e.score},
                          {"placed_on", placed_on(e.replica)},
                          {"reasons", reasons}});
    }
    io.out << nlohmann::json{{"workload", wname},
                             {"host", hname},
                             {"seed", options.seed},
                             {"replicas", replicas}}
                  .dump(2)
           << "\n";
    return kExitOk;
  }
  io.out << "Workload " << wname << " (level " << wl.level << ", " << wl.replicas
         << " replicas, spread " << ToString(wl.spread) << ", separation "
         << ToString(wl.separation) << ") on host " << hname << " (" << host.provider << "/"
         << host.zone << "), seed " << options.seed << ":\n";
  for (const auto& e : explained) {
    const std::string where = placed_on(e.replica);
    io.out << "  replica " << e.replica << ": ";
    if (e.placed_here) {
      io.out << "placed here\n";
    } else if (e.eligible) {
      io.out << "eligible (score " << std::fixed << std::setprecision(1) << e.score
             << "), but placed on " << (where.empty() ? "no host" : where) << "\n";
    } else {
      io.out << "refused here: ";
      for (size_t i = 0; i < e.texts.size(); ++i) {
        io.out << (i ? "; " : "") << e.texts[i] << " [" << ReasonCode(e.reasons[i]) << "]";
      }
      io.out << "\n             "
             << (where.empty() ? "cannot be placed anywhere" : "placed on " + where) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace egov::orchestrator
