// process: a process runs (or does not), by name, from /proc inside the root.
#include "checks/proc.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct ProcessCheck : Check {
  std::vector<std::string> names_;
  std::string state_;

  Outcome Run(const HostContext& ctx) const override {
    if (!HasProc(ctx)) return NotLive("/proc");
    const auto procs = LoadProcesses(ctx);
    const std::string names = Join(names_, " or ");
    const bool running = state_ == "running";
    const std::string expected = running ? names + " running" : names + " not running";
    for (const auto& p : *procs) {
      for (const auto& n : names_) {
        if (p.comm != n && p.exe != n && !(n.size() > 15 && p.comm == n.substr(0, 15))) continue;
        std::vector<Evidence> ev = {{"/proc/" + std::to_string(p.pid) + "/comm", 0,
                                     n + " running as pid " + std::to_string(p.pid), expected}};
        if (running) return Outcome::Pass(n + " is running", ev);
        return Outcome::Fail(n + " is running (pid " + std::to_string(p.pid) + ")", ev);
      }
    }
    std::vector<Evidence> ev = {{"/proc", 0, "no process named " + names, expected}};
    if (running) return Outcome::Fail(names + " is not running", ev);
    return Outcome::Pass(names + " is not running", ev);
  }
};

}  // namespace

CheckType Process() {
  return Define<ProcessCheck>(
      "process", "A process is running (or not), by its name in /proc/PID/comm or argv[0]",
      {Required("name", &ProcessCheck::names_, "process name(s); any of them counts"),
       OptionalChoice("state", &ProcessCheck::state_, {"running", "not_running"})});
}

}  // namespace egov::checks::types
