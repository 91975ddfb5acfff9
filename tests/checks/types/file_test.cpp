// The file check type (checks/types/file.cpp) passing and failing on the host fixtures:
// a path present or absent with its kind, mode, owner and group; globs; links inside the root.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace egov::checks
