// The time_sync check type (checks/types/time_sync.cpp) passing and failing on the host fixtures:
// a time daemon configured with servers, and the clock synchronised; a masked or package-less
// daemon does not count.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

TEST(CheckTypes, TimeSync) {
  Expect("hardened", Status::kPass,
         {"{type: time_sync, state: configured}", "{type: time_sync, state: synchronized}"});
  Expect("weak", Status::kFail,
         {"{type: time_sync, state: configured}", "{type: time_sync, state: synchronized}"});
}

TEST(CheckTypes, TimeSyncIgnoresDaemonsThatWouldNotRun) {
  HostCopy masked;
  masked.Mask("systemd-timesyncd.service");
  Expect(masked.root(), Status::kFail, {"{type: time_sync, state: configured}"});
  HostCopy removed;  // `apt remove` leaves the enabling link behind
  removed.SetPackageStatus("systemd-timesyncd", "deinstall ok config-files");
  Expect(removed.root(), Status::kFail, {"{type: time_sync, state: configured}"});
}

// The daemon running and the clock synchronised are judged apart: timesyncd runs, but has not
// left its flag.
TEST(CheckTypes, TimeSyncJudgesTheDaemonAndTheClockApart) {
  HostCopy unsynced;
  unsynced.Remove("/run/systemd/timesync/synchronized");
  testing::ExpectItems(
      unsynced.root(), "{type: time_sync, state: synchronized}",
      {{"systemd-timesyncd running", true}, {"/run/systemd/timesync/synchronized", false}});
}

}  // namespace
}  // namespace egov::checks
