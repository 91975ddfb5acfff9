// The libvirt_daemon check type (checks/types/libvirt_daemon.cpp) passing and failing on the host
// fixtures: libvirt remote access, authentication, sVirt driver and console settings.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::RunOne;
using testing::TempDir;

TEST(CheckTypes, LibvirtDaemon) {
  for (const char* rule : {"no_plain_tcp", "auth", "security_driver", "graphics_listen"}) {
    const std::string check = std::string("{type: libvirt_daemon, rule: ") + rule + "}";
    Expect("hardened", Status::kPass, {check});
    Expect("weak", Status::kFail, {check});
  }
  Expect("hardened", Status::kPass, {"{type: libvirt_daemon, rule: tls_listen}"});
  TempDir bare;  // no TLS socket, no certificates
  bare.Write("etc/libvirt/libvirtd.conf", "listen_tls = 0\n");
  EXPECT_EQ(RunOne("{type: libvirt_daemon, rule: tls_listen}", bare.path().string()).status,
            Status::kFail);
}

// Each setting is judged on its own: a socket open to others fails beside the settings that
// still demand authentication; a console on every address fails beside one on loopback.
TEST(CheckTypes, LibvirtDaemonJudgesEachSetting) {
  testing::HostCopy host;
  host.Replace("/etc/libvirt/libvirtd.conf", "unix_sock_rw_perms = \"0770\"",
               "unix_sock_rw_perms = \"0777\"");
  host.Replace("/etc/libvirt/qemu.conf", "spice_listen = \"127.0.0.1\"",
               "spice_listen = \"0.0.0.0\"");
  testing::ExpectItems(
      host.root(), "{type: libvirt_daemon, rule: auth}",
      {{"auth_unix_rw = ", true}, {"auth_tcp not set", true}, {"unix_sock_rw_perms = ", false}});
  testing::ExpectItems(
      host.root(), "{type: libvirt_daemon, rule: graphics_listen}",
      {{"vnc_listen = ", true}, {"spice_listen = ", false}, {"spice_tls not set", false}});
}

}  // namespace
}  // namespace egov::checks
