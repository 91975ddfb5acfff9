#pragma once

#include <iosfwd>
#include <string>
#include <vector>

// One function per egov-agent command; each parses its own options and returns an exit code.
namespace egov::agent {

int CmdScan(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int CmdDiff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int CmdListChecks(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int CmdRun(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `egov-agent run`: replaces this process (same PID) with egov-agentd (ProgramPath: beside
/// egov-agent in a build tree, kLibexecDir installed),
/// running CmdRun with `args`. Returns only when it cannot (exit code 1, the reason on `err`).
int StartAgentDaemon(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The path of `name` in the directory of the running program (as in a build tree, where
/// egov-agent and egov-agentd are side by side). Throws std::runtime_error when /proc/self/exe
/// cannot be read.
std::string ProgramBeside(const std::string& name);

}  // namespace egov::agent
