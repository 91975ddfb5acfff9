// log_retention: how many days of logs logrotate or journald keep, against a minimum.
#include <fnmatch.h>

#include <algorithm>

#include "checks/conf_parse.h"
#include "checks/log_config.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct LogRetentionCheck : Check {
  std::string source_;
  int64_t days_;
  std::vector<std::string> logs_;

  void Validate(const Params& p) const {
    if (source_ == "logrotate" && logs_.empty()) p.Fail("logs", "required for logrotate");
    if (source_ == "journald" && !logs_.empty()) p.Fail("logs", "only for logrotate");
    if (days_ < 1) p.Fail("days", "expected 1 or more");
  }

  Outcome Run(const HostContext& ctx) const override {
    return source_ == "logrotate" ? Logrotate(ctx) : Journald(ctx);
  }

 private:
  Outcome Logrotate(const HostContext& ctx) const {
    const LogrotateConfig conf = LoadLogrotate(ctx);
    if (!conf.error.empty()) return Outcome::Error(conf.error);
    const std::string expected = ">= " + std::to_string(days_) + " days";
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& log : logs_) {
      const LogrotateRule* rule = nullptr;
      for (const auto& r : conf.rules) {
        if (std::any_of(r.patterns.begin(), r.patterns.end(), [&](const std::string& pat) {
              return ::fnmatch(pat.c_str(), log.c_str(), 0) == 0;
            })) {
          rule = &r;  // logrotate uses the last definition of a file
        }
      }
      if (!rule) {
        ev.push_back(
            {"/etc/logrotate.conf", 0, log + " not rotated by logrotate", expected, false});
        Append(bad, log + " has no logrotate rule");
        continue;
      }
      const auto days = rule->RetentionDays();
      // The `rotate` line decides; without one, the block that names the log.
      const bool rotate = rule->rotate_line > 0;
      const bool kept = days && *days >= days_;
      ev.push_back({rotate ? rule->rotate_file : rule->file,
                    rotate ? rule->rotate_line : rule->line, log + ": " + rule->Describe(),
                    expected, kept});
      if (!kept) {
        Append(bad,
               log + " kept " +
                   (days ? std::to_string(*days) + " days" : std::string("for an unknown time")));
      }
    }
    if (!bad.empty()) return Outcome::Fail(bad + "; expected " + expected, ev);
    return Outcome::Pass("logs kept " + expected, ev);
  }

  Outcome Journald(const HostContext& ctx) const {
    const auto conf =
        LoadConf(ctx, ConfFormat::kKeyValue,
                 {"/usr/lib/systemd/journald.conf.d/*.conf", "/etc/systemd/journald.conf",
                  "/etc/systemd/journald.conf.d/*.conf", "/run/systemd/journald.conf.d/*.conf"});
    if (!conf->errors.empty()) return Outcome::Error(conf->errors.front());
    const std::string expected = "persistent, kept >= " + std::to_string(days_) + " days";
    const Setting* storage = Effective(*conf, ConfFormat::kKeyValue, "Storage", "Journal");
    const Setting* retention =
        Effective(*conf, ConfFormat::kKeyValue, "MaxRetentionSec", "Journal");
    const Setting* max_use = Effective(*conf, ConfFormat::kKeyValue, "SystemMaxUse", "Journal");
    std::string mode = storage ? Lower(storage->value) : "auto";
    const bool dir = ctx.Stat("/var/log/journal").has_value();
    const bool persistent = mode == "persistent" || (mode == "auto" && dir);
    std::vector<Evidence> ev;
    ev.push_back(
        {storage ? storage->file : "/etc/systemd/journald.conf", storage ? storage->line : 0,
         "Storage=" + mode +
             (mode == "auto"
                  ? (dir ? " (/var/log/journal exists)" : " (no /var/log/journal: volatile)")
                  : ""),
         "persistent", persistent});
    const std::optional<double> kept_days =
        retention ? ParseTimespanDays(retention->value) : std::nullopt;
    const bool too_short = kept_days && *kept_days > 0 && *kept_days < static_cast<double>(days_);
    if (retention) {
      ev.push_back({retention->file, retention->line, "MaxRetentionSec=" + retention->value,
                    ">= " + std::to_string(days_) + " days", !too_short});
    }
    // SystemMaxUse is shown, not judged: how many days fit depends on the log volume. It takes
    // the check's verdict.
    if (max_use) {
      ev.push_back({max_use->file, max_use->line, "SystemMaxUse=" + max_use->value,
                    "large enough for " + std::to_string(days_) + " days of logs"});
    }
    if (!persistent)
      return Outcome::Fail("journald keeps logs only in memory (Storage=" + mode + ")", ev);
    if (retention && !kept_days)
      return Outcome::Error("cannot read MaxRetentionSec=" + retention->value);
    if (too_short) {
      return Outcome::Fail(
          "journald deletes entries after " + retention->value + "; expected " + expected, ev);
    }
    return Outcome::Pass("journald keeps logs persistently" +
                             std::string(kept_days && *kept_days > 0 ? " for " + retention->value
                                                                     : " with no time limit"),
                         ev);
  }
};

}  // namespace

CheckType LogRetention() {
  return Define<LogRetentionCheck>(
      "log_retention",
      "Days of logs kept by logrotate (rotate x period, maxage) or journald, against a minimum",
      {RequiredChoice("source", &LogRetentionCheck::source_, {"logrotate", "journald"}),
       Required("days", &LogRetentionCheck::days_, "minimum days of logs kept"),
       Optional(
           "logs", &LogRetentionCheck::logs_,
           "logrotate: the log files judged (each must have a rule keeping them long enough)")});
}

}  // namespace egov::checks::types
