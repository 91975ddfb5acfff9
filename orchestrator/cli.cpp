#include "orchestrator/cli.h"

#include <ostream>

#include "common/diagnostics.h"
#include "common/version.h"
#include "orchestrator/commands.h"

namespace egov::orchestrator {
namespace {

struct NamedCommand {
  const char* name;
  const char* summary;
  Command* run;
};

const std::vector<NamedCommand>& Commands() {
  static const std::vector<NamedCommand> kCommands = {
      {"validate", "check providers, workloads, policies, profiles and waivers", CmdValidate},
      {"audit", "fleet compliance report for auditors (html, json, csv); verify; diff", CmdAudit},
      {"plan", "show what apply would change on the hosts, and why", CmdPlan},
      {"apply", "carry out a plan on the hosts (journaled, under a lock)", CmdApply},
      {"destroy", "remove the domains of some or all workloads", CmdDestroy},
      {"status", "replicas per workload, capacity per provider and zone", CmdStatus},
      {"drift", "what differs between the hosts and the desired state", CmdDrift},
      {"explain", "why a workload's replicas do or do not go on a host", CmdExplain},
      {"images", "base images on each host: list; prune those no replica uses", CmdImages},
      {"targets", "Prometheus file_sd targets for every host's agent", CmdTargets},
      {"history", "the recent runs of apply and destroy, from the journal", CmdHistory},
      {"state", "state migrate: copy the journal to another store (sqlite:// to etcd://)",
       CmdState},
      {"force-unlock", "remove a journal lock left by an operator who is gone", CmdForceUnlock},
  };
  return kCommands;
}

void PrintUsage(std::ostream& out) {
  out << "egovctl - place and run e-government workloads on certified clouds\n\n"
         "Usage: egovctl COMMAND [OPTIONS]\n\nCommands:\n";
  for (const auto& c : Commands()) {
    out << "  " << c.name << std::string(14 - std::string(c.name).size(), ' ') << c.summary << "\n";
  }
  out << "\nRun 'egovctl COMMAND --help' for a command's options.\n"
         "Exit codes: 0 success, 1 failure, 2 invalid input, 3 changes pending or replicas "
         "unplaced (plan).\n";
}

}  // namespace

int RunEgovctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintUsage(args.empty() ? err : out);
    return args.empty() ? kExitInvalidInput : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    out << "egovctl " << kVersion << " (revision " << kRevision << ")\n";
    return kExitOk;
  }
  for (const auto& c : Commands()) {
    if (args[0] != c.name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
      return c.run(rest, CommandIo{out, err});
    } catch (const ConfigError& e) {
      for (const auto& d : e.diagnostics()) err << FormatDiagnostic(d) << "\n";
      return kExitInvalidInput;
    } catch (const std::exception& e) {
      err << "egovctl " << c.name << ": " << e.what() << "\n";
      return kExitFailure;
    }
  }
  err << "egovctl: unknown command '" << args[0] << "'\n\n";
  PrintUsage(err);
  return kExitInvalidInput;
}

}  // namespace egov::orchestrator
