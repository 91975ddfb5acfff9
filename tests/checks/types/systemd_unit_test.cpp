// The systemd_unit check type (checks/types/systemd_unit.cpp) passing and failing on the host
// fixtures and on copies of the hardened one: units enabled (and able to start), not enabled or
// masked.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kAuditd =
    "{type: systemd_unit, unit: auditd.service, package: auditd, state: enabled}";

TEST(CheckTypes, SystemdUnit) {
  Expect("hardened", Status::kPass,
         {"{type: systemd_unit, unit: auditd.service, state: enabled}", kAuditd,
          "{type: systemd_unit, unit: libvirtd-tcp.socket, state: not_enabled}",
          "{type: systemd_unit, unit: ctrl-alt-del.target, state: masked}"});
  Expect("hardened", Status::kFail,
         {"{type: systemd_unit, unit: telnet.socket, state: enabled}",
          "{type: systemd_unit, unit: debug-shell.service, state: masked}"});
  Expect("weak", Status::kFail,
         {"{type: systemd_unit, unit: libvirtd-tcp.socket, state: not_enabled}"});
}

TEST(CheckTypes, SystemdUnitThatWouldNotStartIsNotEnabled) {
  HostCopy masked;  // masked by an empty file
  masked.Write("/etc/systemd/system/auditd.service", "");
  Expect(masked.root(), Status::kFail, {kAuditd});
  HostCopy dangling;  // the link is left, the unit file is gone
  dangling.Remove("/usr/lib/systemd/system/auditd.service");
  Expect(dangling.root(), Status::kFail,
         {"{type: systemd_unit, unit: auditd.service, state: enabled}"});
  HostCopy removed;  // `apt remove auditd`: the package is gone, its files too would be
  removed.SetPackageStatus("auditd", "deinstall ok config-files");
  Expect(removed.root(), Status::kFail, {kAuditd});
  // A unit that would not start is not enabled either.
  Expect(dangling.root(), Status::kPass,
         {"{type: systemd_unit, unit: auditd.service, state: not_enabled}"});
}

// Each unit is judged on its own: the masked one meets `masked`, the one merely not enabled
// does not.
TEST(CheckTypes, SystemdUnitJudgesEachUnit) {
  testing::ExpectItems(
      "hardened",
      "{type: systemd_unit, unit: [ctrl-alt-del.target, debug-shell.service], state: masked}",
      {{"ctrl-alt-del.target masked", true}, {"debug-shell.service not enabled", false}});
}

}  // namespace
}  // namespace egov::checks
