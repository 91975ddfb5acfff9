#include "orchestrator/domain_xml.h"

#include <gtest/gtest.h>

#include "orchestrator/desired.h"

namespace egov::orchestrator {
namespace {

Workload Sample() {
  Workload w;
  w.name = "dvc";
  w.agency = "Bộ Công an <script>&";
  w.system = "Hệ thống ' \" </title><hostdev/>";
  w.security_level = 3;
  w.resources = {2, 64ULL << 20, 0};
  return w;
}

DomainRequest Request(const Workload& w) {
  DomainRequest r;
  r.name = DomainName(w.name, 0);
  r.uuid = ReplicaUuid(w.name, 0);
  r.workload = &w;
  r.metadata.workload = w.name;
  r.metadata.agency = w.agency;
  r.metadata.system = w.system;
  r.metadata.security_level = w.security_level;
  r.network = "egov-dvc";
  return r;
}

TEST(DomainXml, ValidAgainstLibvirtsSchemaForEveryHostKind) {
  const Workload w = Sample();
  for (auto kind : {HostTraits::Kind::kTest, HostTraits::Kind::kQemu, HostTraits::Kind::kKvm}) {
    for (const std::string model : {"", "apparmor", "selinux"}) {
      const std::string xml = BuildDomainXml(Request(w), {kind, model});
      EXPECT_EQ(ValidateDomainXml(xml), std::nullopt) << xml;
    }
  }
}

TEST(DomainXml, SchemaCheckCatchesWhatLibvirtWouldDrop) {
  EXPECT_NE(ValidateDomainXml("<domain type='test'><name>x</name><memory>1</memory>"
                              "<os><type>hvm</type></os><bogus/></domain>"),
            std::nullopt);
  EXPECT_NE(ValidateDomainXml("<domain"), std::nullopt);
}

TEST(DomainXml, TextIsEscapedNeverMarkup) {
  const std::string xml = BuildDomainXml(Request(Sample()), {});
  EXPECT_EQ(xml.find("<hostdev"), std::string::npos);
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;/title&gt;&lt;hostdev/&gt;"), std::string::npos) << xml;
  auto meta = ParseDomainMetadata(xml);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->agency, "Bộ Công an <script>&");
  EXPECT_EQ(meta->system, "Hệ thống ' \" </title><hostdev/>");
}

TEST(DomainXml, HardenedForRealHypervisors) {
  const std::string xml = BuildDomainXml(Request(Sample()), {HostTraits::Kind::kQemu, "apparmor"});
  EXPECT_NE(xml.find("<domain type='qemu'>"), std::string::npos);
  EXPECT_EQ(xml.find("<graphics"), std::string::npos);
  EXPECT_NE(xml.find("<video><model type='none'/></video>"), std::string::npos);
  EXPECT_EQ(xml.find("vnc"), std::string::npos);
  EXPECT_EQ(xml.find("spice"), std::string::npos);
  EXPECT_EQ(xml.find("<hostdev"), std::string::npos);
  EXPECT_NE(xml.find("<seclabel type='dynamic' model='apparmor'"), std::string::npos);
  EXPECT_NE(xml.find("<memory unit='KiB'>65536</memory>"), std::string::npos);
  EXPECT_EQ(xml.find("<disk"), std::string::npos);  // no image: diskless
  const std::string plain = BuildDomainXml(Request(Sample()), {HostTraits::Kind::kQemu, ""});
  EXPECT_EQ(plain.find("<seclabel"), std::string::npos);
}

TEST(DomainXml, TraitsFromCapabilities) {
  const std::string caps =
      "<capabilities><host><secmodel><model>none</model></secmodel>"
      "<secmodel><model>apparmor</model></secmodel><secmodel><model>dac</model></secmodel>"
      "</host><guest><arch name='x86_64'><domain type='qemu'/></arch></guest></capabilities>";
  const HostTraits t = TraitsFromCapabilities("qemu:///system", caps);
  EXPECT_EQ(t.kind, HostTraits::Kind::kQemu);
  EXPECT_EQ(t.security_model, "apparmor");
  const HostTraits dac = TraitsFromCapabilities(
      "qemu+tcp://127.0.0.1/system", "<secmodel><model>dac</model></secmodel><domain type='kvm'/>");
  EXPECT_EQ(dac.kind, HostTraits::Kind::kKvm);
  EXPECT_EQ(dac.security_model, "");  // DAC labels are static: no dynamic label
  EXPECT_EQ(TraitsFromCapabilities("test:///x.xml", "").kind, HostTraits::Kind::kTest);
}

TEST(DomainXml, StableIdentities) {
  EXPECT_EQ(ReplicaUuid("dvc", 0), ReplicaUuid("dvc", 0));
  EXPECT_NE(ReplicaUuid("dvc", 0), ReplicaUuid("dvc", 1));
  const std::string u = ReplicaUuid("dvc", 0);
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '5');                                                      // version 5
  EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');  // RFC 4122
  EXPECT_EQ(BuildNetworkXml("egov-dvc"), BuildNetworkXml("egov-dvc"));
}

}  // namespace
}  // namespace egov::orchestrator
