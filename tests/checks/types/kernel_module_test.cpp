// The kernel_module check type (checks/types/kernel_module.cpp) passing and failing on the host
// fixtures: modules loaded or not (/proc/modules) and blacklisted in modprobe.d.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

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

}  // namespace
}  // namespace egov::checks
