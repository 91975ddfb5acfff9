#pragma once

#include <string>
#include <vector>

#include "tests/support/process.h"

// egovctl's commands as an operator types them, run through the orchestrator library (tests link
// the library, never the executable).
namespace egov::testing {

/// `egovctl args...` in this process: exit code, standard output and standard error.
CliRun Egovctl(const std::vector<std::string>& args);

}  // namespace egov::testing
