// The password_quality check type (checks/types/password_quality.cpp) passing and failing on the
// host fixtures and on copies of the hardened one, each with one way pwquality is set but weak.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kCheck = "{type: password_quality, min_length: 14, min_classes: 4}";

TEST(CheckTypes, PasswordQuality) {
  Expect("hardened", Status::kPass, {kCheck, "{type: password_quality, min_length: 12}"});
  Expect("hardened", Status::kFail, {"{type: password_quality, min_length: 16}"});
  Expect("weak", Status::kFail, {kCheck});
}

TEST(CheckTypes, PasswordQualityPresentButNotEnforced) {
  const char* kPam = "/etc/pam.d/common-password";
  const std::vector<testing::Variant> defects = {
      {"the module's argument lowers minlen",
       [&](const HostCopy& h) {
         h.Replace(kPam, "pam_pwquality.so retry=3", "pam_pwquality.so retry=3 minlen=8");
       }},
      {"optional: a refusal is ignored",
       [&](const HostCopy& h) {
         h.Replace(kPam, "password\trequisite\t\t\tpam_pwquality",
                   "password\toptional\t\t\tpam_pwquality");
       }},
      {"after pam_unix, which skips it",
       [&](const HostCopy& h) {
         h.Write(kPam,
                 "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
                 "password\trequisite\tpam_pwquality.so retry=3\n"
                 "password\trequisite\tpam_deny.so\npassword\trequired\tpam_permit.so\n");
       }},
      {"commented out",
       [&](const HostCopy& h) {
         h.Replace(kPam, "password\trequisite\t\t\tpam_pwquality",
                   "#password\trequisite\t\t\tpam_pwquality");
       }},
      {"enforcing = 0",
       [](const HostCopy& h) {
         h.Write("/etc/security/pwquality.conf", "minlen = 14\nminclass = 4\nenforcing = 0\n");
       }},
      {"credits make short passwords pass",
       [](const HostCopy& h) {
         h.Write("/etc/security/pwquality.conf",
                 "minlen = 14\nminclass = 4\ndcredit = 2\nucredit = 2\n");
       }},
      {"the package removed",
       [](const HostCopy& h) {
         h.SetPackageStatus("libpam-pwquality", "deinstall ok config-files");
       }},
  };
  testing::ForEachVariant(defects,
                          [](const std::string& root) { Expect(root, Status::kFail, {kCheck}); });
  HostCopy dropin;  // pwquality.conf is read after pwquality.conf.d and wins
  dropin.Write("/etc/security/pwquality.conf.d/50-short.conf", "minlen = 8\n");
  Expect(dropin.root(), Status::kPass, {kCheck});
}

// Each setting is judged by what it feeds: minlen 14 is too short for a minimum of 16, while the
// PAM line and minclass meet what they are asked.
TEST(CheckTypes, PasswordQualityJudgesEachSetting) {
  testing::ExpectItems("hardened", "{type: password_quality, min_length: 16, min_classes: 4}",
                       {{"requisite", true}, {"minlen = 14", false}, {"minclass = 4", true}});
}

}  // namespace
}  // namespace egov::checks
