#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace egov::orchestrator {

/// Exit codes shared by every egovctl command (DESIGN.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitInvalidInput = 2,
  kExitChangesPending = 3,
};

/// Runs `egovctl` with its arguments (without the program name); returns the exit code.
int RunEgovctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace egov::orchestrator
