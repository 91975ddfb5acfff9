#include "agents/agent.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <thread>

#include "agents/cli.h"
#include "agents/commands.h"
#include "agents/http_server.h"
#include "agents/log.h"
#include "agents/scan_process.h"
#include "checks/scan.h"
#include "common/diagnostics.h"
#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "tests/agents/support.h"
#include "tests/support/serving.h"

namespace egov::agent {
namespace {

using namespace std::chrono_literals;
using egov::testing::Serving;
using testing::Fetch;
using testing::Has;
using testing::RunProcess;
using testing::TempDir;
using testing::WaitForBody;
using Clock = std::chrono::steady_clock;

// A results document with one passing and one failing control.
nlohmann::json Results(const std::string& profile, const std::string& failing_status) {
  checks::ScanResult r;
  r.host = "test-host";
  checks::ProfileResult p;
  p.name = profile;
  for (const auto& [id, status, severity] :
       {std::tuple{"OK-1", std::string("pass"), Severity::kHigh},
        {"BAD-1", failing_status, Severity::kCritical}}) {
    checks::ControlResult c;
    c.id = id;
    c.group = "g";
    c.feature = "f";
    c.severity = severity;
    EXPECT_TRUE(checks::ParseStatus(status, c.status)) << status;
    p.controls.push_back(c);
  }
  checks::Summarize(p);
  r.profiles.push_back(p);
  return checks::ToJson(r);
}

TEST(Agent, ServesTheLatestScanAsMetricsAndJson) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nhost: test-host\n");
  std::atomic<int> scans{0};
  Agent agent(config.string(), {}, [&](const AgentConfig& c) {
    EXPECT_EQ(c.host, "test-host");
    ++scans;
    return ScanOutcome{Results("p", "fail")};
  });
  ASSERT_TRUE(WaitForBody(agent.port(), "/metrics",
                          [](const std::string& b) { return Has(b, "egov_scans_total 1"); }));
  const auto metrics = Fetch(agent.port(), {.path = "/metrics"}).body;
  EXPECT_TRUE(Has(metrics,
                  "egov_control_passed{profile=\"p\",control=\"BAD-1\",group=\"g\","
                  "feature=\"f\",control_severity=\"critical\"} 0"))
      << metrics;
  EXPECT_TRUE(Has(metrics, "egov_agent_config_last_reload_successful 1"));
  const auto results = Fetch(agent.port(), {.path = "/api/v1/results"});
  EXPECT_EQ(results.status, 200);
  EXPECT_EQ(nlohmann::json::parse(results.body), Results("p", "fail"));
  EXPECT_EQ(Fetch(agent.port(), {.path = "/healthz"}).status, 200);
  EXPECT_EQ(scans.load(), 1) << "one scan at start; the next one is an hour away";
}

TEST(Agent, ScansAgainOnItsInterval) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nscan: {interval: 1s}\n");
  std::atomic<int> scans{0};
  Agent agent(config.string(), {}, [&](const AgentConfig&) {
    ++scans;
    return ScanOutcome{Results("p", "pass")};
  });
  std::this_thread::sleep_for(2500ms);
  EXPECT_GE(scans.load(), 3);
  EXPECT_LE(scans.load(), 4);
}

// A scan that hangs (far past any timeout) must not delay scrapes: they read the last
// completed results.
TEST(Agent, AHungScanNeverDelaysAScrape) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml",
                                "listen: 127.0.0.1:0\nscan: {interval: 1s, "
                                "check_timeout: 10ms}\n");
  std::mutex mutex;
  std::condition_variable release;
  bool released = false;
  std::atomic<int> scans{0};
  {
    Agent agent(config.string(), {}, [&](const AgentConfig&) {
      if (++scans == 1) return ScanOutcome{Results("p", "pass")};
      std::unique_lock lock(mutex);  // the second scan hangs until the test lets it go
      release.wait(lock, [&] { return released; });
      return ScanOutcome{Results("p", "fail")};
    });
    ASSERT_TRUE(WaitForBody(agent.port(), "/metrics",
                            [](const std::string& b) { return Has(b, "egov_scans_total 1"); }));
    while (scans.load() < 2) std::this_thread::sleep_for(10ms);
    auto worst = Clock::duration::zero();
    for (int i = 0; i < 50; ++i) {
      const auto start = Clock::now();
      const auto r = Fetch(agent.port(), {.path = "/metrics"});
      worst = std::max(worst, Clock::now() - start);
      ASSERT_EQ(r.status, 200);
      ASSERT_TRUE(Has(r.body,
                      "control=\"BAD-1\",group=\"g\",feature=\"f\",control_severity="
                      "\"critical\"} 1"));
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_LT(worst, 100ms);
    {
      std::lock_guard lock(mutex);
      released = true;
    }
    release.notify_all();
  }
}

TEST(Agent, AFailedScanKeepsThePreviousResultsAndCountsTheFailure) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nscan: {interval: 1s}\n");
  std::atomic<int> scans{0};
  Agent agent(config.string(), {}, [&](const AgentConfig&) {
    if (++scans > 1) throw std::runtime_error("profile directory vanished");
    auto results = Results("p", "error");
    results["profiles"][0]["controls"][1]["timed_out"] = true;
    return ScanOutcome{results};
  });
  ASSERT_TRUE(WaitForBody(agent.port(), "/metrics", [](const std::string& b) {
    return Has(b, "egov_scan_failures_total 1");
  }));
  const auto metrics = Fetch(agent.port(), {.path = "/metrics"}).body;
  EXPECT_TRUE(Has(metrics, "egov_control_check_error{profile=\"p\",control=\"BAD-1\"} 1"));
  EXPECT_TRUE(Has(metrics, "egov_check_timeouts_total 1"));
  EXPECT_EQ(Fetch(agent.port(), {.path = "/api/v1/results"}).status, 200);
}

// A check abandoned on its timeout says so in its `timed_out` field; a reason that only reads
// "timed out" (a remote service's own message, say) is not a timeout of the check. The scan runs
// as a child process, as in the agent, here a script writing the document.
TEST(Agent, CountsTheChecksThatTimedOutNotTheReasonsThatSaySo) {
  TempDir dir;
  auto results = Results("p", "error");
  auto& controls = results["profiles"][0]["controls"];
  auto slow = controls[1], other = controls[1];
  controls[1]["reason"] = "timed out after 10 ms";  // an error that did not time out
  slow["id"] = "SLOW-1";
  slow["reason"] = "abandoned after 10 ms";
  slow["timed_out"] = true;
  other["id"] = "HTTP-1";
  other["reason"] = "timed out waiting for the registry (HTTP 504)";
  controls.push_back(slow);
  controls.push_back(other);
  const auto doc = dir.Write("results.json", results.dump());
  const auto scanner = dir.Write("scanner", "#!/bin/sh\ncat '" + doc.string() + "'\nexit 1\n");
  std::filesystem::permissions(scanner, std::filesystem::perms::owner_all);
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\n");
  const std::atomic<bool> cancel{false};
  Agent agent(config.string(), {},
              [&](const AgentConfig& c) { return RunScanProcess(scanner.string(), c, cancel); });
  ASSERT_TRUE(WaitForBody(agent.port(), "/metrics",
                          [](const std::string& b) { return Has(b, "egov_scans_total 1"); }));
  const auto metrics = Fetch(agent.port(), {.path = "/metrics"}).body;
  EXPECT_TRUE(Has(metrics, "egov_control_check_error{profile=\"p\",control=\"SLOW-1\"} 1"))
      << metrics;
  EXPECT_TRUE(Has(metrics, "egov_check_timeouts_total 1")) << metrics;
}

// The start-up pages are released only once the first scan, the libvirt connection and the
// first probe of every target are behind the agent: their code is then out of the way.
TEST(Agent, StartupIsOverAfterTheFirstScanLibvirtConnectionAndProbeRound) {
  Snapshot s;
  EXPECT_TRUE(StartupSettled(s, false, 0)) << "nothing to wait for";
  EXPECT_FALSE(StartupSettled(s, true, 0)) << "no scan yet";
  s.scan_counters.scans = 1;  // ended, whether it succeeded or not
  EXPECT_TRUE(StartupSettled(s, true, 0));

  s.libvirt = std::make_shared<const LibvirtState>();  // configured, not connected yet
  EXPECT_FALSE(StartupSettled(s, true, 0));
  s.libvirt = std::make_shared<const LibvirtState>(LibvirtState{.up = true});
  EXPECT_TRUE(StartupSettled(s, true, 0));

  EXPECT_FALSE(StartupSettled(s, true, 2)) << "targets configured, none published yet";
  auto probes = std::make_shared<std::vector<ProbeState>>(2);
  (*probes)[0].probed = true;
  s.probes = probes;
  EXPECT_FALSE(StartupSettled(s, true, 2)) << "one target still in its first probe";
  (*probes)[1].probed = true;
  EXPECT_TRUE(StartupSettled(s, true, 2));
  EXPECT_FALSE(StartupSettled(s, true, 3)) << "a target added since (a new domain's URL)";
}

// Start-up that does not end (libvirt unreachable, no scans configured) is waited for calmly:
// the scan thread looks once a second, it does not spin.
TEST(Agent, WaitsForStartUpWithoutSpinning) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlibvirt: {uri: 'test://" +
                                                  (dir.path() / "none.xml").string() + "'}\n");
  Agent agent(config.string(), {});
  const auto cpu = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  std::this_thread::sleep_for(200ms);
  const auto before = cpu();
  std::this_thread::sleep_for(1500ms);
  EXPECT_LT(cpu() - before, 300ms) << "a thread busy for most of 1.5 s";
  EXPECT_FALSE(StartupSettled(*agent.store()->Get(), false, 0)) << "libvirt must still be down";
}

TEST(Agent, BadConfigurationAtStartIsAConfigError) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nscan: {intervall: 1s}\n");
  try {
    Agent agent(config.string(), {});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(Has(e.what(), "agent.yaml:2:8: scan: unknown key 'intervall'")) << e.what();
  }
  const auto web = dir.Write("web.yaml", "basic_auth_users: {u: plain}\n");
  const auto config2 = dir.Write("agent2.yaml", "listen: 127.0.0.1:0\nweb_config_file: web.yaml\n");
  EXPECT_THROW(Agent(config2.string(), {}), ConfigError);
}

TEST(Agent, ReloadAppliesAGoodConfigurationAndKeepsTheOldOneOnABadOne) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nhost: first\n");
  std::mutex mutex;
  std::vector<std::string> hosts;
  Agent agent(config.string(), {}, [&](const AgentConfig& c) {
    std::lock_guard lock(mutex);
    hosts.push_back(c.host);
    return ScanOutcome{Results(c.host, "pass")};
  });
  const int port = agent.port();
  ASSERT_TRUE(WaitForBody(port, "/metrics", [](const std::string& b) {
    return Has(b, "egov_compliance_ratio{profile=\"first\"}");
  }));
  // Good: applied, and a scan runs at once with the new settings.
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nhost: second\n");
  EXPECT_TRUE(agent.Reload());
  EXPECT_EQ(agent.port(), port) << "same address: the listener stays";
  ASSERT_TRUE(WaitForBody(port, "/metrics", [](const std::string& b) {
    return Has(b, "egov_compliance_ratio{profile=\"second\"}") &&
           !Has(b, "egov_compliance_ratio{profile=\"first\"}");
  }));
  // Bad: refused, the running configuration stays, and the metric says so.
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nhost: third\nprobes: {timeout: soon}\n");
  EXPECT_FALSE(agent.Reload());
  const auto metrics = Fetch(port, {.path = "/metrics"}).body;
  EXPECT_TRUE(Has(metrics, "egov_agent_config_last_reload_successful 0")) << metrics;
  std::this_thread::sleep_for(200ms);
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(hosts, (std::vector<std::string>{"first", "second"}));
  }
  // Fixed: back to 1.
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nhost: fourth\n");
  EXPECT_TRUE(agent.Reload());
  EXPECT_TRUE(WaitForBody(port, "/metrics", [](const std::string& b) {
    return Has(b, "egov_agent_config_last_reload_successful 1") &&
           Has(b, "egov_compliance_ratio{profile=\"fourth\"}");
  }));
}

// A profile regex that grows without bound in a backtracking engine (24 GB before the kernel
// killed a scan) is refused when the profile is loaded, with its position: at start, by the
// scan child, and on reload, where the running configuration stays.
TEST(Agent, ARegexBombIsRefusedAtLoadAndOnReload) {
  TempDir dir;
  const auto root = dir.path() / "root";
  std::filesystem::create_directories(root / "etc");
  dir.Write("root/etc/motd", "hello\n");
  const std::string profile_head =
      "kind: Profile\nname: bomb\ntitle: {vi: b, en: b}\ncontrols:\n  - id: B-1\n    title: {en: "
      "b, vi: b}\n"
      "    group: g\n    feature: f\n    severity: low\n    check:\n"
      "      type: file_content\n      path: /etc/motd\n      pattern: ";
  const auto good = dir.Write("good.yaml", profile_head + "'hel+o'\n");
  const auto bomb = dir.Write("bomb.yaml", profile_head + "'((a{1,255}){1,255}){1,255}'\n");
  // The scan child itself: refused in well under a second, without growing. Peaks are compared
  // with a scan of the good profile (RUSAGE_CHILDREN keeps the largest child's): a sanitizer
  // build alone takes some 140 MB.
  const auto scan_of = [&](const std::filesystem::path& profile) {
    return RunProcess({ProgramBeside("egov-agent"), "scan", "--profile", profile.string(), "--root",
                       root.string(), "--memory-limit", "96Mi"});
  };
  EXPECT_EQ(scan_of(good).code, 0);
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  const long good_peak_kib = children.ru_maxrss;
  const auto start = Clock::now();
  const auto scan = scan_of(bomb);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(scan.code, 2) << scan.out << scan.err;
  EXPECT_TRUE(Has(scan.err, "bomb.yaml:13:16: ")) << scan.err;
  EXPECT_TRUE(Has(scan.err, "invalid regular expression: invalid repetition size")) << scan.err;
  EXPECT_LT(took, 5.0) << "generous: a sanitizer build under load; about 0.1 s otherwise";
  ::getrusage(RUSAGE_CHILDREN, &children);
  EXPECT_LT(children.ru_maxrss, good_peak_kib + 100 * 1024) << "peak KiB of the scan child";
  // The daemon: a reload to the bomb keeps the running configuration.
  const auto config = dir.Write(
      "agent.yaml", "listen: 127.0.0.1:0\nscan: {root: root, profiles: [" + good.string() + "]}\n");
  Agent agent(config.string(), {});
  ASSERT_TRUE(WaitForBody(agent.port(), "/metrics", [](const std::string& b) {
    return Has(b, "egov_compliance_ratio{profile=\"bomb\"} 1");
  }));
  dir.Write("agent.yaml",
            "listen: 127.0.0.1:0\nscan: {root: root, profiles: [" + bomb.string() + "]}\n");
  EXPECT_FALSE(agent.Reload());
  const auto metrics = Fetch(agent.port(), {.path = "/metrics"}).body;
  EXPECT_TRUE(Has(metrics, "egov_agent_config_last_reload_successful 0")) << metrics;
  EXPECT_TRUE(Has(metrics, "egov_compliance_ratio{profile=\"bomb\"} 1")) << metrics;
}

// The scan child limits its own memory (the unit's MemoryMax covers it too): a check that needs
// more fails alone. Here a 15 MB one-line file, read and copied by file_content.
TEST(Agent, TheScanChildStaysWithinItsMemoryLimit) {
  TempDir dir;
  const auto root = dir.path() / "root";
  std::filesystem::create_directories(root / "etc");
  dir.Write("root/etc/big", std::string(15 << 20, 'a'));
  const auto profile =
      dir.Write("big.yaml",
                "kind: Profile\nname: big\ntitle: {vi: b, en: b}\ncontrols:\n  - id: BIG-1\n"
                "    title: {en: b, vi: b}\n    group: g\n    feature: f\n    severity: low\n"
                "    check: {type: file_content, path: /etc/big, pattern: 'a$'}\n");
  const auto scan = [&](const std::string& limit) {
    // One worker: thread stacks count in RLIMIT_DATA too (8 MiB each).
    std::vector<std::string> argv = {ProgramBeside("egov-agent"),
                                     "scan",
                                     "--workers",
                                     "1",
                                     "--format",
                                     "json",
                                     "--profile",
                                     profile.string(),
                                     "--root",
                                     root.string()};
    if (!limit.empty()) argv.insert(argv.end(), {"--memory-limit", limit});
    return RunProcess(argv, "", std::chrono::seconds(30));
  };
  const auto unlimited = scan("");
  ASSERT_EQ(unlimited.code, 0) << unlimited.err;
  EXPECT_EQ(nlohmann::json::parse(unlimited.out)["profiles"][0]["controls"][0]["status"], "pass");
  const auto limited = scan("24Mi");
  EXPECT_GT(limited.code, 0) << limited.out;        // -1: killed, it did not end by itself
  if (limited.code == 1 && !limited.out.empty()) {  // the check failed on its allocation
    EXPECT_EQ(nlohmann::json::parse(limited.out)["profiles"][0]["controls"][0]["status"], "error");
  }
}

// Under a limit too tight for the scan's worker threads (their stacks count in RLIMIT_DATA),
// the scan ends with an error: Boost's thread_pool(n) would hang when its second thread cannot
// start, and a check whose error could not be allocated used to be waited for until its timeout.
TEST(Agent, AScanUnderATightMemoryLimitEndsWithAnError) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's allocator cannot report its own failure under RLIMIT_DATA (it dies
  // allocating the report); the release build runs this test.
  GTEST_SKIP() << "not under AddressSanitizer";
#endif
  TempDir dir;
  const auto root = dir.path() / "root";
  dir.Write("root/etc/big", std::string(15 << 20, 'a'));
  std::string profile = "kind: Profile\nname: big\ntitle: {vi: b, en: b}\ncontrols:\n";
  for (int i = 0; i < 20; ++i) {
    profile += "  - id: BIG-" + std::to_string(i) +
               "\n    title: {en: b, vi: b}\n    group: g\n    feature: f\n    severity: low\n"
               "    check: {type: file_content, path: /etc/big, pattern: 'a$'}\n";
  }
  const auto path = dir.Write("big.yaml", profile);
  for (const char* limit : {"4Mi", "12Mi", "16Mi", "20Mi"}) {
    // Twenty checks of 2 s each: waiting out their timeouts would take 40 s, past this bound.
    const auto r = RunProcess(
        {ProgramBeside("egov-agent"), "scan", "--workers", "2", "--timeout", "2s", "--format",
         "json", "--profile", path.string(), "--root", root.string(), "--memory-limit", limit},
        "", std::chrono::seconds(30));
    EXPECT_GT(r.code, 0) << limit << ": " << r.err;
  }
}

// A libvirt that accepts the connection and never answers: libvirt's open has no timeout of
// its own. The agent says so in its log, serves egov_libvirt_up 0 meanwhile, and reloads and
// stops within seconds whatever the daemon does.
TEST(Agent, ALibvirtThatNeverAnswersCannotHoldTheAgent) {
  TempDir dir;
  const auto socket_path = dir.path() / "libvirt-sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 16), 0);  // connections wait in the backlog, unanswered
  const auto log_path = dir.path() / "agent.log";
  std::ofstream log_file(log_path);
  Log::SetStream(&log_file);
  const auto log = [&] { return testing::ReadFile(log_path); };
  const auto config =
      dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlibvirt: {uri: 'qemu+unix:///system?socket=" +
                                  socket_path.string() + "'}\n");
  auto agent = std::make_unique<Agent>(config.string(), ConfigOverrides{});
  const auto start = Clock::now();
  EXPECT_TRUE(Has(Fetch(agent->port(), {.path = "/metrics"}).body, "egov_libvirt_up 0"));
  while (Clock::now() < start + 10s && !Has(log(), "libvirt unreachable")) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(Has(log(), "msg=\"libvirt unreachable\"")) << log();
  EXPECT_TRUE(Has(log(), "no answer within 4 s")) << log();
  EXPECT_EQ(Fetch(agent->port(), {.path = "/healthz", .timeout_ms = 1000}).status, 200);
  // A reload that changes the URI, while the open is still stuck.
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlibvirt: {uri: 'test:///default'}\n");
  auto t = Clock::now();
  EXPECT_TRUE(agent->Reload());
  EXPECT_LT(Clock::now() - t, 5s);
  EXPECT_TRUE(WaitForBody(agent->port(), "/metrics",
                          [](const std::string& b) { return Has(b, "egov_libvirt_up 1"); }));
  // Back to the silent daemon, then stop while its open is in flight.
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlibvirt: {uri: 'qemu+unix:///system?socket=" +
                              socket_path.string() + "'}\n");
  EXPECT_TRUE(agent->Reload());
  std::this_thread::sleep_for(500ms);
  t = Clock::now();
  agent.reset();
  EXPECT_LT(Clock::now() - t, 5s);
  Log::SetStream(nullptr);
  ::close(listener);  // the calls left behind end now
}

TEST(Agent, ReloadSwapsBasicAuthUsersInPlace) {
  TempDir dir;
  dir.Write("web.yaml", "basic_auth_users: {alice: '" + testing::BcryptHash("a") + "'}\n");
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nweb_config_file: web.yaml\n");
  Agent agent(config.string(), {});
  const int port = agent.port();
  EXPECT_EQ(Fetch(port, {.path = "/healthz"}).status, 401);
  EXPECT_EQ(Fetch(port, {.path = "/healthz", .user = "alice", .password = "a"}).status, 200);
  dir.Write("web.yaml", "basic_auth_users: {bob: '" + testing::BcryptHash("b") + "'}\n");
  EXPECT_TRUE(agent.Reload());
  EXPECT_EQ(agent.port(), port);
  EXPECT_EQ(Fetch(port, {.path = "/healthz", .user = "alice", .password = "a"}).status, 401);
  EXPECT_EQ(Fetch(port, {.path = "/healthz", .user = "bob", .password = "b"}).status, 200);
}

TEST(Agent, WebConfigFileTurnsOnTlsAndBasicAuth) {
  TempDir dir;
  const auto cert = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 30);
  dir.Write("web.yaml",
            "tls_server_config: {cert_file: tls.crt, key_file: tls.key}\n"
            "basic_auth_users: {prometheus: '" +
                testing::BcryptHash("pw") + "'}\n");
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nweb_config_file: web.yaml\n");
  Agent agent(config.string(), {},
              [](const AgentConfig&) { return ScanOutcome{Results("p", "pass")}; });
  const testing::HttpRequest tls{.path = "/api/v1/results", .tls = true, .ca_file = cert.cert};
  auto right = tls;
  right.user = "prometheus";
  right.password = "pw";
  auto wrong = right;
  wrong.password = "nope";
  const auto end = Clock::now() + 10s;
  while (Fetch(agent.port(), right).status != 200 && Clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(Fetch(agent.port(), right).status, 200);
  EXPECT_EQ(Fetch(agent.port(), wrong).status, 401);
  EXPECT_EQ(Fetch(agent.port(), tls).status, 401);
  EXPECT_EQ(Fetch(agent.port(), {.path = "/healthz", .timeout_ms = 1000}).status, -1)
      << "no plain HTTP on the TLS port";
}

// test:///default is one in-process hypervisor shared by every connection: what the test
// defines through its own connection, the agent sees through its own.
TEST(Agent, MetricsFollowDomainsOnTheTestDriverAndProbeTheirHealthUrls) {
  httplib::Server health;
  health.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  const Serving serving(health);
  const int hport = serving.port();

  TempDir dir;
  const auto config = dir.Write("agent.yaml",
                                "listen: 127.0.0.1:0\n"
                                "libvirt: {uri: 'test:///default', "
                                "refresh_interval: 60s}\n"
                                "probes: {interval: 1s, timeout: 500ms}\n");
  Agent agent(config.string(), {});
  const int port = agent.port();
  ASSERT_TRUE(WaitForBody(port, "/metrics",
                          [](const std::string& b) { return Has(b, "egov_libvirt_up 1"); }));
  EXPECT_FALSE(Has(Fetch(port, {.path = "/metrics"}).body, "egov_domain_info"));

  auto admin = libvirt::Connection::Open("test:///default");
  DomainMetadata m;
  m.workload = "mot-cua";
  m.agency = "UBND tỉnh Thừa Thiên Huế";
  m.security_level = 2;
  m.provider = "vnpt-cloud";
  m.health_url = "http://127.0.0.1:" + std::to_string(hport) + "/healthz";
  auto dom = admin->DefineDomain(
      "<domain type='test'><name>mot-cua-0</name><uuid>22222222-2222-3333-4444-000000000001"
      "</uuid><metadata>" +
          FormatMetadataElement(m) +
          "</metadata><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
          "</domain>",
      false);
  // Appears through a libvirt event (the refresh interval is a minute), with its probe.
  EXPECT_TRUE(WaitForBody(port, "/metrics", [](const std::string& b) {
    return Has(b,
               "egov_domain_info{domain=\"mot-cua-0\",uuid=\"22222222-2222-3333-4444-"
               "000000000001\",workload=\"mot-cua\",agency=\"UBND tỉnh Thừa Thiên Huế\","
               "security_level=\"2\",provider=\"vnpt-cloud\"} 1") &&
           Has(b, "egov_domain_up{domain=\"mot-cua-0\"} 0") &&
           Has(b, "egov_probe_success{workload=\"mot-cua\",domain=\"mot-cua-0\"} 1");
  }));
  libvirt::StartDomain(dom.get());
  EXPECT_TRUE(WaitForBody(port, "/metrics", [](const std::string& b) {
    return Has(b, "egov_domain_up{domain=\"mot-cua-0\"} 1");
  }));
  libvirt::StopDomain(dom.get());
  libvirt::UndefineDomain(dom.get());
  EXPECT_TRUE(WaitForBody(port, "/metrics", [](const std::string& b) {
    return Has(b, "egov_libvirt_up 1") && !Has(b, "mot-cua");
  })) << "the domain and its probe vanish";
}

// The command itself: SIGHUP reloads, SIGTERM stops with exit code 0. The signals go to the
// command's thread (pthread_kill), as the process-wide ones would reach it in egov-agent,
// where every thread blocks them and the main thread waits for them.
TEST(RunCommand, SighupReloadsAndSigtermStops) {
  TempDir dir;
  const auto config = dir.Write("agent.yaml", "listen: 127.0.0.1:0\nlog_level: info\n");
  // The logger writes whole lines and flushes them; the test reads the file they go to.
  const auto log_path = dir.path() / "agent.log";
  std::ofstream log_file(log_path);
  Log::SetStream(&log_file);
  const auto log = [&] {
    std::ifstream in(log_path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::ostringstream out, err;
  std::atomic<int> code{-1};
  std::thread run([&] { code = RunAgentCli({"run", "-c", config.string()}, out, err, CmdRun); });
  const auto wait_log = [&](const std::string& what) {
    const auto end = Clock::now() + 10s;
    while (Clock::now() < end) {
      if (Has(log(), what)) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  EXPECT_TRUE(wait_log("msg=listening"));
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nprobes: {interval: 20s}\n");
  pthread_kill(run.native_handle(), SIGHUP);
  EXPECT_TRUE(wait_log("msg=\"configuration reloaded\"")) << log();
  dir.Write("agent.yaml", "listen: 127.0.0.1:0\nprobes: {interval: -2s}\n");
  pthread_kill(run.native_handle(), SIGHUP);
  EXPECT_TRUE(wait_log("reload failed; keeping the running configuration"));
  pthread_kill(run.native_handle(), SIGTERM);
  run.join();
  Log::SetStream(nullptr);
  EXPECT_EQ(code.load(), 0) << err.str();
  EXPECT_TRUE(Has(log(), "msg=stopping signal=SIGTERM"));
  EXPECT_TRUE(Has(log(), "msg=\"egov-agent stopped\""));
}

TEST(RunCommand, CheckConfigValidatesAndExits) {
  TempDir dir;
  const auto good = dir.Write("agent.yaml", "listen: 127.0.0.1:0\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunAgentCli({"run", "-c", good.string(), "--check-config"}, out, err, CmdRun), 0)
      << err.str();
  EXPECT_TRUE(Has(out.str(), "configuration valid")) << out.str();
  const auto bad = dir.Write("bad.yaml", "listen: 127.0.0.1:0\nprobes: {concurrency: many}\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(RunAgentCli({"run", "-c", bad.string(), "--check-config"}, out2, err2, CmdRun), 2);
  EXPECT_TRUE(Has(err2.str(), "bad.yaml:2:23: probes.concurrency")) << err2.str();
  std::ostringstream out3, err3;
  EXPECT_EQ(RunAgentCli({"run", "--listen", "nowhere", "--check-config"}, out3, err3, CmdRun), 2);
  EXPECT_TRUE(Has(err3.str(), "--listen: expected HOST:PORT")) << err3.str();
}

TEST(RunCommand, CheckConfigBindsTheListenAddress) {
  HttpServer taken({"127.0.0.1", 0}, {}, std::make_shared<SnapshotStore>());
  const std::string busy = "127.0.0.1:" + std::to_string(taken.port());
  for (const std::string& address : {busy, std::string("192.0.2.1:9464")}) {
    std::ostringstream out, err;
    EXPECT_EQ(RunAgentCli({"run", "--listen", address, "--check-config"}, out, err, CmdRun), 1)
        << address << ": " << out.str();
    EXPECT_TRUE(Has(err.str(), "cannot listen on " + address)) << err.str();
  }
}

}  // namespace
}  // namespace egov::agent
