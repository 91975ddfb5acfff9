// egov-agent is the one-shot tool (scan, diff, list-checks) and links only what a scan needs, so
// that it starts in a few milliseconds; the long-running agent, which links Boost.Beast and
// prometheus-cpp and loads libvirt and libcurl, is egov-agentd. `egov-agent run` becomes
// egov-agentd: beside egov-agent in a build tree, in kLibexecDir (/usr/lib/egov-cloud) installed.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "agents/commands.h"
#include "common/install_dirs.h"
#include "common/version.h"

namespace egov::agent {

std::string ProgramBeside(const std::string& name) {
  return (std::filesystem::path(ProgramDir()) / name).string();
}

int StartAgentDaemon(const std::vector<std::string>& args, std::ostream&, std::ostream& err) {
  std::string daemon;
  try {
    daemon = ProgramPath("egov-agentd", kLibexecDir);
  } catch (const std::exception& e) {
    err << "egov-agent run: " << e.what() << "\n";
    return 1;
  }
  std::vector<std::string> argv = {daemon, "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::cout.flush();
  ::execv(daemon.c_str(), cargv.data());
  err << "egov-agent run: cannot start " << daemon << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace egov::agent
