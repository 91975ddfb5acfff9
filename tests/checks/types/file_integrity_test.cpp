// The file_integrity check type (checks/types/file_integrity.cpp) passing and failing on the host
// fixtures and on copies of the hardened one: AIDE installed, its database built, its check daily.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kCheck = "{type: file_integrity}";

TEST(CheckTypes, FileIntegrity) {
  Expect("hardened", Status::kPass, {kCheck});
  Expect("weak", Status::kFail, {kCheck});
}

TEST(CheckTypes, FileIntegrityPresentButNotWatching) {
  const std::vector<testing::Variant> defects = {
      {"no database (aideinit never ran)",
       [](const HostCopy& h) { h.Remove("/var/lib/aide/aide.db"); }},
      {"an empty database", [](const HostCopy& h) { h.Write("/var/lib/aide/aide.db", ""); }},
      {"the configuration names another database",
       [](const HostCopy& h) {
         h.Replace("/etc/aide/aide.conf", "database_in=file:/var/lib/aide/aide.db",
                   "database_in=file:/srv/aide/aide.db");
       }},
      {"the timer masked", [](const HostCopy& h) { h.Mask("dailyaidecheck.timer"); }},
      {"the timer not enabled",
       [](const HostCopy& h) {
         h.Remove("/etc/systemd/system/timers.target.wants/dailyaidecheck.timer");
       }},
      {"the daily run switched off",
       [](const HostCopy& h) { h.Write("/etc/default/aide", "CRON_DAILY_RUN=no\n"); }},
      {"aide removed",
       [](const HostCopy& h) { h.SetPackageStatus("aide", "deinstall ok config-files"); }},
  };
  testing::ForEachVariant(defects,
                          [](const std::string& root) { Expect(root, Status::kFail, {kCheck}); });
}

// The daily run switched off fails that setting alone; AIDE, its database and timer meet theirs.
TEST(CheckTypes, FileIntegrityJudgesEachPart) {
  HostCopy host;
  host.Write("/etc/default/aide", "CRON_DAILY_RUN=no\n");
  testing::ExpectItems(host.root(), kCheck,
                       {{"installed", true},
                        {"/var/lib/aide/aide.db present", true},
                        {"dailyaidecheck.timer enabled", true},
                        {"CRON_DAILY_RUN=no", false}});
}

}  // namespace
}  // namespace egov::checks
