#include "common/libvirt.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/temp_dir.h"

namespace egov::libvirt {
namespace {

// A minimal domain definition for libvirt's test driver.
std::string TestDomain(const std::string& name, const std::string& uuid, int memory_mib) {
  return "<domain type='test'><name>" + name + "</name><uuid>" + uuid +
         "</uuid><memory unit='MiB'>" + std::to_string(memory_mib) +
         "</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
}

// A simulated host file with one domain, as libvirt's test driver reads it.
class TestDriverHost : public ::testing::Test {
 protected:
  void SetUp() override {
    uri_ = "test://" + dir_.Write("host.xml", R"(<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads></cpu>
  <memory>16777216</memory>
  <domain type='test'>
    <name>tagged</name><uuid>11111111-2222-3333-4444-000000000001</uuid>
    <metadata><e:workload xmlns:e="urn:x" agency="Bộ Y tế"/></metadata>
    <memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os>
  </domain>
</node>)")
                           .string();
  }

  egov::testing::TempDir dir_;
  std::string uri_;
};

TEST_F(TestDriverHost, ListsDomainsWithInfoAndMetadata) {
  auto conn = Connection::Open(uri_);
  EXPECT_TRUE(conn->IsAlive());
  EXPECT_EQ(conn->NodeInfo().memory, 16777216u);
  auto doms = conn->ListAllDomains();
  ASSERT_EQ(doms.size(), 1u);
  const DomainInfo info = GetDomainInfo(doms[0].get());
  EXPECT_EQ(info.name, "tagged");
  EXPECT_EQ(info.uuid, "11111111-2222-3333-4444-000000000001");
  EXPECT_EQ(info.state, VIR_DOMAIN_RUNNING);  // no test:runstate: starts running
  EXPECT_EQ(info.max_memory_kib, 65536u);
  auto meta = GetDomainMetadata(doms[0].get(), "urn:x");
  ASSERT_TRUE(meta);
  EXPECT_NE(meta->find("agency="), std::string::npos);
  EXPECT_FALSE(GetDomainMetadata(doms[0].get(), "urn:other"));
}

TEST_F(TestDriverHost, LookupOfAbsentObjectsIsNullNotError) {
  auto conn = Connection::Open(uri_);
  EXPECT_EQ(conn->LookupDomainByUuid("11111111-2222-3333-4444-00000000000f"), nullptr);
  EXPECT_EQ(conn->LookupNetwork("absent"), nullptr);
  EXPECT_EQ(conn->LookupStoragePool("absent"), nullptr);
  EXPECT_NE(conn->LookupDomainByUuid("11111111-2222-3333-4444-000000000001"), nullptr);
}

TEST_F(TestDriverHost, DefineStartStopUndefine) {
  auto conn = Connection::Open(uri_);
  auto dom =
      conn->DefineDomain(TestDomain("new", "11111111-2222-3333-4444-000000000002", 64), true);
  EXPECT_EQ(GetDomainInfo(dom.get()).state, VIR_DOMAIN_SHUTOFF);
  StartDomain(dom.get());
  EXPECT_EQ(GetDomainInfo(dom.get()).state, VIR_DOMAIN_RUNNING);
  StopDomain(dom.get());
  StopDomain(dom.get());  // already off: fine
  UndefineDomain(dom.get());
  EXPECT_EQ(conn->LookupDomainByUuid("11111111-2222-3333-4444-000000000002"), nullptr);
}

TEST_F(TestDriverHost, ValidationRejectsUnknownElements) {
  auto conn = Connection::Open(uri_);
  const std::string xml =
      "<domain type='test'><name>bad</name><memory>65536</memory><os><type>hvm</type></os>"
      "<bogus/></domain>";
  EXPECT_NO_THROW(conn->DefineDomain(xml, false));  // silently dropped without validation
  try {
    conn->DefineDomain(xml, true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
    EXPECT_FALSE(e.connection_lost());
  }
}

TEST_F(TestDriverHost, DefineWithoutUuidTwiceFailsWithUuidItIsIdempotent) {
  auto conn = Connection::Open(uri_);
  EXPECT_NO_THROW(
      conn->DefineDomain(TestDomain("tagged", "11111111-2222-3333-4444-000000000001", 128), true));
  EXPECT_THROW(
      conn->DefineDomain(TestDomain("tagged", "11111111-2222-3333-4444-000000000009", 128), true),
      Error);
}

TEST(LibvirtConnection, UnreachableHostIsConnectionLost) {
  try {
    Connection::Open("qemu+tcp://127.0.0.1:1/system");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(e.connection_lost()) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

TEST(LibvirtConnection, MissingHostFileIsAnError) {
  EXPECT_THROW(Connection::Open("test:///nonexistent/egov/host.xml"), Error);
}

}  // namespace
}  // namespace egov::libvirt
