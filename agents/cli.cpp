#include "agents/cli.h"

#include <ostream>

#include "agents/commands.h"
#include "common/diagnostics.h"
#include "common/version.h"

namespace egov::agent {
namespace {

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

std::vector<Command> Commands(CommandFn run) {
  return {
      {"scan", "check this host (or --root DIR) against compliance profiles", CmdScan},
      {"diff", "compare two scan results: newly failing, newly passing, ...", CmdDiff},
      {"list-checks", "list the check types profiles are written in", CmdListChecks},
      {"run", "run as the host's agent: scans, probes, libvirt, /metrics and results API", run},
  };
}

void PrintUsage(const std::vector<Command>& commands, std::ostream& out) {
  out << "egov-agent - compliance and availability agent for e-government cloud hosts\n\n"
         "Usage: egov-agent COMMAND [OPTIONS]\n\nCommands:\n";
  for (const auto& c : commands) {
    out << "  " << c.name << std::string(13 - std::string(c.name).size(), ' ') << c.summary << "\n";
  }
  out << "\nRun 'egov-agent COMMAND --help' for a command's options.\n"
         "Exit codes: 0 success, 1 failure (scan: a control fails), 2 invalid input.\n";
}

}  // namespace

int RunAgentCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                CommandFn run) {
  const std::vector<Command> commands = Commands(run);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintUsage(commands, args.empty() ? err : out);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    out << "egov-agent " << kVersion << " (revision " << kRevision << ")\n";
    return 0;
  }
  for (const auto& c : commands) {
    if (args[0] != c.name) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
    } catch (const ConfigError& e) {
      for (const auto& d : e.diagnostics()) err << FormatDiagnostic(d) << "\n";
      return 2;
    } catch (const std::exception& e) {
      err << "egov-agent " << c.name << ": " << e.what() << "\n";
      return 1;
    }
  }
  err << "egov-agent: unknown command '" << args[0] << "'\n\n";
  PrintUsage(commands, err);
  return 2;
}

}  // namespace egov::agent
