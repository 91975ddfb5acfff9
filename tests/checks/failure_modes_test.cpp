// Issue 21's acceptance: the hardened host passes a full scan (mic-1145, availability, decree85
// at level 5); a copy of it with any one way a control can be present but not working fails it
// (what `egov-agent scan` exits 1 on), on the controls that judge that thing.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "test_util.h"

namespace egov::checks {
namespace {

using testing::HostCopy;
using testing::kSource;

const std::vector<CompiledProfilePtr>& FullScan() {
  static const std::vector<CompiledProfilePtr> profiles = [] {
    const Inventory inv = LoadInventory({kSource + "/profiles"});
    std::vector<CompiledProfilePtr> out;
    for (const char* name : {"mic-1145", "availability", "decree85-level5"}) {
      out.push_back(CompileProfile(*inv.FindProfile(name)));
    }
    return out;
  }();
  return profiles;
}

std::set<std::string> Failing(const std::string& root) {
  ScanOptions o;
  o.root = root;
  o.host = "copy";
  const ScanResult r = RunScan(FullScan(), o);
  std::set<std::string> failing;
  for (const auto& p : r.profiles) {
    for (const auto& c : p.controls) {
      if (c.status == Status::kFail || c.status == Status::kError) failing.insert(c.id);
    }
  }
  EXPECT_EQ(r.Passed(), failing.empty());
  return failing;
}

struct Defect {
  std::string name;
  std::function<void(const HostCopy&)> plant;
  std::set<std::string> fails;  // controls that must fail (others may too)
};

void AddPackage(const HostCopy& h, const std::string& package, const std::string& status) {
  const std::string db = egov::testing::ReadFile(h("/var/lib/dpkg/status"));
  h.Write("/var/lib/dpkg/status", db + "\nPackage: " + package + "\nStatus: " + status +
                                      "\nArchitecture: amd64\nVersion: 1.0-1\n");
}

// A domain of another system, not encrypted, with its disk `disk` (a <disk> element).
std::string OtherSystem(const std::string& disk) {
  return "<domain type='kvm'><name>web-l2-0</name><metadata><egov:workload "
         "xmlns:egov=\"https://egov-cloud.vn/xmlns/workload/1\" workload=\"web-tinh\" "
         "agency=\"UBND\" system=\"Cổng tỉnh\" security-level=\"2\" replica=\"0\" provider=\"p\" "
         "zone=\"z\"/></metadata><memory unit='KiB'>1048576</memory><os><type "
         "arch='x86_64'>hvm</type></os><devices>" +
         disk +
         "<interface type='network'><source network='web-net'/></interface></devices></domain>";
}

const std::vector<Defect>& Defects() {
  const std::string nft = "/etc/nftables.conf";
  const std::string audit = "/etc/audit/rules.d/50-egov.rules";
  const std::string sshd = "/etc/ssh/sshd_config";
  const std::string list =
      "/var/lib/apt/lists/"
      "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages";
  static const std::vector<Defect> kDefects = {
      // The firewall: a service enabled is not a ruleset that drops.
      {"no ruleset behind nftables.service",
       [=](const HostCopy& h) { h.Remove(nft); },
       {"MIC1145-G2-SF-05", "MIC1145-G1-NW-04", "D85-SRV-IPS-01", "D85-NET-04"}},
      {"input policy accept",
       [=](const HostCopy& h) {
         h.Replace(nft, "input priority filter; policy drop",
                   "input priority filter; policy accept");
       },
       {"MIC1145-G2-SF-05", "D85-SRV-IPS-01"}},
      {"forward policy accept on the hypervisor",
       [=](const HostCopy& h) {
         h.Replace(nft, "forward priority filter; policy drop",
                   "forward priority filter; policy accept");
       },
       {"MIC1145-G1-NW-04", "D85-NET-04"}},
      {"IPv6 left open (an ip table only)",
       [=](const HostCopy& h) {
         h.Replace(nft, "table inet filter", "table ip filter");
         h.Replace("/etc/nftables.d/20-guests.nft", "inet filter", "ip filter");
       },
       {"MIC1145-G2-SF-05", "D85-SRV-IPS-01"}},
      {"an include the ruleset needs is missing",
       [=](const HostCopy& h) {
         h.Remove("/etc/nftables.d/20-guests.nft");
         h.Replace(nft, "/etc/nftables.d/*.nft", "/etc/nftables.d/20-guests.nft");
       },
       {"D85-SRV-IPS-01"}},
      {"nftables removed, its link left",
       [](const HostCopy& h) { h.SetPackageStatus("nftables", "deinstall ok config-files"); },
       {"MIC1145-G2-SF-05", "D85-SRV-IPS-01"}},
      // Services: masked, dangling or without their package.
      {"every time daemon masked",
       [](const HostCopy& h) { h.Mask("systemd-timesyncd.service"); },
       {"MIC1145-G1-PH-02", "AVAIL-TIME-01", "D85-SRV-LOG-05"}},
      {"timesyncd removed, its link left",
       [](const HostCopy& h) {
         h.SetPackageStatus("systemd-timesyncd", "deinstall ok config-files");
       },
       {"MIC1145-G1-PH-02", "AVAIL-TIME-01", "D85-SRV-LOG-05"}},
      {"rsyslog removed, its forwarding configuration left",
       [](const HostCopy& h) {
         h.SetPackageStatus("rsyslog", "deinstall ok config-files");
         h.Remove("/usr/lib/systemd/system/rsyslog.service");
       },
       {"D85-SRV-LOG-04"}},
      {"the forwarding drop-in is not included by rsyslog.conf",
       [](const HostCopy& h) {
         h.Replace("/etc/rsyslog.conf", "$IncludeConfig /etc/rsyslog.d/*.conf", "");
       },
       {"D85-SRV-LOG-04"}},
      {"the forwarding action commented out",
       [](const HostCopy& h) {
         h.Replace("/etc/rsyslog.d/90-siem.conf", "*.* action(", "# *.* action(");
       },
       {"D85-SRV-LOG-04"}},
      {"auditd removed, its link left",
       [](const HostCopy& h) { h.SetPackageStatus("auditd", "deinstall ok config-files"); },
       {"MIC1145-G1-AO-02", "D85-SRV-LOG-03"}},
      {"auditd enabled with no audit rules",
       [=](const HostCopy& h) { h.Remove(audit); },
       {"MIC1145-G1-AO-02", "D85-SRV-LOG-03"}},
      {"audit rules switched off (-e 0)",
       [](const HostCopy& h) { h.Write("/etc/audit/rules.d/99-finalize.rules", "-e 0\n"); },
       {"MIC1145-G1-AO-02", "D85-SRV-LOG-03"}},
      {"audit=0 on the kernel command line",
       [](const HostCopy& h) {
         h.Write("/proc/cmdline", "root=/dev/mapper/vg0-root ro audit=0\n");
       },
       {"MIC1145-G1-AO-02", "D85-SRV-LOG-03"}},
      {"time changes not audited",
       [=](const HostCopy& h) {
         h.Replace(audit, "-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time-change\n",
                   "");
       },
       {"D85-SRV-LOG-03"}},
      {"anti-malware signatures not updated for ten days",
       [](const HostCopy& h) { h.Age("/var/lib/clamav/daily.cld", 10); },
       {"D85-SRV-MAL-01"}},
      {"freshclam masked",
       [](const HostCopy& h) { h.Mask("clamav-freshclam.service"); },
       {"D85-SRV-MAL-01"}},
      // Kernel parameters: now and after the next boot.
      {"sysctl.d turns ASLR off at the next boot",
       [](const HostCopy& h) {
         h.Write("/etc/sysctl.d/99-zz-debug.conf", "kernel.randomize_va_space = 0\n");
       },
       {"MIC1145-G2-SC-08", "D85-SRV-IPS-03"}},
      {"an offline image (no /proc) that boots without ASLR",
       [](const HostCopy& h) {
         h.Remove("/proc");
         h.Write("/etc/sysctl.d/99-zz-debug.conf", "kernel.randomize_va_space = 0\n");
       },
       {"MIC1145-G2-SC-08", "D85-SRV-IPS-03"}},
      {"redirects accepted live, though persisted off",
       [](const HostCopy& h) { h.Write("/proc/sys/net/ipv4/conf/all/accept_redirects", "1\n"); },
       {"MIC1145-G1-NW-02", "D85-SRV-IPS-03"}},
      {"usb-storage blacklisted but loadable",
       [](const HostCopy& h) {
         h.Write("/etc/modprobe.d/egov-hardening.conf", "blacklist usb-storage\n");
       },
       {"MIC1145-G2-SC-09", "D85-SRV-IPS-04"}},
      // Authentication.
      {"PermitEmptyPasswords yes",
       [=](const HostCopy& h) {
         h.Replace(sshd, "PermitEmptyPasswords no", "PermitEmptyPasswords yes");
       },
       {"MIC1145-G2-SF-07", "D85-SRV-AUTH-07"}},
      {"idle sessions never closed: ClientAliveCountMax 0 (OpenSSH 8.2 and later)",
       [=](const HostCopy& h) {
         h.Replace(sshd, "ClientAliveCountMax 1", "ClientAliveCountMax 0");
       },
       {"D85-SRV-AC-03"}},
      {"an existing account's password never expires, though login.defs says 60 days",
       [](const HostCopy& h) { h.Replace("/etc/shadow", "ZDA:20000:1:60:", "ZDA:20000:1:99999:"); },
       {"MIC1145-G2-SF-04", "D85-SRV-AUTH-03"}},
      {"PermitEmptyPasswords yes in a Match block",
       [=](const HostCopy& h) {
         h.Replace(sshd, "    X11Forwarding no",
                   "    X11Forwarding no\n    PermitEmptyPasswords yes");
       },
       {"MIC1145-G2-SF-07", "D85-SRV-AUTH-07"}},
      {"a CBC cipher appended to the default",
       [=](const HostCopy& h) {
         h.Replace(sshd, "Ciphers chacha20", "Ciphers +aes128-cbc\n#Ciphers chacha20");
       },
       {"MIC1145-G2-SC-11", "D85-NET-05"}},
      {"MACs left at OpenSSH's default (hmac-sha1, umac-64)",
       [=](const HostCopy& h) { h.Replace(sshd, "MACs ", "#MACs "); },
       {"MIC1145-G2-SC-11", "D85-NET-05"}},
      {"pwquality's minimum lowered by a module argument",
       [](const HostCopy& h) {
         h.Replace("/etc/pam.d/common-password", "pam_pwquality.so retry=3",
                   "pam_pwquality.so retry=3 minlen=8");
       },
       {"MIC1145-G2-SF-08", "D85-SRV-AUTH-08"}},
      {"pwquality configured but not in the PAM stack",
       [](const HostCopy& h) {
         h.Replace("/etc/pam.d/common-password",
                   "password\trequisite\t\t\tpam_pwquality.so retry=3\n", "");
       },
       {"MIC1145-G2-SF-08", "D85-SRV-AUTH-08"}},
      {"faillock counts failures nowhere (preauth only)",
       [](const HostCopy& h) {
         h.Replace("/etc/pam.d/common-auth", "auth\t[default=die]\t\t\tpam_faillock.so authfail\n",
                   "");
       },
       {"D85-SRV-AUTH-05"}},
      // Access control, services, updates, integrity.
      {"/etc/gshadow readable by everyone",
       [](const HostCopy& h) {
         std::filesystem::permissions(h("/etc/gshadow"), std::filesystem::perms(0644));
       },
       {"MIC1145-G2-SC-07", "D85-SRV-AC-02"}},
      {"telnetd installed",
       [](const HostCopy& h) {
         h.SetPackageStatus("telnetd", "install ok installed", "deinstall ok config-files");
       },
       {"MIC1145-G2-SC-12", "D85-SRV-IPS-05"}},
      {"rsh-server unpacked, not configured",
       [](const HostCopy& h) { AddPackage(h, "rsh-server", "install ok unpacked"); },
       {"MIC1145-G2-SC-12", "D85-SRV-IPS-05"}},
      {"a pending security update",
       [=](const HostCopy& h) {
         h.Replace(list, "Version: 1:9.2p1-2+deb12u5", "Version: 1:9.2p1-2+deb12u7");
       },
       {"MIC1145-G2-SC-13", "D85-SRV-IPS-06"}},
      {"apt's security lists a month old",
       [=](const HostCopy& h) { h.Age(list, 30); },
       {"MIC1145-G2-SC-13", "D85-SRV-IPS-06"}},
      {"AIDE installed, never initialised",
       [](const HostCopy& h) { h.Remove("/var/lib/aide/aide.db"); },
       {"MIC1145-G2-SC-14", "D85-DATA-03"}},
      {"AIDE's daily check not scheduled",
       [](const HostCopy& h) {
         h.Remove("/etc/systemd/system/timers.target.wants/dailyaidecheck.timer");
       },
       {"MIC1145-G2-SC-14", "D85-DATA-03"}},
      // Levels 4-5 need physically separate storage: a level-4 disk beside another system's fails,
      // encrypted or not.
      {"a LUKS-encrypted level-4 disk in an image directory shared with another system",
       [](const HostCopy& h) {
         h.Replace("/etc/libvirt/qemu/dvc-l4-0.xml",
                   "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source "
                   "pool='dvc-pool' volume='dvc-l4-0.qcow2'>",
                   "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source "
                   "file='/var/lib/libvirt/images/dvc-l4-0.qcow2'>");
         h.Write(
             "/etc/libvirt/qemu/web-l2-0.xml",
             OtherSystem("<disk type='file' device='disk'><source "
                         "file='/var/lib/libvirt/images/web.qcow2'/><target dev='vda'/></disk>"));
       },
       {"D85-SEP-01"}},
  };
  return kDefects;
}

TEST(FailureModes, PristineHardenedHostPassesTheFullScan) {
  HostCopy host;
  EXPECT_EQ(Failing(host.root()), std::set<std::string>{});
}

TEST(FailureModes, EachDefectFailsTheFullScanOnTheControlsThatJudgeIt) {
  for (const auto& d : Defects()) {
    SCOPED_TRACE(d.name);
    HostCopy host;
    d.plant(host);
    const std::set<std::string> failing = Failing(host.root());
    EXPECT_FALSE(failing.empty()) << "the scan passes";
    for (const auto& id : d.fails) EXPECT_TRUE(failing.contains(id)) << id << " does not fail";
  }
}

// The same working configuration written another way passes too.
TEST(FailureModes, EquivalentConfigurationsPass) {
  const std::vector<testing::Variant> variants = {
      {"log forwarding in rsyslog's legacy syntax, over TCP",
       [](const HostCopy& h) {
         h.Write("/etc/rsyslog.d/90-siem.conf", "*.* @@siem.egov.vn:6514\n");
       }},
      {"log forwarding in rsyslog's legacy syntax, to an IPv6 address",
       [](const HostCopy& h) {
         h.Write("/etc/rsyslog.d/90-siem.conf", "*.* @[2001:db8::5]:514\n");
       }},
      {"log forwarding in rsyslog.conf itself",
       [](const HostCopy& h) {
         h.Remove("/etc/rsyslog.d/90-siem.conf");
         h.Replace("/etc/rsyslog.conf", "$IncludeConfig /etc/rsyslog.d/*.conf",
                   "auth.*;authpriv.* @@siem.egov.vn");
       }},
      {"audit rule fields in another order",
       [](const HostCopy& h) {
         h.Replace("/etc/audit/rules.d/50-egov.rules",
                   "-F arch=b64 -S execve -C uid!=euid -F euid=0",
                   "-F arch=b64 -C uid!=euid -F euid=0 -S execve");
       }},
  };
  testing::ForEachVariant(
      variants, [](const std::string& root) { EXPECT_EQ(Failing(root), std::set<std::string>{}); });
}

}  // namespace
}  // namespace egov::checks
