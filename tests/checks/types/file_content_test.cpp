// The file_content check type (checks/types/file_content.cpp) passing and failing on the host
// fixtures: lines matching a regular expression present (at least N) or absent.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

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

}  // namespace
}  // namespace egov::checks
