// The agent against a real libvirtd running QEMU (TCG), private to the test
// (scripts/libvirtd-sandbox) and stopped by PID: metrics follow a domain defined, started,
// stopped and undefined, and a daemon stopped then started again is noticed
// (egov_libvirt_up 0, then 1). Needs root; skipped otherwise.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "agents/agent.h"
#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "tests/agents/support.h"
#include "tests/support/libvirtd.h"
#include "tests/support/ports.h"

namespace egov::agent {
namespace {

using namespace std::chrono_literals;
using egov::testing::FreePort;
using egov::testing::Libvirtd;
using testing::Fetch;
using testing::Has;

bool WaitForMetrics(int port, const std::function<bool(const std::string&)>& pred) {
  return testing::WaitForBody(port, "/metrics", pred, 30s);
}

TEST(AgentOnLibvirtd, FollowsDomainsAndNoticesTheDaemonRestarting) {
  if (const std::string why = Libvirtd::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  Libvirtd daemon(dir.path() / "libvirtd", FreePort());
  ASSERT_TRUE(daemon.Start());
  const auto config =
      dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlibvirt: {uri: '" + daemon.UnixUri() +
                                  "', refresh_interval: 500ms}\n");
  Agent agent(config.string(), {});
  const int port = agent.port();
  ASSERT_TRUE(WaitForMetrics(port, [](const auto& b) { return Has(b, "egov_libvirt_up 1"); }));

  DomainMetadata m;
  m.workload = "bao-cao";
  m.agency = "Bộ Kế hoạch và Đầu tư";
  m.security_level = 3;
  m.provider = "cmc-cloud";
  {
    auto admin = libvirt::Connection::Open(daemon.UnixUri());
    auto dom = admin->DefineDomain(
        "<domain type='qemu'><name>bao-cao-0</name>"
        "<uuid>33333333-2222-3333-4444-000000000001</uuid><metadata>" +
            FormatMetadataElement(m) +
            "</metadata><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
            "<os><type arch='x86_64'>hvm</type></os><devices><video><model type='none'/>"
            "</video><memballoon model='none'/></devices></domain>",
        true);
    EXPECT_TRUE(WaitForMetrics(port, [](const auto& b) {
      return Has(b,
                 "agency=\"Bộ Kế hoạch và Đầu tư\",security_level=\"3\",provider=\"cmc-cloud\"} "
                 "1") &&
             Has(b, "egov_domain_up{domain=\"bao-cao-0\"} 0") &&
             Has(b, "egov_domain_memory_max_bytes{domain=\"bao-cao-0\"} 67108864");
    }));
    libvirt::StartDomain(dom.get());
    EXPECT_TRUE(WaitForMetrics(port, [](const auto& b) {
      return Has(b, "egov_domain_up{domain=\"bao-cao-0\"} 1") &&
             Has(b, "egov_domain_vcpus{domain=\"bao-cao-0\"} 1");
    }));
    libvirt::StopDomain(dom.get());
    libvirt::UndefineDomain(dom.get());
    EXPECT_TRUE(WaitForMetrics(
        port, [](const auto& b) { return Has(b, "egov_libvirt_up 1") && !Has(b, "bao-cao-0"); }));
  }

  daemon.Stop();
  EXPECT_TRUE(WaitForMetrics(port, [](const auto& b) {
    return Has(b, "egov_libvirt_up 0") && !Has(b, "egov_domain_");
  })) << "the agent notices the daemon is gone";
  ASSERT_TRUE(daemon.Start());
  EXPECT_TRUE(WaitForMetrics(port, [](const auto& b) { return Has(b, "egov_libvirt_up 1"); }))
      << "and reconnects when it is back";
  EXPECT_EQ(Fetch(port, {.path = "/healthz"}).status, 200);
}

}  // namespace
}  // namespace egov::agent
