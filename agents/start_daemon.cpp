// egov-agent is the one-shot tool (scan, diff, list-checks) and links only what a scan needs, so
// that it starts in a few milliseconds; the long-running agent, which links Boost.Beast and
// prometheus-cpp and loads libvirt and libcurl, is egov-agentd. `egov-agent run` becomes
// egov-agentd.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "agents/commands.h"

namespace egov::agent {

std::string ProgramBeside(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this program's directory: " + ec.message());
  return (self.parent_path() / name).string();
}

int StartAgentDaemon(const std::vector<std::string>& args, std::ostream&, std::ostream& err) {
  std::string daemon;
  try {
    daemon = ProgramBeside("egov-agentd");
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
