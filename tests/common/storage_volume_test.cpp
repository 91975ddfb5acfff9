#include "common/storage_volume.h"

#include <gtest/gtest.h>

namespace egov {
namespace {

TEST(VolumeXml, DescribesAQcow2OverlayOnItsBackingStore) {
  StorageVolume v;
  v.name = "dvc-quoc-gia-0-root";
  v.format = "qcow2";
  v.capacity = 200ULL << 30;
  v.backing_path = "/var/lib/egov/pools/egov-images/dvc-portal-5f3c2a1b";
  v.backing_format = "qcow2";
  EXPECT_EQ(BuildVolumeXml(v),
            "<volume>\n"
            "  <name>dvc-quoc-gia-0-root</name>\n"
            "  <capacity unit='bytes'>214748364800</capacity>\n"
            "  <allocation unit='bytes'>0</allocation>\n"
            "  <target>\n    <format type='qcow2'/>\n  </target>\n"
            "  <backingStore>\n"
            "    <path>/var/lib/egov/pools/egov-images/dvc-portal-5f3c2a1b</path>\n"
            "    <format type='qcow2'/>\n"
            "  </backingStore>\n"
            "</volume>\n");
}

TEST(VolumeXml, EscapesNamesAndLeavesOutAMissingBackingStore) {
  StorageVolume v;
  v.name = "a'<b>&";
  v.format = "raw";
  v.capacity = 1;
  const std::string xml = BuildVolumeXml(v);
  EXPECT_NE(xml.find("<name>a&apos;&lt;b&gt;&amp;</name>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("backingStore"), std::string::npos);
  const auto back = ParseVolumeXml(xml);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->name, v.name);
}

TEST(VolumeXml, ReadsWhatLibvirtWrites) {
  // virsh vol-dumpxml of an overlay in a directory pool (libvirt 9.0).
  const auto v = ParseVolumeXml(R"(<volume type='file'>
  <name>w-0-root</name>
  <key>/var/lib/egov/pools/egov-w/w-0-root</key>
  <capacity unit='bytes'>3221225472</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196624</physical>
  <target>
    <path>/var/lib/egov/pools/egov-w/w-0-root</path>
    <format type='qcow2'/>
    <permissions><mode>0600</mode><owner>0</owner><group>0</group></permissions>
  </target>
  <backingStore>
    <path>/var/lib/egov/pools/egov-images/debian-12-5f3c2a1b</path>
    <format type='qcow2'/>
  </backingStore>
</volume>)");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->name, "w-0-root");
  EXPECT_EQ(v->path, "/var/lib/egov/pools/egov-w/w-0-root");
  EXPECT_EQ(v->format, "qcow2");
  EXPECT_EQ(v->capacity, 3221225472u);
  EXPECT_EQ(v->allocation, 200704u);
  EXPECT_EQ(v->backing_path, "/var/lib/egov/pools/egov-images/debian-12-5f3c2a1b");
  EXPECT_EQ(v->backing_format, "qcow2");
}

TEST(VolumeXml, RefusesWhatIsNotAVolume) {
  EXPECT_FALSE(ParseVolumeXml("<pool><name>x</name></pool>").has_value());
  EXPECT_FALSE(ParseVolumeXml("<volume><name>x").has_value());
  EXPECT_FALSE(ParseVolumeXml("").has_value());
}

}  // namespace
}  // namespace egov
