// The agent against a real libvirtd running QEMU (TCG), private to the test
// (scripts/libvirtd-sandbox) and stopped by PID: metrics follow a domain defined, started,
// stopped and undefined, and a daemon stopped then started again is noticed
// (egov_libvirt_up 0, then 1). Needs root; skipped otherwise.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "agents/agent.h"
#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "tests/agents/support.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Fetch;
using testing::RunCommand;

const std::string kSandbox = std::string(EGOV_SOURCE_DIR) + "/scripts/libvirtd-sandbox";

int FreePort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

// One private libvirtd, stopped (by the PID the sandbox recorded) when it goes out of scope.
class Daemon {
 public:
  Daemon(fs::path dir, int port) : dir_(std::move(dir)), port_(port) {}
  ~Daemon() { Stop(); }
  bool Start() {
    const auto r = RunCommand({kSandbox, "start", dir_.string(), std::to_string(port_)});
    running_ = r.exit_code == 0;
    if (!running_) ADD_FAILURE() << r.output;
    return running_;
  }
  void Stop() {
    if (running_) RunCommand({kSandbox, "stop", dir_.string()});
    running_ = false;
  }
  std::string Uri() const {
    return "qemu:///system?socket=" + (dir_ / "sock" / "libvirt-sock").string();
  }

 private:
  fs::path dir_;
  int port_;
  bool running_ = false;
};

bool WaitForMetrics(int port, const std::function<bool(const std::string&)>& pred,
                    std::chrono::seconds limit = 30s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    const auto r = Fetch(port, {.path = "/metrics"});
    if (r.status == 200 && pred(r.body)) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(AgentOnLibvirtd, FollowsDomainsAndNoticesTheDaemonRestarting) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a private libvirtd";
  if (!fs::exists("/usr/sbin/libvirtd") || !fs::exists("/usr/bin/qemu-system-x86_64")) {
    GTEST_SKIP() << "libvirtd or qemu-system-x86_64 is not installed";
  }
  testing::TempDir dir;
  Daemon daemon(dir.path() / "libvirtd", FreePort());
  ASSERT_TRUE(daemon.Start());
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlibvirt: {uri: '" +
                                                  daemon.Uri() + "', refresh_interval: 500ms}\n");
  Agent agent(config.string(), {});
  const int port = agent.port();
  ASSERT_TRUE(WaitForMetrics(port, [](const auto& b) { return Has(b, "egov_libvirt_up 1"); }));

  DomainMetadata m;
  m.workload = "bao-cao";
  m.agency = "Bộ Kế hoạch và Đầu tư";
  m.security_level = 3;
  m.provider = "cmc-cloud";
  {
    auto admin = libvirt::Connection::Open(daemon.Uri());
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
