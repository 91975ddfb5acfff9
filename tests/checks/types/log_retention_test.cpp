// The log_retention check type (checks/types/log_retention.cpp) passing and failing on the host
// fixtures: days of logs kept by logrotate and journald.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::RunOne;

TEST(CheckTypes, LogRetention) {
  Expect("hardened", Status::kPass,
         {"{type: log_retention, source: logrotate, days: 365, logs: [/var/log/syslog, "
          "/var/log/auth.log]}",
          "{type: log_retention, source: logrotate, days: 300, logs: [/var/log/apt/term.log]}",
          "{type: log_retention, source: journald, days: 365}"});
  Expect("weak", Status::kFail,
         {"{type: log_retention, source: logrotate, days: 30, logs: [/var/log/syslog]}"});
  Expect("hardened", Status::kFail,
         {"{type: log_retention, source: logrotate, days: 30, logs: [/var/log/nginx/access.log]}",
          "{type: log_retention, source: journald, days: 1000}"});
}

TEST(CheckTypes, LogRetentionCitesTheRotateLineInForce) {
  // The `rotate` line of the block that names the log, not the block's first line.
  auto cited = [](const std::string& log) {
    const auto r = RunOne("{type: log_retention, source: logrotate, days: 1, logs: [" + log + "]}",
                          testing::Host("hardened"));
    return r.evidence.at(0).source + ":" + std::to_string(r.evidence.at(0).line);
  };
  EXPECT_EQ(cited("/var/log/syslog"), "/etc/logrotate.d/rsyslog:6");
  EXPECT_EQ(cited("/var/log/apt/term.log"), "/etc/logrotate.d/apt:2");
}

// Each log is judged on its own; journald's storage apart from how long it keeps entries.
TEST(CheckTypes, LogRetentionJudgesEachLogAndSetting) {
  testing::ExpectItems(
      "hardened",
      "{type: log_retention, source: logrotate, days: 365, logs: [/var/log/syslog, "
      "/var/log/nginx/access.log]}",
      {{"/var/log/syslog: ", true}, {"/var/log/nginx/access.log not rotated", false}});
  testing::ExpectItems("hardened", "{type: log_retention, source: journald, days: 1000}",
                       {{"Storage=persistent", true}, {"MaxRetentionSec=2year", false}});
}

}  // namespace
}  // namespace egov::checks
