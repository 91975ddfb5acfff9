#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace egov::agent {

/// Runs `egov-agent` with its arguments (without the program name); returns the exit code:
/// 0 success (scan: every applicable control passes), 1 failure, 2 invalid input.
int RunAgentCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace egov::agent
