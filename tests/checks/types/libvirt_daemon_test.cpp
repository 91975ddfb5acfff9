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

}  // namespace
}  // namespace egov::checks
