// The whole /metrics of an agent on the hardened fixture host with the shipped profiles,
// simulated domains and two probes, compared with tests/fixtures/agent/metrics.golden after
// masking what varies between runs (times, durations, process figures, revision). Any change
// of a name, label or value shows up as a diff. Regenerate on purpose with
// EGOV_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "agents/agent.h"
#include "tests/agents/support.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Fetch;
using testing::TempDir;

const fs::path kSource = EGOV_SOURCE_DIR;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool Masked(const std::string& name) {
  return name.starts_with("process_") || name.ends_with("_timestamp_seconds") ||
         name.ends_with("_duration_seconds") || name == "egov_domain_cpu_seconds_total";
}

// Replaces the values that change from run to run with "<masked>".
std::string Normalize(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (!line.starts_with("#")) {
      const std::string name = line.substr(0, line.find_first_of("{ "));
      if (Masked(name)) line = line.substr(0, line.rfind(' ')) + " <masked>";
      if (const auto r = line.find("revision=\""); r != std::string::npos) {
        line.replace(r + 10, line.find('"', r + 10) - (r + 10), "<masked>");
      }
    }
    out += line + "\n";
  }
  return out;
}

TEST(GoldenMetrics, HardenedHostWithShippedProfilesDomainsAndProbes) {
  TempDir dir;
  const fs::path root = fs::path(EGOV_HOST_FIXTURES) / "hardened";  // materialized by ctest
  ASSERT_TRUE(fs::is_directory(root)) << root;

  httplib::Server health;
  health.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  health.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  const int hport = health.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { health.listen_after_bind(); });
  const std::string base = "http://127.0.0.1:" + std::to_string(hport);

  std::string host = ReadFile(kSource / "tests/fixtures/agent/host.xml.in");
  for (size_t at; (at = host.find("@HEALTH@")) != std::string::npos;) host.replace(at, 8, base);
  dir.Write("host.xml", host);
  const auto config = dir.Write("agent.yaml", R"(listen: 127.0.0.1:0
host: viettel-hn1-01
log_level: warn
scan:
  root: )" + root.string() + R"(
  profiles: [mic-1145, decree85, availability]
  profile_dir: )" + (kSource / "profiles").string() + R"(
  level: 3
libvirt:
  uri: test://)" + (dir.path() / "host.xml").string() + R"(
probes:
  interval: 1h
  timeout: 2s
  targets:
    - workload: cong-dvc-quoc-gia
      url: )" + base + "/healthz\n");

  std::string scrape;
  {
    Agent agent(config.string(), {});
    const auto end = std::chrono::steady_clock::now() + 60s;
    // Ready when the scan, libvirt and every probe have reported.
    while (std::chrono::steady_clock::now() < end) {
      scrape = Fetch(agent.port(), {.path = "/metrics"}).body;
      if (scrape.find("egov_scans_total 1") != std::string::npos &&
          scrape.find("egov_libvirt_up 1") != std::string::npos &&
          scrape.find("egov_probe_success{workload=\"mot-cua-hue\"") != std::string::npos &&
          scrape.find("egov_probe_success{workload=\"dvc-quoc-gia\"") != std::string::npos &&
          scrape.find("egov_probe_success{workload=\"cong-dvc-quoc-gia\"") != std::string::npos) {
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  health.stop();
  serving.join();

  const auto promtool = testing::RunCommand({"promtool", "check", "metrics"}, scrape);
  EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
  EXPECT_EQ(promtool.output, "");

  const fs::path golden = kSource / "tests/fixtures/agent/metrics.golden";
  const std::string got = Normalize(scrape);
  if (std::getenv("EGOV_UPDATE_GOLDEN")) {
    std::ofstream(golden, std::ios::binary) << got;
    GTEST_SKIP() << "wrote " << golden;
  }
  EXPECT_EQ(got, ReadFile(golden)) << "the scrape changed; if on purpose, run the test with "
                                      "EGOV_UPDATE_GOLDEN=1 and review the diff";
}

}  // namespace
}  // namespace egov::agent
