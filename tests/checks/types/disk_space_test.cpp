// The disk_space check type (checks/types/disk_space.cpp) passing and failing on the host fixtures:
// free space and inodes (statvfs) against minimums.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, DiskSpace) {
  Expect("hardened", Status::kPass,
         {"{type: disk_space, path: [/, /etc], min_free_percent: 0.0001}"});
  Expect("hardened", Status::kFail, {"{type: disk_space, min_free: 1Pi}"});
  Expect("hardened", Status::kError,
         {"{type: disk_space, path: /no/such/dir, min_free_percent: 1}"});
}

}  // namespace
}  // namespace egov::checks
