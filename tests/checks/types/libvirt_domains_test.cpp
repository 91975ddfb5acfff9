// The libvirt_domains check type (checks/types/libvirt_domains.cpp) passing and failing on the host
// fixtures: the domains' consoles, confinement and separation, from XML files or a live connection.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::Host;
using testing::HostCopy;
using testing::RunOne;
using testing::TempDir;

TEST(CheckTypes, LibvirtDomains) {
  for (const char* rule :
       {"graphics", "seclabel", "storage_separation", "network_separation", "host_separation"}) {
    const std::string check = std::string("{type: libvirt_domains, rule: ") + rule + "}";
    Expect("hardened", Status::kPass, {check});
    Expect("weak", Status::kFail, {check});
  }
  // Only level 2 and 4 domains on the weak host: nothing of level 5 to judge.
  Expect("weak", Status::kNotApplicable,
         {"{type: libvirt_domains, rule: host_separation, min_level: 5}"});
  Expect("hardened", Status::kNotApplicable,
         {"{type: libvirt_domains, rule: graphics, dir: /srv/none}"});
}

TEST(CheckTypes, LibvirtDomainsStorageOfLevelFourIsPhysicallySeparateEncryptedOrNot) {
  // Another system's guest in the pool of the level-4 system, whose disks are LUKS-encrypted.
  HostCopy host;
  std::string other = egov::testing::ReadFile(host("/etc/libvirt/qemu/dvc-l4-0.xml"));
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"dvc-l4-0", "web-l2-0"},
           {"workload=\"dvc-quoc-gia\"", "workload=\"web-tinh\""},
           {"security-level=\"4\"", "security-level=\"2\""},
           {"<encryption format='luks'><secret type='passphrase' "
            "uuid='9a1e2f3c-0000-4000-8000-000000000000'/></encryption>",
            ""},
           {"network='dvc-net'", "network='web-net'"}}) {
    other.replace(other.find(from), from.size(), to);
  }
  host.Write("/etc/libvirt/qemu/web-l2-0.xml", other);
  const std::string check = "{type: libvirt_domains, rule: storage_separation}";
  Expect(host.root(), Status::kFail, {check});
  // Encryption is a logical separation: enough below the level that needs a physical one.
  Expect(host.root(), Status::kPass,
         {"{type: libvirt_domains, rule: storage_separation, physical_from_level: 5}"});
}

TEST(CheckTypes, LibvirtDomainsFromALiveConnection) {
  // libvirt's test driver: a host described in XML, read through the real libvirt API.
  TempDir dir;
  auto host = [&](const std::string& listen) {
    dir.Write("host.xml", "<node><domain type='test'><name>vm-" + listen +
                              "</name><memory>1048576</memory><os><type>hvm</type></os><devices>"
                              "<graphics type='vnc' port='5901' listen='" +
                              listen + "'/></devices></domain></node>");
    return "{type: libvirt_domains, rule: graphics, uri: \"test://" + (dir / "host.xml").string() +
           "\"}";
  };
  const std::string loopback = host("127.0.0.1");
  EXPECT_EQ(RunOne(loopback, Host("hardened")).status, Status::kPass);
  // The host's qemu.conf still applies: the hardened one encrypts VNC (vnc_tls = 1), the weak
  // one does not.
  const std::string open = host("0.0.0.0");
  EXPECT_EQ(RunOne(open, Host("hardened")).status, Status::kPass);
  const auto r = RunOne(open, Host("weak"));
  EXPECT_EQ(r.status, Status::kFail) << r.reason;
  EXPECT_EQ(RunOne("{type: libvirt_domains, rule: seclabel, uri: \"test:///nonexistent/host.xml\"}",
                   Host("hardened"))
                .status,
            Status::kError);
}

// Each domain is judged on its own: the confined one meets the rule beside the unconfined one.
TEST(CheckTypes, LibvirtDomainsJudgesEachDomain) {
  testing::ExpectItems("weak", "{type: libvirt_domains, rule: seclabel}",
                       {{"dvc-l4-0: seclabel default", true}, {"web-l2-0: seclabel none", false}});
}

}  // namespace
}  // namespace egov::checks
