#include <pthread.h>
#include <signal.h>

#include <ostream>

#include "agents/agent.h"
#include "agents/commands.h"
#include "agents/http_server.h"
#include "agents/log.h"
#include "agents/scan_setup.h"
#include "agents/web_config.h"
#include "common/command_line.h"

namespace po = boost::program_options;

namespace egov::agent {
namespace {

// Blocks the signals the agent handles in this thread and in every thread it starts, so that
// sigtimedwait() below receives them; restores the previous mask on the way out.
class SignalScope {
 public:
  SignalScope() {
    sigemptyset(&set_);
    for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SignalScope() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_{};
  sigset_t old_{};
};

template <typename T>
std::optional<T> Get(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<T>();
}

}  // namespace

int CmdRun(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc("run options");
  desc.add_options()("config,c", po::value<std::string>(), "agent configuration file (YAML)")(
      "listen", po::value<std::string>(),
      "address to serve on, HOST:PORT (default 127.0.0.1:9464)")(
      "web-config", po::value<std::string>(), "exporter-toolkit web config (TLS, basic auth)")(
      "host", po::value<std::string>(), "host name in results and waiver matching")(
      "root", po::value<std::string>(), "tree to check instead of /")(
      "profile,p", po::value<std::vector<std::string>>(), "profile name or file (repeatable)")(
      "level,l", po::value<int>(), "security level 1-5 the profiles are judged at")(
      "scan-interval", po::value<std::string>(), "time between scans, e.g. 15m")(
      "waivers", po::value<std::string>(), "waiver file or directory")(
      "libvirt-uri", po::value<std::string>(), "libvirt URI to watch, e.g. qemu:///system")(
      "log-level", po::value<std::string>(), "debug, info, warn or error")(
      "check-config", "validate the configuration, web config and profiles, then exit");
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egov-agent", args, "run [-c agent.yaml] [OPTIONS]", desc,
                                        {}, vm, out, err)) {
    return *code;
  }
  const std::string path = Get<std::string>(vm, "config").value_or("");
  ConfigOverrides o;
  o.listen = Get<std::string>(vm, "listen");
  o.web_config_file = Get<std::string>(vm, "web-config");
  o.host = Get<std::string>(vm, "host");
  o.root = Get<std::string>(vm, "root");
  o.profiles = Get<std::vector<std::string>>(vm, "profile").value_or(std::vector<std::string>{});
  o.level = Get<int>(vm, "level");
  o.scan_interval = Get<std::string>(vm, "scan-interval");
  o.waivers = Get<std::string>(vm, "waivers");
  o.libvirt_uri = Get<std::string>(vm, "libvirt-uri");
  o.log_level = Get<std::string>(vm, "log-level");

  if (vm.count("check-config")) {
    const AgentConfig c = LoadAgentConfig(path, o);
    const WebConfig web =
        c.web_config_file.empty() ? WebConfig{} : LoadWebConfig(c.web_config_file);
    const ScanSetup setup = c.scan.profiles.empty() ? ScanSetup{} : LoadScanSetup(c.scan);
    // The address must be free and ours to bind (so run this while the agent is stopped, as
    // ExecStartPre does); the listener closes again at once.
    HttpServer(c.listen, web, std::make_shared<SnapshotStore>());
    out << "configuration valid: " << setup.profiles.size() << " profile(s), "
        << setup.waivers.size() << " waiver(s), " << c.probes.targets.size()
        << " probe target(s), listening on " << c.listen.host << ":" << c.listen.port
        << (c.web_config_file.empty() ? "" : " with " + c.web_config_file) << "\n";
    return 0;
  }

  const SignalScope signals;
  Agent agent(path, o);
  for (;;) {
    int sig = 0;
    if (sigwait(&signals.set(), &sig) != 0) continue;
    if (sig == SIGHUP) {
      Log::Info("SIGHUP: reloading the configuration");
      agent.Reload();
      continue;
    }
    Log::Info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    break;
  }
  return 0;
}

}  // namespace egov::agent
