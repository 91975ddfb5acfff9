#include "tests/support/egovctl.h"

#include <sstream>

#include "orchestrator/cli.h"

namespace egov::testing {

CliRun Egovctl(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = orchestrator::RunEgovctl(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace egov::testing
