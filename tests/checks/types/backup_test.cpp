// The backup check type (checks/types/backup.cpp) passing and failing on the host fixtures:
// the newest backup file younger than a maximum age.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, Backup) {
  Expect("hardened", Status::kPass, {"{type: backup, path: /var/backups/egov, max_age: 26h}"});
  Expect("weak", Status::kFail, {"{type: backup, path: /var/backups/egov, max_age: 26h}"});
  Expect("hardened", Status::kFail,
         {"{type: backup, path: /var/backups/egov, max_age: 26h, pattern: \"*.sql.gz\"}",
          "{type: backup, path: /var/backups/none, max_age: 26h}",
          "{type: backup, path: /var/backups/egov, max_age: 26h, depth: 0}"});
}

}  // namespace
}  // namespace egov::checks
