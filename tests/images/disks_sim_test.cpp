// Replicas with disks on simulated hosts (libvirt's test driver), end to end through egovctl:
// the acceptance of issue 18 on simulated hosts. Pools and volumes are made with the calls a
// real host gets, without content (the test driver has no upload), and persist in the host
// files as domains do.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/libvirt.h"
#include "tests/images/sample_image.h"
#include "tests/support/egovctl.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using egov::testing::CliRun;

const std::string kInventory = R"yaml(
kind: Provider
name: sim
display_name: "Sim"
certification: {scheme: MIC-1145, certificate: T-1, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 4}
residency: VN
zones:
  - name: z1
    hosts:
      - {name: h1, uri: "test://${EGOV_SIM_DIR}/h1.xml", capacity: {vcpus: 32, memory: 64Gi, disk: 2Ti}}
  - name: z2
    hosts:
      - {name: h2, uri: "test://${EGOV_SIM_DIR}/h2.xml", capacity: {vcpus: 32, memory: 64Gi, disk: 2Ti}}
---
)yaml" + std::string(kSampleImage) +
                               R"yaml(
---
kind: Workload
name: portal
agency: "Bộ Tư pháp"
system: "Hộ tịch"
security_level: 3
replicas: 2
resources: {vcpus: VCPUS, memory: 1Gi, disk: 20Gi}
image: debian-12
network: portal-net
cloud_init:
  ssh_authorized_keys:
    - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e ops@portal"
---
kind: Workload
name: plain
agency: "Bộ Nội vụ"
system: "Diskless"
security_level: 1
replicas: 1
resources: {vcpus: 1, memory: 64Mi}
)yaml";

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class SimDisks : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = (dir_ / "sim").string();
    ::setenv("EGOV_SIM_DIR", sim_.c_str(), 1);
    WriteInventory("2");
  }
  void TearDown() override { ::unsetenv("EGOV_SIM_DIR"); }

  void WriteInventory(const std::string& vcpus) {
    std::string text = kInventory;
    text.replace(text.find("VCPUS"), 5, vcpus);
    dir_.Write("in/inventory.yaml", text);
  }

  CliRun Run(std::vector<std::string> args) {
    args.insert(args.begin() + (args[0] == "images" ? 2 : 1),
                {"-f", (dir_ / "in").string(), "--journal", (dir_ / "journal.db").string()});
    return egov::testing::Egovctl(args);
  }

  std::string Uri(const std::string& host) const { return "test://" + sim_ + "/" + host + ".xml"; }

  // The one writable disk and the seed of every portal replica, checked on `host`'s file as a
  // fresh process would read it; returns the root disks found.
  std::vector<StorageVolume> CheckReplicaDisks(const std::string& host) {
    auto c = libvirt::Connection::Open(Uri(host));
    libvirt::PoolPtr images = c->LookupStoragePool("egov-images");
    EXPECT_NE(images, nullptr) << host;
    if (!images) return {};
    libvirt::VolumePtr base = libvirt::LookupVolume(images.get(), "debian-12-f300a54f");
    EXPECT_NE(base, nullptr) << host;
    if (!base) return {};
    const std::string base_path = libvirt::GetVolume(base.get()).path;
    libvirt::PoolPtr pool = c->LookupStoragePool("egov-portal");
    EXPECT_NE(pool, nullptr);
    if (!pool) return {};
    std::vector<StorageVolume> roots;
    for (const auto& dom : c->ListAllDomains()) {
      const std::string name = libvirt::GetDomainInfo(dom.get()).name;
      if (name.rfind("portal-", 0) != 0) continue;
      const std::string xml = libvirt::GetDomainXml(dom.get(), VIR_DOMAIN_XML_INACTIVE);
      EXPECT_EQ(Count(xml, "<disk "), 2u) << xml;
      EXPECT_EQ(Count(xml, "device='disk'"), 1u) << xml;
      EXPECT_EQ(Count(xml, "<readonly/>"), 1u) << xml;
      EXPECT_NE(xml.find("<source pool='egov-portal' volume='" + name + "-root'/>"),
                std::string::npos)
          << xml;
      EXPECT_NE(xml.find("<source pool='egov-portal' volume='" + name + "-seed'/>"),
                std::string::npos)
          << xml;
      libvirt::VolumePtr root = libvirt::LookupVolume(pool.get(), name + "-root");
      EXPECT_NE(root, nullptr) << name;
      if (!root) continue;
      const StorageVolume r = libvirt::GetVolume(root.get());
      EXPECT_EQ(r.format, "qcow2");
      EXPECT_EQ(r.capacity, 20ULL << 30);
      EXPECT_EQ(r.backing_path, base_path);
      EXPECT_EQ(r.backing_format, "qcow2");
      EXPECT_NE(libvirt::LookupVolume(pool.get(), name + "-seed"), nullptr) << name;
      roots.push_back(r);
    }
    return roots;
  }

  egov::testing::TempDir dir_;
  std::string sim_;
};

TEST_F(SimDisks, EveryReplicaHasOneWritableDiskOnTheImageAndASeedUntilDestroyed) {
  const CliRun apply = Run({"apply", "-q"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_EQ(apply.out.find("ssh-ed25519"), std::string::npos);
  const auto roots = CheckReplicaDisks("h1");
  EXPECT_EQ(roots.size() + CheckReplicaDisks("h2").size(), 2u);

  // virsh, as an operator would look: the root disk and the seed with their sizes.
  const std::string host = roots.empty() ? "h2" : "h1";
  const std::string listed =
      egov::testing::RunProcess({"virsh", "-c", Uri(host), "vol-list", "egov-portal", "--details"})
          .out;
  EXPECT_NE(listed.find("-root"), std::string::npos) << listed;
  EXPECT_NE(listed.find("20.00 GiB"), std::string::npos) << listed;
  EXPECT_NE(listed.find("-seed"), std::string::npos) << listed;

  const CliRun again = Run({"plan"});
  EXPECT_EQ(again.code, 0) << again.out << again.err;

  const CliRun list = Run({"images", "list"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(Count(list.out, "debian-12-f300a54f"), 2u) << list.out;
  EXPECT_EQ(Count(list.out, "backs 1 root disk(s)"), 2u) << list.out;

  const CliRun destroy = Run({"destroy", "--all", "-q"});
  ASSERT_EQ(destroy.code, 0) << destroy.out << destroy.err;
  for (const std::string h : {"h1", "h2"}) {
    auto c = libvirt::Connection::Open(Uri(h));
    EXPECT_EQ(c->LookupStoragePool("egov-portal"), nullptr) << h;
    libvirt::PoolPtr images = c->LookupStoragePool("egov-images");
    ASSERT_NE(images, nullptr) << h;  // base images stay until pruned
    EXPECT_EQ(libvirt::ListVolumes(images.get()).size(), 1u) << h;
  }
  const CliRun prune = Run({"images", "prune"});
  EXPECT_EQ(prune.code, 0) << prune.out << prune.err;
  EXPECT_NE(prune.out.find("2 unused base image(s) removed"), std::string::npos) << prune.out;
  for (const std::string h : {"h1", "h2"}) {
    auto c = libvirt::Connection::Open(Uri(h));
    EXPECT_TRUE(libvirt::ListVolumes(c->LookupStoragePool("egov-images").get()).empty()) << h;
  }
}

TEST_F(SimDisks, AResizeKeepsTheRootDisksAndPruneKeepsImagesInUse) {
  ASSERT_EQ(Run({"apply", "-q"}).code, 0);
  WriteInventory("4");
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3) << plan.out << plan.err;
  EXPECT_EQ(Count(plan.out, "; root disk kept"), 2u) << plan.out;
  const CliRun apply = Run({"apply", "-q"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_EQ(CheckReplicaDisks("h1").size() + CheckReplicaDisks("h2").size(), 2u);
  const CliRun prune = Run({"images", "prune"});
  EXPECT_EQ(prune.code, 0) << prune.err;
  EXPECT_NE(prune.out.find("0 unused base image(s) removed"), std::string::npos) << prune.out;
  EXPECT_EQ(Run({"plan"}).code, 0);
}

}  // namespace
}  // namespace egov::orchestrator
