// The file check type (checks/types/file.cpp) passing and failing on the host fixtures:
// a path present or absent with its kind, mode, owner and group; globs; links inside the root.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, File) {
  Expect(
      "hardened", Status::kPass,
      {R"({type: file, path: /etc/shadow, mode_max: "0640", owner: root, group: shadow})",
       R"({type: file, path: "/etc/libvirt/*.conf", mode_max: "0644"})",
       R"({type: file, path: /var/lib/libvirt/images, kind: directory})",
       R"({type: file, path: /etc/hosts.equiv, state: absent})",
       // The symbolic link is resolved inside the root, not on the scanning host.
       R"({type: file, path: /etc/libvirt/qemu/autostart/dvc-l4-0.xml, kind: file})",
       R"({type: file, path: /etc/libvirt/qemu/autostart/dvc-l4-0.xml, kind: symlink, follow: false})"});
  Expect("weak", Status::kFail,
         {R"({type: file, path: /etc/shadow, mode_max: "0640", owner: root, group: shadow})",
          R"({type: file, path: "/etc/libvirt/*.conf", mode_max: "0644"})"});
  Expect(
      "hardened", Status::kFail,
      {R"({type: file, path: /etc/shadow, owner: daemon})",
       R"({type: file, path: /etc/passwd, kind: directory})",
       R"({type: file, path: /etc/passwd, state: absent})",
       R"({type: file, path: /etc/missing.conf})", R"({type: file, path: "/etc/nothing/*.conf"})"});
}

// A glob judges each file: the one that breaks the rule fails, the others are listed as meeting it.
TEST(CheckTypes, FileJudgesEachMatchOfAGlob) {
  const ControlResult r = testing::RunOne(
      R"({type: file, path: "/etc/libvirt/*.conf", mode_max: "0644"})", testing::Host("weak"));
  ASSERT_EQ(r.status, Status::kFail);
  EXPECT_EQ(testing::Verdicts(r, &Evidence::source),
            (testing::ItemVerdicts{{"/etc/libvirt/libvirtd.conf", false},
                                   {"/etc/libvirt/qemu.conf", true}}));
}

// Under `none`, what a part meets is the violation.
TEST(CheckTypes, NoneMarksWhatItForbidsAsTheViolation) {
  const ControlResult r = testing::RunOne(
      R"({type: none, checks: [{type: file, path: /etc/passwd}, {type: file, path: /etc/hosts.equiv}]})",
      testing::Host("hardened"));
  ASSERT_EQ(r.status, Status::kFail);
  EXPECT_EQ(testing::Verdicts(r, &Evidence::source),
            (testing::ItemVerdicts{{"/etc/passwd", false}, {"/etc/hosts.equiv", true}}));
}

}  // namespace
}  // namespace egov::checks
