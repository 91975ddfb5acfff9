// The systemd_unit check type (checks/types/systemd_unit.cpp) passing and failing on the host
// fixtures: units enabled, not enabled or masked.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, SystemdUnit) {
  Expect("hardened", Status::kPass,
         {"{type: systemd_unit, unit: auditd.service, state: enabled}",
          "{type: systemd_unit, unit: libvirtd-tcp.socket, state: not_enabled}",
          "{type: systemd_unit, unit: ctrl-alt-del.target, state: masked}"});
  Expect("hardened", Status::kFail,
         {"{type: systemd_unit, unit: telnet.socket, state: enabled}",
          "{type: systemd_unit, unit: debug-shell.service, state: masked}"});
  Expect("weak", Status::kFail,
         {"{type: systemd_unit, unit: libvirtd-tcp.socket, state: not_enabled}"});
}

}  // namespace
}  // namespace egov::checks
