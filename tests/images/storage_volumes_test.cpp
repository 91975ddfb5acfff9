// Storage volumes through the libvirt adapter, on libvirt's test driver: a base image, a qcow2
// overlay on it, listing, deleting. The test driver has no upload; its refusal must leave
// nothing behind (the upload itself is tested against a real libvirtd, label integration).
#include <gtest/gtest.h>

#include "common/libvirt.h"

namespace egov::libvirt {
namespace {

PoolPtr StartedPool(const Connection& c, const std::string& name) {
  PoolPtr pool = c.DefineStoragePool("<pool type='dir'><name>" + name +
                                     "</name><target><path>/var/lib/egov/pools/" + name +
                                     "</path></target></pool>");
  StartStoragePool(pool.get());
  return pool;
}

StorageVolume Volume(const std::string& name, uint64_t capacity, const std::string& backing = "") {
  StorageVolume v;
  v.name = name;
  v.format = "qcow2";
  v.capacity = capacity;
  v.backing_path = backing;
  v.backing_format = backing.empty() ? "" : "qcow2";
  return v;
}

TEST(StorageVolumes, AnOverlayNamesItsBaseAsBackingStore) {
  auto c = Connection::Open("test:///default");
  PoolPtr images = StartedPool(*c, "egov-images");
  PoolPtr own = StartedPool(*c, "egov-w");
  VolumePtr base =
      CreateVolume(images.get(), BuildVolumeXml(Volume("debian-12-5f3c2a1b", 2ULL << 30)));
  const StorageVolume b = GetVolume(base.get());
  EXPECT_EQ(b.path, "/var/lib/egov/pools/egov-images/debian-12-5f3c2a1b");
  EXPECT_EQ(b.backing_path, "");

  CreateVolume(own.get(), BuildVolumeXml(Volume("w-0-root", 10ULL << 30, b.path)));
  const auto vols = ListVolumes(own.get());
  ASSERT_EQ(vols.size(), 1u);
  EXPECT_EQ(vols[0].name, "w-0-root");
  EXPECT_EQ(vols[0].format, "qcow2");
  EXPECT_EQ(vols[0].capacity, 10ULL << 30);
  EXPECT_EQ(vols[0].backing_path, b.path);
  EXPECT_EQ(vols[0].backing_format, "qcow2");
  EXPECT_EQ(ListVolumes(images.get()).size(), 1u);
}

TEST(StorageVolumes, LookupFindsCreatesOnceAndDeleteRemoves) {
  auto c = Connection::Open("test:///default");
  PoolPtr pool = StartedPool(*c, "egov-w");
  EXPECT_EQ(LookupVolume(pool.get(), "w-0-seed"), nullptr);
  const std::string xml = BuildVolumeXml(Volume("w-0-seed", 1 << 20));
  CreateVolume(pool.get(), xml);
  VolumePtr found = LookupVolume(pool.get(), "w-0-seed");
  ASSERT_NE(found, nullptr);
  try {
    CreateVolume(pool.get(), xml);
    ADD_FAILURE() << "created twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("creating a volume in storage pool egov-w"),
              std::string::npos)
        << e.what();
    EXPECT_FALSE(e.connection_lost());
  }
  DeleteVolume(found.get());
  EXPECT_EQ(LookupVolume(pool.get(), "w-0-seed"), nullptr);
  EXPECT_TRUE(ListVolumes(pool.get()).empty());
}

TEST(StorageVolumes, AnUploadTheDriverRefusesThrowsAndSendsNothing) {
  auto c = Connection::Open("test:///default");
  PoolPtr pool = StartedPool(*c, "egov-images");
  VolumePtr vol = CreateVolume(pool.get(), BuildVolumeXml(Volume("a", 1 << 20)));
  uint64_t progressed = 0;
  try {
    UploadVolume(vol.get(), 0, 1 << 20, [&](uint64_t n) { progressed = n; });
    ADD_FAILURE() << "the test driver uploaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("uploading to volume a"), std::string::npos) << e.what();
  }
  EXPECT_EQ(progressed, 0u);
}

}  // namespace
}  // namespace egov::libvirt
