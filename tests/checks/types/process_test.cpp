// The process check type (checks/types/process.cpp) passing and failing on the host fixtures:
// processes running or not, from /proc.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, Process) {
  Expect("hardened", Status::kPass,
         {"{type: process, name: libvirtd}", "{type: process, name: telnetd, state: not_running}"});
  Expect("hardened", Status::kFail,
         {"{type: process, name: [virtqemud, nginx]}",
          "{type: process, name: sshd, state: not_running}"});
}

}  // namespace
}  // namespace egov::checks
