#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace egov::agent {

using CommandFn = int (*)(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err);

/// Runs `egov-agent` with its arguments (without the program name); returns the exit code:
/// 0 success (scan: every applicable control passes), 1 failure, 2 invalid input. `run` is the
/// run command: CmdRun in egov-agentd, StartAgentDaemon (which becomes egov-agentd) in egov-agent.
int RunAgentCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                CommandFn run);

}  // namespace egov::agent
