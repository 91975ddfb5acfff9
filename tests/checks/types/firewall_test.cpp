// The firewall check type (checks/types/firewall.cpp) passing and failing on the hardened host and
// on copies of it with one defect each: the ruleset nftables.service loads must drop by default.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kInput = "{type: firewall, hooks: [input]}";
constexpr const char* kBoth = "{type: firewall, hooks: [input, forward]}";

TEST(CheckTypes, Firewall) {
  Expect("hardened", Status::kPass, {kInput, kBoth});
  Expect("hardened", Status::kFail, {"{type: firewall, hooks: [output]}"});  // policy accept
  Expect("weak", Status::kFail, {kInput});
}

// One defect per copy of the hardened host, each a way a firewall is there but does not filter.
TEST(CheckTypes, FirewallPresentButNotWorking) {
  const std::vector<testing::Variant> defects = {
      {"no ruleset file", [](const HostCopy& h) { h.Remove("/etc/nftables.conf"); }},
      {"input policy accept",
       [](const HostCopy& h) {
         h.Replace("/etc/nftables.conf", "hook input priority filter; policy drop;",
                   "hook input priority filter; policy accept;");
       }},
      {"an accept of everything before the policy",
       [](const HostCopy& h) {
         h.Replace("/etc/nftables.conf", "iif lo accept", "counter accept");
       }},
      {"IPv4 only",
       [](const HostCopy& h) {
         h.Replace("/etc/nftables.conf", "table inet filter", "table ip filter");
       }},
      {"the service masked", [](const HostCopy& h) { h.Mask("nftables.service"); }},
      {"the package removed, its link left",
       [](const HostCopy& h) {
         h.Remove("/usr/lib/systemd/system/nftables.service");
         h.SetPackageStatus("nftables", "deinstall ok config-files");
       }},
      {"an include that does not exist",
       [](const HostCopy& h) {
         h.Replace("/etc/nftables.conf", "include \"/etc/nftables.d/*.nft\"",
                   "include \"/etc/nftables.d/missing.nft\"");
       }},
      {"an include that flushes the ruleset",
       [](const HostCopy& h) { h.Write("/etc/nftables.d/90-reset.nft", "flush ruleset\n"); }},
      {"a drop-in that loads another file",
       [](const HostCopy& h) {
         h.Write("/etc/systemd/system/nftables.service.d/override.conf",
                 "[Service]\nExecStart=\nExecStart=/usr/sbin/nft -f /etc/nftables-open.conf\n");
         h.Write("/etc/nftables-open.conf",
                 "table inet filter {\n chain input { type filter hook input priority 0; }\n}\n");
       }},
  };
  testing::ForEachVariant(defects,
                          [](const std::string& root) { Expect(root, Status::kFail, {kInput}); });
}

TEST(CheckTypes, FirewallJudgesIpv6OnlyWhereItIsOnAndLeavesLibvirtsChainsAlone) {
  HostCopy v4;
  v4.Replace("/etc/nftables.conf", "table inet filter", "table ip filter");
  v4.Replace("/etc/nftables.d/20-guests.nft", "inet filter", "ip filter");
  v4.Write("/etc/sysctl.d/95-no-ipv6.conf", "net.ipv6.conf.all.disable_ipv6 = 1\n");
  v4.Write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1\n");
  Expect(v4.root(), Status::kPass, {kInput});

  // libvirt's table accepts its networks' traffic; the host's own chain still drops the rest.
  HostCopy libvirt;
  libvirt.Write("/etc/nftables.d/30-libvirt.nft",
                "table ip libvirt_network {\n chain forward {\n  type filter hook forward "
                "priority filter; policy accept;\n  counter jump guest_cross\n }\n chain "
                "guest_cross {\n  iifname \"virbr0\" oifname \"virbr0\" accept\n }\n}\n");
  Expect(libvirt.root(), Status::kPass, {kBoth});
  // Without the host's chain, libvirt's accept policy is all there is.
  libvirt.Replace("/etc/nftables.conf", "hook forward priority filter; policy drop;",
                  "hook forward priority filter;");
  Expect(libvirt.root(), Status::kFail, {"{type: firewall, hooks: [forward]}"});
}

// Each chain is judged on its own: input drops by default, output (policy accept) does not.
TEST(CheckTypes, FirewallJudgesEachChainAndHook) {
  testing::ExpectItems("hardened", "{type: firewall, hooks: [input, output]}",
                       {{"nftables.service enabled", true},
                        {"input (hook input): policy drop", true},
                        {"output (hook output): policy accept", false},
                        {"no ip6 or inet filter chain on hook output", false}});
}

}  // namespace
}  // namespace egov::checks
