// The time_sync check type (checks/types/time_sync.cpp) passing and failing on the host fixtures:
// a time daemon configured with servers, and the clock synchronised.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, TimeSync) {
  Expect("hardened", Status::kPass,
         {"{type: time_sync, state: configured}", "{type: time_sync, state: synchronized}"});
  Expect("weak", Status::kFail,
         {"{type: time_sync, state: configured}", "{type: time_sync, state: synchronized}"});
}

}  // namespace
}  // namespace egov::checks
