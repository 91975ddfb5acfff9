// The package check type (checks/types/package.cpp) passing and failing on the host fixtures:
// Debian packages installed (at a version) or absent, from the dpkg database.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

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

TEST(CheckTypes, PackageOnDiskIsNotAbsent) {
  // Unpacked but not configured: its files (the telnet daemon) are there all the same.
  HostCopy unpacked;
  unpacked.Replace("/var/lib/dpkg/status", "Status: deinstall ok config-files",
                   "Status: install ok unpacked");
  Expect(unpacked.root(), Status::kFail, {"{type: package, name: telnetd, state: absent}"});
  Expect(unpacked.root(), Status::kFail, {"{type: package, name: telnetd}"});  // not configured
  // Held (or marked for removal) is still installed.
  HostCopy held;
  held.Replace("/var/lib/dpkg/status", "Package: auditd\nStatus: install ok installed",
               "Package: auditd\nStatus: hold ok installed");
  Expect(held.root(), Status::kPass, {"{type: package, name: auditd}"});
  Expect(held.root(), Status::kFail, {"{type: package, name: auditd, state: absent}"});
}

// Each package is judged on its own, installed and absent alike.
TEST(CheckTypes, PackageJudgesEachPackage) {
  testing::ExpectItems("hardened", "{type: package, name: [openssh-server, telnetd]}",
                       {{"openssh-server ", true}, {"telnetd not installed", false}});
  testing::ExpectItems("hardened", "{type: package, name: [telnetd, auditd], state: absent}",
                       {{"telnetd not installed", true}, {"auditd ", false}});
}

}  // namespace
}  // namespace egov::checks
