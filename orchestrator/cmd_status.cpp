#include <functional>
#include <ostream>

#include "common/command_line.h"
#include "common/units.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/desired.h"
#include "orchestrator/drift.h"
#include "orchestrator/options.h"
#include "orchestrator/status.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

namespace {

// Status and drift only look: the same options, the journal only if there is one. `report`
// prints what it finds in the world in the format asked for and returns the exit code.
int ReportOnWorld(const std::vector<std::string>& args, CommandIo io, const std::string& command,
                  bool read_compliance,
                  const std::function<int(const World&, OutputFormat)>& report) {
  po::options_description desc(command + " options");
  AddWorldOptions(desc);
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egovctl", args, command + " -f PATH... [--format text|json]", desc,
                                {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  return report(LoadWorld(ReadWorldOptions(vm, io.err), JournalUse::kIfExists, "", read_compliance),
                format);
}

}  // namespace

int CmdStatus(const std::vector<std::string>& args, CommandIo io) {
  return ReportOnWorld(args, io, "status", true, [&](const World& world, OutputFormat format) {
    const FleetStatus status =
        AggregateStatus(world.inv, world.policy, world.observed, std::chrono::system_clock::now());
    if (format == OutputFormat::kJson) {
      io.out << ToJson(status).dump(2) << "\n";
    } else {
      PrintStatus(status, io.out);
    }
    return kExitOk;
  });
}

int CmdDrift(const std::vector<std::string>& args, CommandIo io) {
  // Drift judges hosts as plan does (compliance included), so it reports what plan repairs:
  // replicas on hosts that no longer qualify among them.
  return ReportOnWorld(args, io, "drift", true, [&](const World& world, OutputFormat format) {
    PlacementOptions options;
    options.today = Today();
    const Planned p = MakePlan(world.inv, world.policy, world.observed, options);
    const std::vector<Drift> drift = DetectDrift(p.model.workloads, world.observed.hosts,
                                                 world.observed.known, ViewOfPlan(p.plan));
    if (format == OutputFormat::kJson) {
      io.out << DriftToJson(drift).dump(2) << "\n";
    } else {
      PrintDrift(drift, io.out);
    }
    return drift.empty() ? kExitOk : kExitChangesPending;
  });
}

}  // namespace egov::orchestrator
