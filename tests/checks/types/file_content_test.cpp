// The file_content check type (checks/types/file_content.cpp) passing and failing on the host
// fixtures: lines matching a regular expression present (at least N) or absent.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::Host;
using testing::RunOne;

TEST(CheckTypes, FileContent) {
  Expect(
      "hardened", Status::kPass,
      {R"({type: file_content, path: /etc/pam.d/common-auth, pattern: "pam_faillock\\.so"})",
       R"({type: file_content, path: /etc/ssh/sshd_config, pattern: "^PasswordAuthentication yes", state: absent})",
       R"({type: file_content, path: "/proc/net/bonding/*", pattern: "^Slave Interface:", min_matches: 2})",
       R"({type: file_content, path: /etc/ssh/sshd_config, pattern: "^permitrootlogin NO", ignore_case: true})"});
  Expect(
      "hardened", Status::kFail,
      {R"({type: file_content, path: /etc/pam.d/common-auth, pattern: "pam_tally2"})",
       R"({type: file_content, path: "/proc/net/bonding/*", pattern: "^Slave Interface:", min_matches: 3})"});
  Expect(
      "weak", Status::kFail,
      {R"({type: file_content, path: /etc/ssh/sshd_config, pattern: "^PasswordAuthentication yes", state: absent})"});
}

TEST(CheckTypes, FileContentNamesEachPathAndGlobItSearched) {
  const auto r = RunOne(
      R"({type: file_content, path: [/etc/rsyslog.conf, "/etc/rsyslog.d/*.conf", "/etc/none.d/*.conf"], pattern: "@@nowhere"})",
      Host("hardened"));
  ASSERT_EQ(r.evidence.size(), 3u) << r.reason;
  EXPECT_EQ(r.evidence[0].source, "/etc/rsyslog.conf");
  EXPECT_EQ(r.evidence[0].observed, "read");
  EXPECT_EQ(r.evidence[1].source, "/etc/rsyslog.d/*.conf");
  EXPECT_EQ(r.evidence[1].observed, "1 file(s) read");
  EXPECT_EQ(r.evidence[2].source, "/etc/none.d/*.conf");
  EXPECT_EQ(r.evidence[2].observed, "no file matches");
}

// Too few matches: the lines found meet the pattern; what fails is the glob that holds too few.
TEST(CheckTypes, FileContentMarksTheLinesFoundAsMeetingThePattern) {
  testing::ExpectItems(
      "hardened",
      R"({type: file_content, path: "/proc/net/bonding/*", pattern: "^Slave Interface:", min_matches: 3})",
      {{"Slave Interface: eno1", true},
       {"Slave Interface: eno2", true},
       {"/proc/net/bonding/*", false}});
}

}  // namespace
}  // namespace egov::checks
