// The config_option check type (checks/types/config_option.cpp) passing and failing on the host
// fixtures: settings of sshd (Match blocks, Include), key = value, login.defs and sysctl.d files.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, ConfigOption) {
  Expect(
      "hardened", Status::kPass,
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
       // From the Include'd file.
       R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: MaxAuthTries, op: le, value: 4})",
       R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: X11Forwarding, value: "no", default: "no"})",
       R"({type: config_option, format: keyvalue, path: /etc/libvirt/libvirtd.conf, key: listen_tcp, value: 0})",
       R"({type: config_option, format: keyvalue, path: /etc/systemd/journald.conf, section: Journal, key: Storage, value: persistent})",
       R"({type: config_option, format: space, path: /etc/login.defs, key: PASS_MAX_DAYS, op: le, value: 90})",
       R"({type: config_option, format: sysctl, key: kernel.randomize_va_space, value: 2})",
       R"({type: config_option, format: sysctl, key: net.ipv4.conf.all.rp_filter, op: in, value: [1, 2]})",
       R"({type: config_option, format: keyvalue, path: /etc/libvirt/qemu.conf, key: security_driver, op: matches, value: "^(apparmor|selinux)$"})"});
  Expect(
      "weak", Status::kFail,
      {// Global "no", but a Match block says yes.
       R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
       R"({type: config_option, format: keyvalue, path: /etc/libvirt/libvirtd.conf, key: listen_tcp, value: 0})",
       R"({type: config_option, format: keyvalue, path: /etc/libvirt/qemu.conf, key: security_driver, op: not_matches, value: "none"})"});
  Expect(
      "weak", Status::kPass,
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no", match_blocks: false})"});
  Expect(
      "hardened", Status::kFail,
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: MaxAuthTries, op: le, value: 3})",
       R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: Banner, op: present})",
       R"({type: config_option, format: space, path: /etc/login.defs, key: PASS_MAX_DAYS, op: le, value: 30})",
       R"({type: config_option, format: sysctl, key: net.ipv4.ip_forward, value: 0})"});
}

// The global setting meets the rule, the Match block breaks it: each says so.
TEST(CheckTypes, ConfigOptionJudgesEachSetting) {
  const ControlResult r = testing::RunOne(
      R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
      testing::Host("weak"));
  ASSERT_EQ(r.status, Status::kFail);
  std::map<int, std::optional<bool>> verdicts;
  for (const auto& e : r.evidence) verdicts[e.line] = e.ok;
  EXPECT_EQ(verdicts, (std::map<int, std::optional<bool>>{{3, true}, {11, false}}));
}

}  // namespace
}  // namespace egov::checks
