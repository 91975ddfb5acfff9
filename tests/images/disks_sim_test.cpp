// Replicas with disks on simulated hosts (libvirt's test driver), end to end through egovctl:
// the acceptance of issue 18 on simulated hosts. Pools and volumes are made with the calls a
// real host gets, without content (the test driver has no upload), and persist in the host
// files as domains do.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "common/libvirt.h"
#include "tests/images/sample_image.h"
#include "tests/support/egovctl.h"
#include "tests/support/process.h"
#include "tests/support/sim_hosts.h"

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

class SimDisks : public egov::testing::SimulatedHosts {
 protected:
  void SetUp() override {
    SimulatedHosts::SetUp();
    WriteInventory("2");
  }

  void WriteInventory(const std::string& vcpus) {
    std::string text = kInventory;
    text.replace(text.find("VCPUS"), 5, vcpus);
    dir_.Write("in/inventory.yaml", text);
  }

  // `images` takes a second word (`images pull`) before the options.
  CliRun Run(const std::vector<std::string>& args) {
    return egov::testing::Egovctl(WithInputs(args, args[0] == "images" ? 2 : 1));
  }

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

  // Edits `host`'s file as a cut-short run would have left it: the <volume> element named
  // `name` removed, or with `capacity` bytes when one is given.
  void EditVolume(const std::string& host, const std::string& name,
                  std::optional<uint64_t> capacity) {
    const fs::path file = HostFile(host);
    std::string xml = egov::testing::ReadFile(file);
    // As libvirt writes a volume (virStorageVolGetXMLDesc), which is how the host is saved.
    const size_t at = xml.find("<volume type='file'>\n  <name>" + name + "</name>");
    ASSERT_NE(at, std::string::npos) << xml;
    const size_t end = xml.find("</volume>\n", at) + 10;
    if (!capacity) {
      xml.erase(at, end - at);
    } else {
      const size_t from = xml.find("<capacity unit='bytes'>", at) + 23;
      xml.replace(from, xml.find('<', from) - from, std::to_string(*capacity));
    }
    egov::testing::WriteFile(file, xml);
  }
};

const std::string kBase = "debian-12-f300a54f";
const std::string kMarker = "debian-12-f300a54f.complete";

TEST_F(SimDisks, ABaseWithoutItsMarkerIsMadeAgainNotReused) {
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  ASSERT_EQ(Run({"destroy", "--auto-approve", "--all", "-q"}).code, 0);
  // What an upload killed midway leaves: the base at the wrong size, no marker.
  for (const std::string h : {"h1", "h2"}) {
    EditVolume(h, kMarker, std::nullopt);
    EditVolume(h, kBase, 4096);
  }
  const CliRun list = Run({"images", "list"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(Count(list.out, "INCOMPLETE (an upload that did not finish)"), 2u) << list.out;
  EXPECT_EQ(Count(list.out, kMarker), 0u) << list.out;  // markers are not listed as images
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(Count(plan.out, "has base image " + kBase + " without its completion marker"), 2u)
      << plan.out;

  const CliRun apply = Run({"apply", "--auto-approve"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  for (const std::string h : {"h1", "h2"}) {
    EXPECT_NE(apply.out.find(kBase + " on " + h + " has no completion marker"), std::string::npos)
        << apply.out;
    auto c = libvirt::Connection::Open(Uri(h));
    libvirt::PoolPtr images = c->LookupStoragePool("egov-images");
    ASSERT_NE(images, nullptr);
    libvirt::VolumePtr base = libvirt::LookupVolume(images.get(), kBase);
    ASSERT_NE(base, nullptr) << h;
    EXPECT_EQ(libvirt::GetVolume(base.get()).capacity, 3ULL << 30) << h;  // made anew
    EXPECT_NE(libvirt::LookupVolume(images.get(), kMarker), nullptr) << h;
  }
  EXPECT_EQ(CheckReplicaDisks("h1").size() + CheckReplicaDisks("h2").size(), 2u);
  const CliRun listed = Run({"images", "list", "--format", "json"});
  EXPECT_EQ(Count(listed.out, "\"state\": \"complete\""), 2u) << listed.out;
}

TEST_F(SimDisks, PruneRemovesIncompleteBasesAndLoneMarkers) {
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  ASSERT_EQ(Run({"destroy", "--auto-approve", "--all", "-q"}).code, 0);
  EditVolume("h1", kMarker, std::nullopt);  // a base without marker
  EditVolume("h2", kBase, std::nullopt);    // a marker without base
  const CliRun list = Run({"images", "list", "--format", "json"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("\"state\": \"incomplete\""), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("\"state\": \"marker-only\""), std::string::npos) << list.out;

  const CliRun prune = Run({"images", "prune"});
  EXPECT_EQ(prune.code, 0) << prune.out << prune.err;
  EXPECT_NE(prune.out.find("removed " + kBase + " (incomplete) from h1"), std::string::npos)
      << prune.out;
  EXPECT_NE(prune.out.find("removed " + kBase + " (marker-only) from h2"), std::string::npos)
      << prune.out;
  for (const std::string h : {"h1", "h2"}) {
    auto c = libvirt::Connection::Open(Uri(h));
    EXPECT_TRUE(libvirt::ListVolumes(c->LookupStoragePool("egov-images").get()).empty()) << h;
  }
}

TEST_F(SimDisks, EveryReplicaHasOneWritableDiskOnTheImageAndASeedUntilDestroyed) {
  const CliRun apply = Run({"apply", "--auto-approve", "-q"});
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

  const CliRun destroy = Run({"destroy", "--auto-approve", "--all", "-q"});
  ASSERT_EQ(destroy.code, 0) << destroy.out << destroy.err;
  for (const std::string h : {"h1", "h2"}) {
    auto c = libvirt::Connection::Open(Uri(h));
    EXPECT_EQ(c->LookupStoragePool("egov-portal"), nullptr) << h;
    libvirt::PoolPtr images = c->LookupStoragePool("egov-images");
    ASSERT_NE(images, nullptr) << h;  // base images stay until pruned, with their markers
    EXPECT_NE(libvirt::LookupVolume(images.get(), "debian-12-f300a54f"), nullptr) << h;
    EXPECT_NE(libvirt::LookupVolume(images.get(), "debian-12-f300a54f.complete"), nullptr) << h;
    EXPECT_EQ(libvirt::ListVolumes(images.get()).size(), 2u) << h;
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
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  WriteInventory("4");
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3) << plan.out << plan.err;
  EXPECT_EQ(Count(plan.out, "; root disk kept"), 2u) << plan.out;
  const CliRun apply = Run({"apply", "--auto-approve", "-q"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_EQ(CheckReplicaDisks("h1").size() + CheckReplicaDisks("h2").size(), 2u);
  const CliRun prune = Run({"images", "prune"});
  EXPECT_EQ(prune.code, 0) << prune.err;
  EXPECT_NE(prune.out.find("0 unused base image(s) removed"), std::string::npos) << prune.out;
  EXPECT_EQ(Run({"plan"}).code, 0);
}

}  // namespace
}  // namespace egov::orchestrator
