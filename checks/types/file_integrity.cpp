// file_integrity: AIDE watches the host's files: it is installed, the database its configuration
// names (database_in) exists and is not empty (aideinit has run), and its daily check is
// scheduled (Debian's dailyaidecheck.timer, or the cron.daily script where systemd does not run)
// and not switched off (CRON_DAILY_RUN in /etc/default/aide).
#include <sys/stat.h>

#include "checks/conf_parse.h"
#include "checks/host_files.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

constexpr const char* kConf = "/etc/aide/aide.conf";

struct FileIntegrityCheck : Check {
  Outcome Run(const HostContext& ctx) const override {
    std::vector<Evidence> ev;
    std::string bad;
    const auto db = LoadDpkg(ctx);
    const bool installed = db->installed.contains("aide");
    ev.push_back({"/var/lib/dpkg/status", installed ? db->installed.at("aide").line : 0,
                  installed ? "aide " + db->installed.at("aide").version + " installed"
                            : "aide not installed",
                  "aide installed", installed});
    if (!installed) return Outcome::Fail("AIDE is not installed", ev);

    // The database dailyaidecheck compares against: the first database_in=file:/... line.
    std::string database = "/var/lib/aide/aide.db";
    std::string source = kConf;
    int line = 0;
    if (const FileData conf = ctx.Read(kConf); conf.ok()) {
      for (auto [n, l] : NumberedLines(conf.bytes)) {
        l = Trim(l);
        if (l.rfind("database_in", 0) != 0) continue;
        const size_t file = l.find("file:");
        if (file == std::string_view::npos) continue;
        database = std::string(Trim(l.substr(file + 5)));
        line = n;
        break;
      }
    }
    auto info = ctx.Stat(database);
    const bool present = info && S_ISREG(info->mode) && info->size > 0;
    ev.push_back({line ? source : database, line,
                  database + (present ? " present (" + std::to_string(info->size) + " bytes)"
                              : info  ? " empty or not a file"
                                      : " absent"),
                  "the database present and not empty", present});
    if (!present) Append(bad, "no AIDE database at " + database + " (aideinit has not run)");

    // Scheduled: the timer on systemd hosts, else the cron.daily script.
    const UnitState timer = ReadUnit(ctx, "dailyaidecheck.timer", "aide-common");
    ev.push_back({timer.Source(), 0, timer.Describe(), "a daily check scheduled", timer.Enabled()});
    bool scheduled = timer.Enabled();
    if (!scheduled && !timer.Masked()) {
      auto cron = ctx.Stat("/etc/cron.daily/aide");
      // The script skips itself on a systemd host, where the timer is the schedule.
      scheduled =
          cron && S_ISREG(cron->mode) && (cron->mode & 0111) && !ctx.Stat("/etc/systemd/system");
      ev.push_back({"/etc/cron.daily/aide", 0,
                    cron ? (scheduled ? "executable" : "present, skipped under systemd") : "absent",
                    "a daily check scheduled", scheduled});
    }
    if (!scheduled) Append(bad, "the daily AIDE check is not scheduled (" + timer.Describe() + ")");
    const auto defaults = LoadConf(ctx, ConfFormat::kKeyValue, {"/etc/default/aide"});
    if (const Setting* run = Effective(*defaults, ConfFormat::kKeyValue, "CRON_DAILY_RUN")) {
      ev.push_back(
          {run->file, run->line, "CRON_DAILY_RUN=" + run->value, "yes", run->value == "yes"});
      if (run->value != "yes")
        Append(bad, "CRON_DAILY_RUN=" + run->value + " stops the daily check");
    }
    return Verdict(bad, "AIDE checks the files daily against " + database, ev);
  }
};

}  // namespace

CheckType FileIntegrity() {
  return Define<FileIntegrityCheck>(
      "file_integrity",
      "AIDE installed, its database (database_in) present and not empty, its daily check "
      "scheduled and not switched off",
      {});
}

}  // namespace egov::checks::types
