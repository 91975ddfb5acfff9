// The kernel_module check type (checks/types/kernel_module.cpp) passing and failing on the host
// fixtures: modules loaded or not (/proc/modules) and blocked in modprobe.d (a `blacklist` line
// alone does not block a load by name or as a dependency).
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

TEST(CheckTypes, KernelModule) {
  Expect("hardened", Status::kPass,
         {"{type: kernel_module, name: kvm, state: loaded}",
          "{type: kernel_module, name: nbd, state: not_loaded}",
          "{type: kernel_module, name: usb-storage, state: blacklisted}"});
  Expect("hardened", Status::kFail,
         {"{type: kernel_module, name: nbd, state: loaded}",
          "{type: kernel_module, name: kvm-intel, state: not_loaded}",
          "{type: kernel_module, name: firewire-core, state: blacklisted}"});
}

TEST(CheckTypes, KernelModuleBlacklistedMeansBlocked) {
  const char* kUsb = "{type: kernel_module, name: usb-storage, state: blacklisted}";
  HostCopy blacklisted_only;  // uas still pulls usb_storage in as a dependency
  blacklisted_only.Write("/etc/modprobe.d/egov-hardening.conf", "blacklist usb-storage\n");
  Expect(blacklisted_only.root(), Status::kFail, {kUsb});
  HostCopy loaded;  // blocked for the future, but in the kernel now
  loaded.Write("/proc/modules", "usb_storage 81920 0 - Live 0x0000000000000000\n");
  Expect(loaded.root(), Status::kFail, {kUsb});
}

// Each module is judged on its own: kvm is loaded as asked, nbd is not.
TEST(CheckTypes, KernelModuleJudgesEachModule) {
  testing::ExpectItems("hardened", "{type: kernel_module, name: [kvm, nbd], state: loaded}",
                       {{"kvm loaded", true}, {"nbd not loaded", false}});
}

// blacklisted: the install line that blocks meets the rule, the module in the kernel does not.
TEST(CheckTypes, KernelModuleBlacklistedJudgesTheBlockAndTheKernelApart) {
  HostCopy loaded;
  loaded.Write("/proc/modules", "usb_storage 81920 0 - Live 0x0000000000000000\n");
  testing::ExpectItems(loaded.root(),
                       "{type: kernel_module, name: usb-storage, state: blacklisted}",
                       {{"install usb-storage", true}, {"usb_storage loaded", false}});
}

}  // namespace
}  // namespace egov::checks
