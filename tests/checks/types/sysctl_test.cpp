// The sysctl check type (checks/types/sysctl.cpp) passing and failing on the host fixtures:
// kernel parameters from /proc/sys; an image without /proc is skipped.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::RunOne;
using testing::TempDir;

TEST(CheckTypes, Sysctl) {
  Expect("hardened", Status::kPass,
         {"{type: sysctl, key: kernel.randomize_va_space, value: 2}",
          "{type: sysctl, key: kernel.panic, op: gt, value: 0}"});
  Expect("hardened", Status::kFail,
         {"{type: sysctl, key: net.ipv4.ip_forward, value: 0}",
          "{type: sysctl, key: net.no.such.key, value: 1}"});
  TempDir image;  // a mounted image has no /proc: live checks are skipped, not passed
  image.Write("etc/hostname", "image\n");
  EXPECT_EQ(RunOne("{type: sysctl, key: kernel.panic, value: 1}", image.path().string()).status,
            Status::kSkipped);
}

}  // namespace
}  // namespace egov::checks
