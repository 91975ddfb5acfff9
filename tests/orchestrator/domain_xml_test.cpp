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

// `xml` with its first `from` replaced by `to` (a failure when it has no `from`).
std::string Edit(std::string xml, const std::string& from, const std::string& to) {
  const size_t at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? xml : xml.replace(at, from.size(), to);
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

const ExpectedDomain kExpected = {DomainName("dvc", 0), ReplicaUuid("dvc", 0), "dvc", 0};

TEST(DomainXml, ValidAgainstLibvirtsSchemaForEveryHostKind) {
  const Workload w = Sample();
  for (auto kind : {HostTraits::Kind::kTest, HostTraits::Kind::kQemu, HostTraits::Kind::kKvm}) {
    for (const std::string model : {"", "apparmor", "selinux"}) {
      const std::string xml = BuildDomainXml(Request(w), {kind, model});
      EXPECT_EQ(ValidateDomainXml(xml, kExpected), std::nullopt) << xml;
    }
  }
}

TEST(DomainXml, SchemaCheckCatchesWhatLibvirtWouldDrop) {
  EXPECT_NE(ValidateDomainXml("<domain type='test'><name>x</name><memory>1</memory>"
                              "<os><type>hvm</type></os><bogus/></domain>",
                              kExpected),
            std::nullopt);
  EXPECT_NE(ValidateDomainXml("<domain", kExpected), std::nullopt);
}

// A definition edited in a saved plan: valid for libvirt, but not what egovctl defines.
TEST(DomainXml, RefusesWhatEgovctlNeverDefines) {
  const std::string xml = BuildDomainXml(Request(Sample()), {HostTraits::Kind::kKvm, "selinux"});
  auto edit = [&](const std::string& from, const std::string& to) { return Edit(xml, from, to); };
  auto add_device = [&](const std::string& device) {
    return edit("  <devices>\n", "  <devices>\n" + device);
  };
  // What ValidateDomainXml says of a part egovctl never writes.
  auto hardening = [](const std::string& part) {
    return "has " + part + ", which egovctl never defines (hardening)";
  };
  const struct {
    std::string xml;
    std::string problem;
  } cases[] = {
      {add_device("<graphics type='vnc' port='-1' autoport='yes'/>"), hardening("<graphics>")},
      {add_device("<hostdev mode='subsystem' type='pci'><source><address "
                  "domain='0' bus='0' slot='1' function='0'/></source></hostdev>"),
       hardening("<hostdev>")},
      {edit("<memballoon model='none'/>", "<memballoon model='virtio'/>"),
       hardening("a memory balloon")},
      {edit("<video><model type='none'/></video>", "<video><model type='vga'/></video>"),
       hardening("a video card")},
      {add_device("<disk type='block' device='disk'><source dev='/dev/sda'/>"
                  "<target dev='vdb' bus='virtio'/></disk>"),
       hardening("a disk that is not a storage volume")},
      {edit("<seclabel type='dynamic' model='selinux' relabel='yes'/>", "<seclabel type='none'/>"),
       hardening("a security label that is not dynamic")},
      {edit("<type arch='x86_64'>hvm</type>",
            "<type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel>"),
       hardening("<os><kernel>")},
      {edit("<domain type='kvm'>",
            "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
            "<qemu:commandline><qemu:arg value='-s'/></qemu:commandline>"),
       hardening("<qemu:commandline>")},
      {edit("<uuid>" + ReplicaUuid("dvc", 0), "<uuid>" + ReplicaUuid("other", 0)),
       "has UUID " + ReplicaUuid("other", 0) + ", not " + ReplicaUuid("dvc", 0)},
      {edit("<name>dvc-0</name>", "<name>other-0</name>"), "is named other-0, not dvc-0"},
      {edit("workload=\"dvc\"", "workload=\"other\""),
       "has the metadata of other replica 0, not of dvc replica 0"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ValidateDomainXml(c.xml, kExpected), c.problem) << c.xml;
  }
  EXPECT_EQ(ValidateDomainXml(xml, kExpected), std::nullopt);
}

// libvirt's schema runs once per shape of definition (issue 18's bench); a replica's own
// values outside the classes egovctl writes, and anything else that differs, still meet it.
TEST(DomainXml, SchemaVerdictPerShapeKeepsEveryRejection) {
  const Workload w = Sample();
  const std::string xml = BuildDomainXml(Request(w), {HostTraits::Kind::kKvm, "selinux"});
  auto edit = [&](const std::string& from, const std::string& to) { return Edit(xml, from, to); };
  const std::string mac = MacAddress(ReplicaUuid("dvc", 0));
  const std::string rejected[] = {
      edit("<name>dvc-0</name>", "<name>dvc-0\n</name>"),  // objectNameWithSlash
      edit("<title>", "<title>\n"),                        // the same
      edit("<uuid>" + ReplicaUuid("dvc", 0), "<uuid>x"),   // UUID
      edit(mac, "53" + mac.substr(2)),                     // a multicast MAC
      edit("<interface type='network'>", "<interface type='nework'>"),
      edit("<memory unit='KiB'>", "<memory unit='bogus'>"),
  };
  std::vector<std::string> first;
  for (const auto& bad : rejected) first.push_back(ValidateDomainXml(bad, kExpected).value_or(""));
  // Replicas of other workloads, on networks of their own: one shape, accepted.
  for (const std::string name : {"dvc", "thue-dien-tu", "a"}) {
    Workload other = w;
    other.name = name;
    other.system = "Hệ thống " + name;
    DomainRequest r = Request(other);
    r.name = DomainName(name, 3);
    r.uuid = ReplicaUuid(name, 3);
    r.network = "egov-" + name;
    r.disk_pool = "egov-" + name;
    r.metadata.workload = name;
    r.metadata.replica = 3;
    EXPECT_EQ(ValidateDomainXml(BuildDomainXml(r, {HostTraits::Kind::kKvm, "selinux"}),
                                {r.name, r.uuid, name, 3}),
              std::nullopt);
  }
  EXPECT_EQ(ValidateDomainXml(xml, kExpected), std::nullopt);
  for (size_t i = 0; i < std::size(rejected); ++i) {
    EXPECT_NE(first[i].find("does not match libvirt's domain schema: "), std::string::npos)
        << rejected[i];
    EXPECT_EQ(ValidateDomainXml(rejected[i], kExpected), first[i]) << rejected[i];
  }
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
