// The pure halves of the checks: parsers of configuration files, system databases and /proc.
#include <gtest/gtest.h>

#include "checks/conf_parse.h"
#include "checks/domains.h"
#include "checks/host_files.h"
#include "checks/log_config.h"
#include "checks/nftables.h"
#include "checks/proc.h"

namespace egov::checks {
namespace {

TEST(ParseConf, SshdFirstValueWinsAndMatchBlocksAreKeptApart) {
  const auto s =
      ParseConf(ConfFormat::kSshd,
                "# comment\nPermitRootLogin no\npermitrootlogin yes\n"
                "Ciphers=aes256-gcm@openssh.com\nMatch User backup\n  PermitRootLogin yes\n",
                "/etc/ssh/sshd_config");
  ConfData conf{s, {}, {}};
  const Setting* eff = Effective(conf, ConfFormat::kSshd, "PERMITROOTLOGIN");
  ASSERT_NE(eff, nullptr);
  EXPECT_EQ(eff->value, "no");
  EXPECT_EQ(eff->line, 2);
  EXPECT_EQ(Effective(conf, ConfFormat::kSshd, "ciphers")->value, "aes256-gcm@openssh.com");
  const auto blocks = MatchBlockValues(conf, "PermitRootLogin");
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0]->block, "User backup");
  EXPECT_EQ(blocks[0]->line, 6);
}

TEST(ParseConf, KeyValueLastWinsWithQuotesCommentsAndSections) {
  const auto s = ParseConf(ConfFormat::kKeyValue,
                           "listen_tcp = 1\n# listen_tcp = 0\nlisten_tcp = 0 # off\n"
                           "vnc_listen = \"0.0.0.0\"\n[Journal]\nStorage=persistent\n",
                           "/etc/libvirt/libvirtd.conf");
  ConfData conf{s, {}, {}};
  EXPECT_EQ(Effective(conf, ConfFormat::kKeyValue, "listen_tcp")->value, "0");
  EXPECT_EQ(Effective(conf, ConfFormat::kKeyValue, "vnc_listen")->value, "0.0.0.0");
  EXPECT_EQ(Effective(conf, ConfFormat::kKeyValue, "Storage", "Journal")->value, "persistent");
  EXPECT_EQ(Effective(conf, ConfFormat::kKeyValue, "Storage", "Other"), nullptr);
}

TEST(ParseConf, SpaceAndSysctlFormats) {
  ConfData defs{
      ParseConf(ConfFormat::kSpace, "PASS_MAX_DAYS\t99999\nPASS_MAX_DAYS 60\n", "f"), {}, {}};
  EXPECT_EQ(Effective(defs, ConfFormat::kSpace, "PASS_MAX_DAYS")->value, "60");
  ConfData sysctl{
      ParseConf(ConfFormat::kSysctl, "net/ipv4/ip_forward = 1\n-kernel.panic=10\n; c\n", "f"),
      {},
      {}};
  EXPECT_EQ(Effective(sysctl, ConfFormat::kSysctl, "net.ipv4.ip_forward")->value, "1");
  EXPECT_EQ(Effective(sysctl, ConfFormat::kSysctl, "kernel/panic")->value, "10");
}

TEST(ParseConf, SysctlExplicitKeysBeatGlobsAndExclusionsKeepGlobsOff) {
  ConfData conf{ParseConf(ConfFormat::kSysctl,
                          "net.ipv4.conf.default.rp_filter = 2\n"
                          "net.ipv4.conf.*.rp_filter = 2\n"
                          "-net.ipv4.conf.all.rp_filter\n"
                          "net.ipv4.conf.eth0.rp_filter = 1\n"
                          "net.ipv4.conf.*.accept_redirects = 1\n"
                          "net/ipv4/conf/enp3s0.200/forwarding = 0\n",
                          "f"),
                {},
                {}};
  struct Case {
    std::string key;
    const char* value;  // nullptr: not set
  };
  for (const auto& [key, value] : std::vector<Case>{
           {"net.ipv4.conf.default.rp_filter", "2"},
           {"net.ipv4.conf.all.rp_filter", nullptr},  // excluded from the glob, never set
           {"net.ipv4.conf.eth0.rp_filter", "1"},     // explicit, before or after the glob
           {"net.ipv4.conf.lo.rp_filter", "2"},
           {"net.ipv4.conf.all.accept_redirects", "1"},
           {"net.ipv4.conf.enp3s0/200.forwarding", "0"}}) {
    const Setting* s = Effective(conf, ConfFormat::kSysctl, key);
    if (!value) {
      EXPECT_EQ(s, nullptr) << key;
    } else {
      ASSERT_NE(s, nullptr) << key;
      EXPECT_EQ(s->value, value) << key;
    }
  }
}

TEST(Nftables, ParsesTablesChainsAndRulesAsNftAppliesThem) {
  struct Case {
    std::string name, text;
    std::vector<std::string> chains;  // "family table chain hook policy rules"
    size_t errors = 0;
  };
  const std::vector<Case> cases = {
      {"Debian's default: hooks without policy accept",
       "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype "
       "filter hook input priority filter;\n\t}\n}\n",
       {"inet filter input input accept 0"}},
      {"one-line chain attributes and a multi-line set",
       "table ip6 f { chain in { type filter hook input priority 0; policy drop;\n tcp dport {\n "
       "22,\n "
       "443 } accept\n } }",
       {"ip6 f in input drop 1"}},
      {"command form, family omitted, insert and add",
       "add table filter\nadd chain filter input { type filter hook input priority 0 \\; policy "
       "drop \\; }\nadd rule filter input ct state established accept\ninsert rule filter "
       "input iif lo accept\n",
       {"ip filter input input drop 2"}},
      {"flush ruleset and delete table take effect in order",
       "table ip a { chain c { type filter hook input priority 0; policy drop; } }\n"
       "table ip b { chain c { type filter hook forward priority 0; } }\nflush ruleset\n"
       "table ip c { chain d { type filter hook input priority 0; } }\ndelete table ip c\n",
       {}},
      {"flush chain empties it, keeps its policy",
       "table inet t { chain c { type filter hook input priority 0; policy drop; accept; } "
       "}\nflush "
       "chain inet t c\n",
       {"inet t c input drop 0"}},
      {"a rule for a chain that does not exist", "add rule inet nowhere input accept\n", {}, 1},
      {"sets, maps, defines and comments are skipped",
       "define lan = { 10.0.0.0/8 }\ntable inet t {\n set allowed { type ipv4_addr; elements = { "
       "10.0.0.1 } }\n # a comment { with braces }\n chain c { type filter hook input priority "
       "0; policy drop; ip saddr @allowed accept comment \"ok {\" } }\n",
       {"inet t c input drop 1"}},
  };
  for (const auto& c : cases) {
    NftRuleset rs;
    ParseNft(c.text, "/etc/nftables.conf", rs, [](auto&&...) { return false; });
    std::vector<std::string> got;
    for (const auto& ch : rs.chains) {
      got.push_back(ch.family + " " + ch.table + " " + ch.name + " " + ch.hook + " " + ch.policy +
                    " " + std::to_string(ch.rules.size()));
    }
    EXPECT_EQ(got, c.chains) << c.name;
    EXPECT_EQ(rs.errors.size(), c.errors) << c.name;
  }
}

TEST(Nftables, UnconditionalVerdicts) {
  auto verdict = [](std::vector<std::string> tokens) {
    return UnconditionalVerdict(NftRule{std::move(tokens), "f", 1});
  };
  EXPECT_EQ(verdict({"accept"}), "accept");
  EXPECT_EQ(verdict({"counter", "drop"}), "drop");
  EXPECT_EQ(verdict({"counter", "packets", "5", "bytes", "300", "log", "prefix", "x", "accept"}),
            "accept");
  EXPECT_EQ(verdict({"reject", "with", "icmpx", "type", "admin-prohibited"}), "reject");
  EXPECT_EQ(verdict({"drop", "comment", "last"}), "drop");
  EXPECT_EQ(verdict({"iif", "lo", "accept"}), "");
  EXPECT_EQ(verdict({"counter", "comment", "dropped by policy"}), "");
}

TEST(HostFiles, PasswdShadowAndGroup) {
  const auto p =
      ParsePasswd("root:x:0:0:root:/root:/bin/bash\n# c\nbad line\nu:x:1000:1000::/h:/bin/sh\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].uid, 1000);
  EXPECT_EQ(p[1].line, 4);
  const auto s = ParseShadow("root:$y$x:20000:0:60:7:45::\nguest::20000::::::\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].max_days, 60);
  EXPECT_EQ(s[0].inactive_days, 45);
  EXPECT_FALSE(s[1].max_days.has_value());
  EXPECT_TRUE(s[1].hash.empty());
  EXPECT_EQ(ParseGroup("shadow:x:42:\n")[0].gid, 42);
}

TEST(HostFiles, DpkgStatusStanzas) {
  const auto pkgs = ParseDpkgStatus(
      "Package: a\nStatus: install ok installed\nVersion: 1.0\nDescription: x\n long\n\n"
      "Package: b\nStatus: deinstall ok config-files\nVersion: 2\n");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].version, "1.0");
  EXPECT_EQ(pkgs[1].status, "deinstall ok config-files");
  EXPECT_EQ(pkgs[1].line, 7);
}

TEST(HostFiles, DebianVersionOrdering) {
  struct {
    const char *a, *b;
    int order;
  } cases[] = {{"1.0", "1.0", 0},
               {"1.0", "1.1", -1},
               {"1.10", "1.9", 1},
               {"1:1.0", "2.0", 1},
               {"1.0~rc1", "1.0", -1},
               {"1.0-1", "1.0-2", -1},
               {"2.36-9+deb12u9", "2.36-9", 1},
               {"9.0.0-4+deb12u2", "9.0.0-4+deb12u10", -1},
               {"1.0a", "1.0", 1},
               {"1.0", "1.0.0", -1}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.a) + " vs " + c.b);
    EXPECT_EQ(CompareDebianVersions(c.a, c.b), c.order);
    EXPECT_EQ(CompareDebianVersions(c.b, c.a), -c.order);
  }
}

TEST(ProcNet, ListeningSocketsWithLoopbackDetection) {
  const std::string v4 =
      "  sl  local_address rem_address   st\n"
      "   0: 00000000:0016 00000000:0000 0A 0\n"
      "   1: 0100007F:407D 00000000:0000 0A 0\n"
      "   2: 0A00000A:0016 0A0000C8:D431 01 0\n";
  const auto s = ParseProcNet(v4, "tcp");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].address, "0.0.0.0");
  EXPECT_EQ(s[0].port, 22);
  EXPECT_FALSE(s[0].loopback);
  EXPECT_EQ(s[1].address, "127.0.0.1");
  EXPECT_EQ(s[1].port, 16509);
  EXPECT_TRUE(s[1].loopback);
  const auto s6 = ParseProcNet(
      "h\n 0: 00000000000000000000000001000000:1706 00000000000000000000000000000000:0000 0A 0\n"
      " 1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0\n",
      "tcp6");
  ASSERT_EQ(s6.size(), 2u);
  EXPECT_EQ(s6[0].address, "::1");
  EXPECT_TRUE(s6[0].loopback);
  EXPECT_EQ(s6[1].address, "::");
  const auto udp =
      ParseProcNet("h\n 1: 0100007F:0143 00000000:0000 07 0\n 2: 0100007F:0000 0 07 0\n", "udp");
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_EQ(udp[0].port, 323);
}

TEST(Logrotate, RetentionIsRotateTimesPeriodCappedByMaxage) {
  LogrotateDefaults d;
  std::vector<std::string> includes;
  const auto rules = ParseLogrotate(
      "weekly\nrotate 4\ninclude /etc/logrotate.d\n/var/log/syslog\n/var/log/auth.log\n{\n daily\n"
      " rotate 400\n maxage 365\n postrotate\n  rotate 1\n endscript\n}\n/var/log/x.log { monthly "
      "}\n"
      "/var/log/y.log {\n}\n",
      "/etc/logrotate.conf", d, &includes);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(includes, std::vector<std::string>{"/etc/logrotate.d"});
  EXPECT_EQ(rules[0].patterns, (std::vector<std::string>{"/var/log/syslog", "/var/log/auth.log"}));
  EXPECT_EQ(rules[0].RetentionDays(), 365);
  EXPECT_EQ(rules[0].line, 4);
  EXPECT_EQ(rules[1].RetentionDays(), 120);  // rotate 4 inherited, monthly
  EXPECT_EQ(rules[2].RetentionDays(), 28);   // weekly, rotate 4 inherited
}

TEST(Logrotate, SystemdTimespans) {
  EXPECT_DOUBLE_EQ(*ParseTimespanDays("90d"), 90);
  EXPECT_NEAR(*ParseTimespanDays("1year"), 365.25, 1e-9);
  EXPECT_NEAR(*ParseTimespanDays("6month"), 182.625, 1e-9);
  EXPECT_NEAR(*ParseTimespanDays("2w 1d"), 15, 1e-9);
  EXPECT_NEAR(*ParseTimespanDays("86400"), 1, 1e-9);
  EXPECT_FALSE(ParseTimespanDays("soon"));
  EXPECT_FALSE(ParseTimespanDays(""));
}

TEST(Domains, ParsesGraphicsDisksNetworksAndMetadata) {
  std::string error;
  const auto d = ParseDomainXml(R"(<domain type='kvm'><name>vm1</name>
    <metadata><egov:workload xmlns:egov="https://egov-cloud.vn/xmlns/workload/1" workload="dvc"
      security-level="4" replica="1"/></metadata>
    <devices>
      <disk type='file' device='disk'><source file='/var/lib/libvirt/images/a/vm1.qcow2'/><target dev='vda'/></disk>
      <disk type='volume' device='disk'><source pool='p1' volume='v'><encryption format='luks'/></source><target dev='vdb'/></disk>
      <disk type='file' device='cdrom'><target dev='sda'/></disk>
      <interface type='bridge'><source bridge='br-dvc'/></interface>
      <graphics type='vnc' listen='0.0.0.0'/>
      <graphics type='spice' defaultMode='secure'><listen type='socket'/></graphics>
    </devices><seclabel type='none'/></domain>)",
                                error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->name, "vm1");
  ASSERT_TRUE(d->metadata);
  EXPECT_EQ(d->metadata->security_level, 4);
  ASSERT_EQ(d->disks.size(), 2u);
  EXPECT_EQ(d->disks[0].identity, "dir:/var/lib/libvirt/images/a");
  EXPECT_FALSE(d->disks[0].encrypted);
  EXPECT_EQ(d->disks[1].identity, "pool:p1");
  EXPECT_TRUE(d->disks[1].encrypted);
  EXPECT_EQ(d->networks, std::vector<std::string>{"bridge:br-dvc"});
  ASSERT_EQ(d->graphics.size(), 2u);
  EXPECT_EQ(d->graphics[0].listen, "0.0.0.0");
  EXPECT_TRUE(d->graphics[1].local);
  EXPECT_EQ(d->seclabel, "none");
}

TEST(Domains, RefusesWhatIsNotADomain) {
  std::string error;
  EXPECT_FALSE(ParseDomainXml("<network><name>x</name></network>", error));
  EXPECT_FALSE(ParseDomainXml("not xml at all <", error));
  EXPECT_FALSE(ParseDomainXml("<domain><devices/></domain>", error));
}

}  // namespace
}  // namespace egov::checks
