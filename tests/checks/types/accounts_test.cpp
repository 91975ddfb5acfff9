// The accounts check type (checks/types/accounts.cpp) passing and failing on the host fixtures:
// empty passwords, UID 0, password age and inactivity lock from passwd and shadow.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, Accounts) {
  Expect("hardened", Status::kPass,
         {"{type: accounts, rule: no_empty_passwords}", "{type: accounts, rule: only_root_uid0}",
          "{type: accounts, rule: password_max_days, days: 60}",
          "{type: accounts, rule: inactive_days, days: 45}"});
  Expect("weak", Status::kFail,
         {"{type: accounts, rule: no_empty_passwords}", "{type: accounts, rule: only_root_uid0}"});
  Expect("hardened", Status::kFail,
         {"{type: accounts, rule: password_max_days, days: 30}",
          "{type: accounts, rule: inactive_days, days: 7}"});
}

// root's UID 0 is listed as meeting the rule, the second one as breaking it.
TEST(CheckTypes, AccountsJudgeEachAccount) {
  const ControlResult r =
      testing::RunOne("{type: accounts, rule: only_root_uid0}", testing::Host("weak"));
  ASSERT_EQ(r.status, Status::kFail);
  EXPECT_EQ(testing::Verdicts(r, &Evidence::observed),
            (testing::ItemVerdicts{{"root has UID 0", true}, {"toor has UID 0", false}}));
}

}  // namespace
}  // namespace egov::checks
