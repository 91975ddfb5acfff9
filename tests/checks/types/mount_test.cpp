// The mount check type (checks/types/mount.cpp) passing and failing on the host fixtures:
// mount options, live (/proc/mounts) and configured (/etc/fstab).
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, Mount) {
  Expect("hardened", Status::kPass,
         {"{type: mount, path: /tmp, options: [nodev, nosuid]}",
          "{type: mount, path: /tmp, options: [noexec], source: fstab}",
          "{type: mount, path: /var, absent_options: [noexec], source: fstab}"});
  Expect("hardened", Status::kFail,
         {"{type: mount, path: /tmp, options: [noexec]}",
          "{type: mount, path: /var, absent_options: [nodev]}",
          "{type: mount, path: /home, options: [nodev]}"});
  Expect("hardened", Status::kNotApplicable,
         {"{type: mount, path: /home, options: [nodev], required: false}"});
}

}  // namespace
}  // namespace egov::checks
