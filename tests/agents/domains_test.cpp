#include "agents/domains.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "tests/agents/support.h"

namespace egov::agent {
namespace {

using namespace std::chrono_literals;

std::string ManagedDomainXml(const std::string& name, const std::string& uuid,
                             const std::string& agency) {
  DomainMetadata m;
  m.workload = "dvc-hanoi";
  m.agency = agency;
  m.system = "Cổng dịch vụ công";
  m.security_level = 3;
  m.provider = "viettel-cloud";
  m.health_url = "http://127.0.0.1:1/healthz";
  return "<domain type='test'><name>" + name + "</name><uuid>" + uuid + "</uuid><metadata>" +
         FormatMetadataElement(m) +
         "</metadata><memory unit='MiB'>256</memory><currentMemory unit='MiB'>128</currentMemory>"
         "<vcpu>2</vcpu><os><type>hvm</type></os></domain>";
}

TEST(ReadDomains, ManagedDomainsWithStateAndResourcesUnmanagedCounted) {
  testing::TempDir dir;
  const auto host = dir.Write(
      "host.xml",
      "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1"
      "</threads></cpu><memory>8388608</memory>" +
          ManagedDomainXml("b-managed", "11111111-2222-3333-4444-000000000002", "Sở Y tế Hà Nội") +
          ManagedDomainXml("a-managed", "11111111-2222-3333-4444-000000000001", "Bộ Tài chính") +
          "<domain type='test'><name>stray</name><memory unit='MiB'>64</memory>"
          "<vcpu>1</vcpu><os><type>hvm</type></os></domain></node>");
  auto conn = libvirt::Connection::Open("test://" + host.string());
  const LibvirtState state = ReadDomains(*conn);
  EXPECT_TRUE(state.up);
  EXPECT_EQ(state.unmanaged, 1);
  ASSERT_EQ(state.domains.size(), 2u);
  const DomainState& a = state.domains[0];
  EXPECT_EQ(a.name, "a-managed");
  EXPECT_EQ(a.uuid, "11111111-2222-3333-4444-000000000001");
  EXPECT_EQ(a.metadata.agency, "Bộ Tài chính");
  EXPECT_EQ(a.metadata.security_level, 3);
  EXPECT_EQ(a.metadata.health_url, "http://127.0.0.1:1/healthz");
  EXPECT_TRUE(a.up);
  EXPECT_EQ(a.vcpus, 2u);
  EXPECT_EQ(a.max_memory_bytes, 256u << 20);
  EXPECT_EQ(a.memory_bytes, 128u << 20);
  EXPECT_EQ(a.cpu_seconds, 0) << "the test driver runs no guest: no CPU time";
  EXPECT_EQ(state.domains[1].metadata.agency, "Sở Y tế Hà Nội");
}

class Watched {
 public:
  DomainWatcher::Publish Callback() {
    return [this](std::shared_ptr<const LibvirtState> s) {
      std::lock_guard lock(mutex_);
      latest_ = std::move(s);
      changed_.notify_all();
    };
  }
  bool WaitFor(const std::function<bool(const LibvirtState&)>& pred,
               std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return latest_ && pred(*latest_); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::shared_ptr<const LibvirtState> latest_;
};

bool Has(const LibvirtState& s, const std::string& name) {
  for (const auto& d : s.domains) {
    if (d.name == name) return true;
  }
  return false;
}

// test:///default is one shared in-process hypervisor: what this test defines through its own
// connection, the watcher sees through its own.
TEST(DomainWatcher, FollowsDomainsAppearingAndDisappearing) {
  auto admin = libvirt::Connection::Open("test:///default");
  Watched watched;
  // A long interval: changes must arrive through domain events, not polling.
  DomainWatcher watcher("test:///default", 60s, 4s, watched.Callback());
  ASSERT_TRUE(watched.WaitFor([](const auto& s) { return s.up; }));
  auto dom = admin->DefineDomain(
      ManagedDomainXml("appearing", "11111111-2222-3333-4444-0000000000a1", "Bộ Công an"), false);
  EXPECT_TRUE(watched.WaitFor([](const auto& s) { return Has(s, "appearing"); }));
  libvirt::StartDomain(dom.get());
  EXPECT_TRUE(
      watched.WaitFor([](const auto& s) { return Has(s, "appearing") && s.domains[0].up; }));
  libvirt::StopDomain(dom.get());
  libvirt::UndefineDomain(dom.get());
  EXPECT_TRUE(watched.WaitFor([](const auto& s) { return s.up && !Has(s, "appearing"); }));
}

TEST(DomainWatcher, UnreachableUriIsDownAndRetried) {
  Watched watched;
  DomainWatcher watcher("test:///nonexistent/host.xml", 100ms, 4s, watched.Callback());
  EXPECT_TRUE(watched.WaitFor([](const auto& s) { return !s.up && s.domains.empty(); }));
}

}  // namespace
}  // namespace egov::agent
