// The sysctl check type (checks/types/sysctl.cpp) passing and failing on the host fixtures and on
// copies of the hardened one: a kernel parameter now (/proc/sys) and after the next boot
// (systemd-sysctl's files, else the kernel's default); an image without /proc is judged on the
// persisted value alone.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;
using testing::RunOne;
using testing::TempDir;

constexpr const char* kAslr =
    "{type: sysctl, key: kernel.randomize_va_space, value: 2, default: 2}";

TEST(CheckTypes, Sysctl) {
  Expect("hardened", Status::kPass, {kAslr, "{type: sysctl, key: kernel.panic, op: gt, value: 0}"});
  Expect("hardened", Status::kFail,
         {"{type: sysctl, key: net.ipv4.ip_forward, value: 0}",
          "{type: sysctl, key: net.no.such.key, value: 1}"});
}

TEST(CheckTypes, SysctlJudgesTheNextBootToo) {
  HostCopy later;  // 2 now, 0 from the next boot on
  later.Write("/etc/sysctl.d/99-zz-debug.conf", "kernel.randomize_va_space = 0\n");
  Expect(later.root(), Status::kFail, {kAslr});

  HostCopy live_only;  // right now, but nothing keeps it: the kernel's 1 comes back
  live_only.Replace("/etc/sysctl.d/90-egov-hardening.conf",
                    "net.ipv4.conf.default.accept_redirects = 0\n", "");
  Expect(live_only.root(), Status::kFail,
         {"{type: sysctl, key: net.ipv4.conf.default.accept_redirects, value: 0, default: 1}"});
  Expect(live_only.root(), Status::kFail,  // no default named: not persisted fails
         {"{type: sysctl, key: net.ipv4.conf.default.accept_redirects, value: 0}"});

  HostCopy masked;  // /etc links the vendor file to /dev/null: its setting is gone
  masked.Write("/usr/lib/sysctl.d/50-aslr.conf", "kernel.randomize_va_space = 0\n");
  Expect(masked.root(), Status::kPass, {kAslr});  // 90-egov-hardening.conf sorts later and wins
  masked.Write("/usr/lib/sysctl.d/95-aslr.conf", "kernel.randomize_va_space = 0\n");
  Expect(masked.root(), Status::kFail, {kAslr});
  masked.Link("/dev/null", "/etc/sysctl.d/95-aslr.conf");
  Expect(masked.root(), Status::kPass, {kAslr});

  HostCopy glob;  // an explicit key beats a glob, whatever the order
  glob.Write("/etc/sysctl.d/99-all.conf", "net.ipv4.conf.*.accept_redirects = 1\n");
  Expect(glob.root(), Status::kPass,
         {"{type: sysctl, key: net.ipv4.conf.all.accept_redirects, value: 0, default: 1}"});
}

TEST(CheckTypes, SysctlJudgesAnImageOnItsPersistedConfiguration) {
  TempDir image;  // no /proc: what the image will boot with decides
  image.Write("etc/sysctl.d/99-sysctl.conf", "kernel.panic = 10\n");
  EXPECT_EQ(
      RunOne("{type: sysctl, key: kernel.panic, op: gt, value: 0}", image.path().string()).status,
      Status::kPass);
  EXPECT_EQ(RunOne("{type: sysctl, key: kernel.panic, value: 1}", image.path().string()).status,
            Status::kFail);
  EXPECT_EQ(
      RunOne("{type: sysctl, key: kernel.kptr_restrict, value: 1}", image.path().string()).status,
      Status::kFail);
}

// The value now and the value after the next boot are judged apart; on an image the missing
// /proc/sys is said, not held against it.
TEST(CheckTypes, SysctlJudgesNowAndAtBootApart) {
  HostCopy later;
  later.Write("/etc/sysctl.d/99-zz-debug.conf", "kernel.randomize_va_space = 0\n");
  testing::ExpectItems(later.root(), kAslr,
                       {{"kernel.randomize_va_space = 0 at boot", false},
                        {"/proc/sys/kernel/randomize_va_space", true}});

  TempDir image;
  image.Write("etc/sysctl.d/99-sysctl.conf", "kernel.panic = 10\n");
  testing::ExpectItems(image.path().string(), "{type: sysctl, key: kernel.panic, value: 1}",
                       {{"kernel.panic = 10 at boot", false}, {"/proc/sys", true}});
}

}  // namespace
}  // namespace egov::checks
