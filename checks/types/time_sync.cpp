// time_sync: a time synchronisation daemon is configured (chrony, systemd-timesyncd, ntpsec/ntp)
// and, on a live host, the clock is synchronised.
#include <sys/timex.h>

#include "checks/conf_parse.h"
#include "checks/proc.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct Daemon {
  const char* name;
  const char* unit;
  const char* package;  // a unit counts only while its package is installed
  const char* process;
  std::vector<std::string> files;  // configuration, read with format kSpace (or keyvalue)
};

const std::vector<Daemon>& Daemons() {
  static const std::vector<Daemon> kDaemons = {
      {"chrony",
       "chrony.service",
       "chrony",
       "chronyd",
       {"/etc/chrony/chrony.conf", "/etc/chrony/conf.d/*.conf", "/etc/chrony/sources.d/*.sources"}},
      {"systemd-timesyncd",
       "systemd-timesyncd.service",
       "systemd-timesyncd",
       "systemd-timesyncd",
       {"/etc/systemd/timesyncd.conf", "/etc/systemd/timesyncd.conf.d/*.conf"}},
      {"ntpsec", "ntpsec.service", "ntpsec", "ntpd", {"/etc/ntpsec/ntp.conf"}},
      {"ntp", "ntp.service", "ntp", "ntpd", {"/etc/ntp.conf"}},
  };
  return kDaemons;
}

// Kernel clock state as adjtimex reports it (pure, for tests): synchronised when the kernel's
// unsynchronised flag is clear and the maximum error is below 16 s (the NTP limit).
bool KernelSynchronised(int status, long maxerror_us) {
  return !(status & STA_UNSYNC) && maxerror_us < 16000000;
}

struct TimeSyncCheck : Check {
  std::string state_;

  Outcome Run(const HostContext& ctx) const override {
    return state_ == "configured" ? Configured(ctx) : Synchronised(ctx);
  }

 private:
  static Outcome Configured(const HostContext& ctx) {
    std::vector<Evidence> ev;
    for (const auto& d : Daemons()) {
      const UnitState unit = ReadUnit(ctx, d.unit, d.package);
      if (!unit.Enabled()) {
        // Masked, dangling or package-less: present, but it would not run.
        if (!unit.link.empty() || unit.Masked()) {
          ev.push_back(
              {unit.Source(), 0, unit.Describe(), "a time daemon enabled with servers", false});
        }
        continue;
      }
      const std::string& link = unit.link;
      const bool timesyncd = std::string(d.name) == "systemd-timesyncd";
      const auto conf =
          LoadConf(ctx, timesyncd ? ConfFormat::kKeyValue : ConfFormat::kSpace, d.files);
      std::vector<const Setting*> servers;
      for (const auto& s : conf->settings) {
        const bool source = timesyncd
                                ? (s.key == "NTP" || s.key == "FallbackNTP") && !s.value.empty()
                                : s.key == "server" || s.key == "pool" || s.key == "peer";
        if (source) servers.push_back(&s);
      }
      // timesyncd without NTP= falls back to its built-in servers; the others need a line.
      const bool has_servers = !servers.empty() || timesyncd;
      ev.push_back({link, 0, std::string(d.unit) + " enabled", "a time daemon enabled with servers",
                    has_servers});
      if (servers.empty() && timesyncd) {
        ev.push_back({"/etc/systemd/timesyncd.conf", 0, "no NTP=; the built-in fallback servers",
                      "servers configured", true});
        return Outcome::Pass("systemd-timesyncd enabled with its built-in servers", ev);
      }
      if (servers.empty()) {
        ev.push_back({conf->files.empty() ? d.files[0] : conf->files[0], 0,
                      "no server or pool line", "servers configured", false});
        continue;
      }
      for (const auto* s : servers)
        ev.push_back({s->file, s->line, s->key + " " + s->value, "servers configured", true});
      return Outcome::Pass(
          std::string(d.name) + " enabled with " + std::to_string(servers.size()) + " source(s)",
          ev);
    }
    ev.push_back({"/etc/systemd/system", 0,
                  "no chrony, systemd-timesyncd, ntpsec or ntp enabled with servers",
                  "a time daemon enabled with servers"});
    return Outcome::Fail("no time synchronisation daemon is enabled with servers", ev);
  }

  static Outcome Synchronised(const HostContext& ctx) {
    if (!HasProc(ctx)) return NotLive("/proc");
    const auto procs = LoadProcesses(ctx);
    const Daemon* running = nullptr;
    int pid = 0;
    for (const auto& d : Daemons()) {
      for (const auto& p : *procs) {
        if (p.comm == d.process || p.exe == d.process) {
          running = &d;
          pid = p.pid;
        }
      }
      if (running) break;
    }
    const std::string expected = "a time daemon running, clock synchronised";
    if (!running) {
      return Outcome::Fail(
          "no time synchronisation daemon is running",
          {{"/proc", 0, "no chronyd, systemd-timesyncd or ntpd process", expected}});
    }
    // The daemon runs; whether the clock is synchronised is the next item's to say.
    std::vector<Evidence> ev = {{"/proc/" + std::to_string(pid) + "/comm", 0,
                                 std::string(running->process) + " running", expected, true}};
    if (ctx.IsLiveRoot()) {
      timex tx{};
      const int state = ::adjtimex(&tx);
      const bool ok = state != TIME_ERROR && KernelSynchronised(tx.status, tx.maxerror);
      ev.push_back({"adjtimex()", 0,
                    std::string(ok ? "synchronised" : "not synchronised") + ", maximum error " +
                        std::to_string(tx.maxerror / 1000) + " ms",
                    "synchronised", ok});
      if (!ok) return Outcome::Fail("the kernel clock is not synchronised", ev);
      return Outcome::Pass("clock synchronised by " + std::string(running->name), ev);
    }
    // Another root: systemd-timesyncd leaves a flag file once it has synchronised.
    const std::string flag = "/run/systemd/timesync/synchronized";
    if (ctx.Stat(flag)) {
      ev.push_back({flag, 0, "present", "present", true});
      return Outcome::Pass("clock synchronised (systemd-timesyncd)", ev);
    }
    if (std::string(running->name) != "systemd-timesyncd") {
      return Outcome::Skipped("the kernel clock state of another root cannot be read");
    }
    ev.push_back({flag, 0, "absent", "present", false});
    return Outcome::Fail("systemd-timesyncd has not synchronised the clock", ev);
  }
};

}  // namespace

CheckType TimeSync() {
  return Define<TimeSyncCheck>(
      "time_sync",
      "Time synchronisation configured (chrony, systemd-timesyncd, ntpsec) or, live, synchronised",
      {Optional(
          "state", &TimeSyncCheck::state_, ParamType::kChoice,
          "configured (a daemon enabled with servers) or synchronized (a daemon running and the "
          "kernel clock synchronised: adjtimex on the live root, timesyncd's flag file otherwise)",
          "configured", {"configured", "synchronized"})});
}

}  // namespace egov::checks::types
