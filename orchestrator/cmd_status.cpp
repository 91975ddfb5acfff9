#include <ostream>

#include "common/command_line.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/desired.h"
#include "orchestrator/drift.h"
#include "orchestrator/options.h"
#include "orchestrator/status.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

int CmdStatus(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("status options");
  AddWorldOptions(desc);
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "status -f PATH... [--format text|json]",
                                        desc, {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const World world = LoadWorld(ReadWorldOptions(vm), JournalUse::kIfExists, "", false);
  const FleetStatus status = AggregateStatus(world.inv, world.policy, world.observed.hosts);
  if (format == OutputFormat::kJson) {
    io.out << ToJson(status).dump(2) << "\n";
  } else {
    PrintStatus(status, io.out);
  }
  return kExitOk;
}

int CmdDrift(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("drift options");
  AddWorldOptions(desc);
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "drift -f PATH... [--format text|json]",
                                        desc, {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const World world = LoadWorld(ReadWorldOptions(vm), JournalUse::kIfExists, "", false);
  std::vector<PlacementWorkload> desired;
  for (const auto& w : world.inv.workloads) desired.push_back(Effective(w, world.policy));
  const std::vector<Drift> drift = DetectDrift(desired, world.observed.hosts, world.observed.known);
  if (format == OutputFormat::kJson) {
    io.out << DriftToJson(drift).dump(2) << "\n";
  } else {
    PrintDrift(drift, io.out);
  }
  return drift.empty() ? kExitOk : kExitChangesPending;
}

}  // namespace egov::orchestrator
