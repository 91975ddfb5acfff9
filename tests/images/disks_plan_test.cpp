// The plan of replicas with disks (issue 18), as pure functions of observed data: a create
// attaches a root disk and a seed, a replace says whether the root disk is kept or made anew,
// and a saved plan carries the disks but never the user data.
#include <gtest/gtest.h>

#include "orchestrator/domain_xml.h"
#include "orchestrator/plan.h"
#include "tests/images/sample_image.h"
#include "tests/orchestrator/observed_fleet.h"

namespace egov::orchestrator {
namespace {

std::string Inventory(const std::string& vcpus = "2") {
  return std::string(kFleetInventory) + "---" + kSampleImage + R"(---
kind: Workload
name: app
agency: "Bộ Tư pháp"
system: "Hộ tịch"
security_level: 1
replicas: 1
resources: {vcpus: )" +
         vcpus + R"(, memory: 4Gi, disk: 20Gi}
image: debian-12
network: app-net
cloud_init:
  ssh_authorized_keys:
    - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e ops@app"
)";
}

const Action* Find(const Plan& p, const std::string& domain) {
  for (const auto& a : p.actions) {
    if (a.domain == domain) return &a;
  }
  return nullptr;
}

// app-0 running on a1 from `spec_hash`, with a root disk on `base` of `capacity`.
void RunApp(ObservedFleet& f, const std::string& spec_hash, const std::string& base,
            uint64_t capacity) {
  f.Run("a1", "app", 0, spec_hash);
  StorageVolume root;
  root.name = "app-0-root";
  root.path = "/var/lib/egov/pools/egov-app/app-0-root";
  root.format = "qcow2";
  root.capacity = capacity;
  root.backing_path = "/var/lib/egov/pools/egov-images/" + base;
  f.Host("a1").pools.insert("egov-app");
  f.Host("a1").volumes["egov-app"].push_back(root);
}

TEST(PlanDisks, ACreateAttachesARootDiskFirstAndAReadOnlySeed) {
  ObservedFleet f(Inventory());
  const Plan p = f.MakePlan();  // throws when a definition fails the schema or the hardening
  const Action* a = Find(p, "app-0");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->kind, ActionKind::kCreate);
  ASSERT_TRUE(a->disks.has_value());
  EXPECT_EQ(a->disks->image, "debian-12");
  EXPECT_EQ(a->disks->base, "debian-12-f300a54f");
  EXPECT_EQ(a->disks->format, "qcow2");
  EXPECT_EQ(a->disks->capacity, 20ULL << 30);
  EXPECT_EQ(a->pool, "egov-app");
  const size_t root = a->xml.find(
      "<disk type='volume' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n"
      "      <source pool='egov-app' volume='app-0-root'/>\n"
      "      <target dev='vda' bus='virtio'/>\n    </disk>");
  const size_t seed = a->xml.find(
      "<disk type='volume' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n"
      "      <source pool='egov-app' volume='app-0-seed'/>\n"
      "      <target dev='sda' bus='sata'/>\n      <readonly/>\n    </disk>");
  ASSERT_NE(root, std::string::npos) << a->xml;
  ASSERT_NE(seed, std::string::npos) << a->xml;
  EXPECT_LT(root, seed);
  EXPECT_LT(root, a->xml.find("<interface"));
  // A diskless workload keeps no disk and no pool of its own at level 1.
  const Action* db = Find(p, "db-0");
  ASSERT_NE(db, nullptr);
  EXPECT_FALSE(db->disks.has_value());
  EXPECT_EQ(db->xml.find("<disk"), std::string::npos);
  EXPECT_EQ(db->pool, "");
}

TEST(PlanDisks, OnlyTheSizeChangedKeepsTheRootDisk) {
  ObservedFleet f(Inventory("4"));
  RunApp(f, "sha256:before", "debian-12-f300a54f", 20ULL << 30);
  const Plan p = f.MakePlan();
  const Action* a = Find(p, "app-0");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, ActionKind::kReplace);
  EXPECT_NE(a->reason.find("spec changed"), std::string::npos) << a->reason;
  EXPECT_NE(a->reason.find("; root disk kept"), std::string::npos) << a->reason;
}

TEST(PlanDisks, ANewImageMakesTheRootDiskAnew) {
  ObservedFleet f(Inventory());
  RunApp(f, f.Spec("app"), "debian-12-0123abcd", 20ULL << 30);
  const Plan p = f.MakePlan();
  const Action* a = Find(p, "app-0");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, ActionKind::kReplace);
  EXPECT_EQ(a->reason, "new root disk (image debian-12-0123abcd -> debian-12-f300a54f)");
}

TEST(PlanDisks, AMissingOrResizedRootDiskIsMadeAnewAndAFittingOneIsUnchanged) {
  ObservedFleet missing(Inventory());
  missing.Run("a1", "app", 0);
  const Plan p1 = missing.MakePlan();
  EXPECT_EQ(Find(p1, "app-0")->reason, "new root disk (none yet)");

  ObservedFleet resized(Inventory());
  RunApp(resized, resized.Spec("app"), "debian-12-f300a54f", 10ULL << 30);
  const Plan p2 = resized.MakePlan();
  EXPECT_EQ(Find(p2, "app-0")->reason, "new root disk (disk 10Gi -> 20Gi)");

  ObservedFleet fits(Inventory());
  RunApp(fits, fits.Spec("app"), "debian-12-f300a54f", 20ULL << 30);
  const Plan p3 = fits.MakePlan();
  EXPECT_EQ(Find(p3, "app-0")->kind, ActionKind::kUnchanged);
}

TEST(PlanDisks, ASavedPlanKeepsTheDisksAndNoUserData) {
  ObservedFleet f(Inventory());
  const Plan p = f.MakePlan();
  const nlohmann::json j = ToJson(p);
  EXPECT_EQ(j.dump().find("ssh-ed25519"), std::string::npos);
  const Plan back = PlanFromJson(j, "plan.json");
  const Action* a = Find(back, "app-0");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->disks.has_value());
  EXPECT_EQ(a->disks->base, "debian-12-f300a54f");
  EXPECT_EQ(a->disks->capacity, 20ULL << 30);
  EXPECT_EQ(a->disks->cloud_init, Find(p, "app-0")->disks->cloud_init);
}

TEST(PlanDisks, TheCloudInitIsPartOfTheSpecHash) {
  ObservedFleet f(Inventory());
  Workload w = *f.inv.FindWorkload("app");
  const std::string before = Effective(w, f.policy).spec_hash;
  w.cloud_init.user_data = "#cloud-config\n";
  EXPECT_NE(Effective(w, f.policy).spec_hash, before);
}

TEST(PlanDisks, BaseImagesTakeHostDiskAsAllocated) {
  ObservedFleet f(Inventory());
  for (const std::string host : {"a1", "a2", "a3", "b1"}) {
    StorageVolume base;
    base.name = "other-12345678";
    base.capacity = 2000ULL << 30;    // a thin base's virtual size does not count
    base.allocation = 1010ULL << 30;  // of the host's 1 TiB: 14 GiB left
    f.Host(host).volumes["egov-images"].push_back(base);
  }
  const Plan p = f.MakePlan();
  ASSERT_EQ(p.unplaced.size(), 4u);  // every replica asks for 20 GiB
  for (const auto& u : p.unplaced) EXPECT_EQ(u.reasons.at("DISK_EXHAUSTED"), 4) << u.summary;
}

// Thin root disks past the host's disk: placed where the hosts allow disk overcommit, unless
// the workload's level forbids it. Three workloads, four replicas (observed_fleet.h).
TEST(PlanDisks, RootDisksOvercommitTheHostsDiskOnlyWhereThePolicyAllowsIt) {
  ObservedFleet f(Inventory());
  for (const std::string host : {"a1", "a2", "a3", "b1"}) {
    StorageVolume base;
    base.name = "other-12345678";
    base.allocation = 1010ULL << 30;  // of the host's 1 TiB: 14 GiB left
    f.Host(host).volumes["egov-images"].push_back(base);
  }
  for (auto& provider : f.inv.providers) {
    for (auto& zone : provider.zones) {
      for (auto& host : zone.hosts) host.overcommit.disk = 1.5;  // 1.5 TiB of root disks
    }
  }
  EXPECT_TRUE(f.MakePlan().unplaced.empty());
  // Level 1 (app and db) forbids it; level 2 (web's two replicas) still allows it.
  for (auto& level : f.policy.levels) level.allow_disk_overcommit = level.level != 1;
  const Plan p = f.MakePlan();
  ASSERT_EQ(p.unplaced.size(), 2u);
  for (const auto& u : p.unplaced) {
    EXPECT_TRUE(u.workload == "app" || u.workload == "db") << u.workload;
    EXPECT_EQ(u.reasons.at("DISK_EXHAUSTED"), 4) << u.summary;
  }
}

TEST(PlanDisks, AnExistingReplicaTakesItsRootDisksCapacity) {
  ObservedFleet f(Inventory());
  RunApp(f, f.Spec("app"), "debian-12-f300a54f", 30ULL << 30);
  const PlanningModel m = BuildModel(f.inv, f.policy, f.observed);
  ASSERT_EQ(m.existing.size(), 1u);
  EXPECT_EQ(m.existing[0].resources.disk, 30ULL << 30);  // not the spec's 20 GiB
}

TEST(PlanDisks, ADefinitionWithAnotherDiskIsRefused) {
  ObservedFleet f(Inventory());
  const Plan p = f.MakePlan();
  const Action* a = Find(p, "app-0");
  ASSERT_NE(a, nullptr);
  const ExpectedDomain expected{a->domain, a->uuid, a->workload, a->replica};
  EXPECT_EQ(ValidateDomainXml(a->xml, expected), std::nullopt);
  std::string other = a->xml;
  other.replace(other.find("pool='egov-app' volume='app-0-root'"), 35,
                "pool='egov-db' volume='app-0-root'");
  EXPECT_NE(ValidateDomainXml(other, expected).value_or("").find("a disk other than"),
            std::string::npos);
  std::string writable_seed = a->xml;
  writable_seed.erase(writable_seed.find("      <readonly/>\n"), 18);
  EXPECT_NE(ValidateDomainXml(writable_seed, expected), std::nullopt);
}

}  // namespace
}  // namespace egov::orchestrator
