// The package check type (checks/types/package.cpp) passing and failing on the host fixtures:
// Debian packages installed (at a version) or absent, from the dpkg database.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, Package) {
  Expect("hardened", Status::kPass,
         {"{type: package, name: [libvirt-daemon, openssh-server]}",
          "{type: package, name: telnetd, state: absent}",
          R"({type: package, name: libvirt-daemon, version: "9.0.0-4+deb12u1"})",
          R"({type: package, name: openssh-server, op: lt, version: "1:9.3"})"});
  Expect("hardened", Status::kFail,
         {"{type: package, name: telnetd}",  // only config files left
          "{type: package, name: auditd, state: absent}",
          R"({type: package, name: libvirt-daemon, version: "10.0"})",
          R"({type: package, name: openssh-server, op: eq, version: "1:9.2p1-2"})"});
}

}  // namespace
}  // namespace egov::checks
