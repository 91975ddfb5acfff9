// The accounts check type (checks/types/accounts.cpp) passing and failing on the host fixtures:
// empty passwords, UID 0, password age and inactivity lock from passwd and shadow.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace egov::checks
