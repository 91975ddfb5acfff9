// The whole /metrics of an agent on the hardened fixture host with the shipped profiles,
// simulated domains and two probes, compared with tests/fixtures/agent/metrics.golden after
// masking what varies between runs (times, durations, process figures, revision); and on the
// weak host with a waiver, a check that cannot run and an https probe, the families the
// hardened host never shows, compared with metrics-weak.golden. Any change of a name, label or
// value shows up as a diff (and dashboards/lint.py checks the dashboards against both files).
// Regenerate on purpose with EGOV_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "agents/agent.h"
#include "tests/agents/support.h"
#include "tests/support/serving.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using egov::testing::Serving;
using testing::Fetch;
using testing::ReadFile;
using testing::TempDir;

const fs::path kSource = EGOV_SOURCE_DIR;

bool Masked(const std::string& name) {
  return name.starts_with("process_") || name.ends_with("_timestamp_seconds") ||
         name.ends_with("_duration_seconds");
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

// Runs an agent on `config` until its /metrics holds every one of `needles` (or a minute has
// passed) and returns that scrape.
std::string ScrapeWhenReady(const fs::path& config, const std::vector<std::string>& needles) {
  Agent agent(config.string(), {});
  const auto end = std::chrono::steady_clock::now() + 60s;
  std::string scrape;
  while (std::chrono::steady_clock::now() < end) {
    scrape = Fetch(agent.port(), {.path = "/metrics"}).body;
    bool ready = true;
    for (const auto& n : needles) ready = ready && scrape.find(n) != std::string::npos;
    if (ready) break;
    std::this_thread::sleep_for(50ms);
  }
  return scrape;
}

// promtool has nothing to say about the scrape, and it matches tests/fixtures/agent/`name`.
void ExpectGolden(const std::string& scrape, const std::string& name) {
  const auto promtool = testing::RunProcess({"promtool", "check", "metrics"}, scrape);
  EXPECT_EQ(promtool.code, 0) << promtool.out << promtool.err;
  EXPECT_EQ(promtool.out + promtool.err, "");

  const fs::path golden = kSource / "tests/fixtures/agent" / name;
  const std::string got = Normalize(scrape);
  if (std::getenv("EGOV_UPDATE_GOLDEN")) {
    std::ofstream(golden, std::ios::binary) << got;
    GTEST_SKIP() << "wrote " << golden;
  }
  EXPECT_EQ(got, ReadFile(golden)) << "the scrape changed; if on purpose, run the test with "
                                      "EGOV_UPDATE_GOLDEN=1 and review the diff";
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
  const Serving serving(health);
  const std::string base = serving.Url("");

  std::string host = ReadFile(kSource / "tests/fixtures/agent/host.xml.in");
  for (size_t at; (at = host.find("@HEALTH@")) != std::string::npos;) host.replace(at, 8, base);
  dir.Write("host.xml", host);
  const auto config = dir.Write("agent.yaml", R"(listen: 127.0.0.1:0
host: viettel-hn1-01
log_level: warn
certification_expires: 2028-06-14
scan:
  root: )" + root.string() + R"(
  profiles: [mic-1145, decree85, availability]
  profile_dir: )" + (kSource / "profiles").string() +
                                                  R"(
  level: 3
libvirt:
  uri: test://)" + (dir.path() / "host.xml").string() +
                                                  R"(
probes:
  interval: 1h
  timeout: 2s
  targets:
    - workload: cong-dvc-quoc-gia
      url: )" + base + "/healthz\n");

  // Ready when the scan, libvirt and every probe have reported.
  const std::string scrape =
      ScrapeWhenReady(config, {"egov_scans_total 1", "egov_libvirt_up 1",
                               "egov_probe_success{workload=\"mot-cua-hue\"",
                               "egov_probe_success{workload=\"dvc-quoc-gia\"",
                               "egov_probe_success{workload=\"cong-dvc-quoc-gia\""});
  ExpectGolden(scrape, "metrics.golden");
}

TEST(GoldenMetrics, WeakHostWithWaiverCheckErrorAndTlsProbe) {
  TempDir dir;
  const fs::path root = dir.path() / "root";
  const auto materialize = testing::RunProcess(
      {(kSource / "tests/fixtures/hosts/materialize").string(), "weak", root.string()});
  ASSERT_EQ(materialize.code, 0) << materialize.out << materialize.err;
  // A configuration file that is a directory: the controls reading it cannot be evaluated.
  fs::remove(root / "etc/ssh/sshd_config");
  fs::create_directory(root / "etc/ssh/sshd_config");
  dir.Write("waivers.yaml", R"(kind: Waiver
name: ssh-root-tam-thoi
control: MIC1145-G2-SF-03
hosts: [hcm-*]
reason: "Chờ thay thế máy chủ quản trị"
approved_by: "Trưởng phòng ATTT"
expires: 2099-12-31
)");

  const auto cert = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 30);
  httplib::SSLServer https(cert.cert.c_str(), cert.key.c_str());
  https.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  const Serving serving(https);
  const int port = serving.port();

  const auto config = dir.Write("agent.yaml", R"(listen: 127.0.0.1:0
host: hcm-01
log_level: warn
scan:
  root: root
  profiles: [mic-1145]
  profile_dir: )" + (kSource / "profiles").string() +
                                                  R"(
  level: 3
  waivers: waivers.yaml
probes:
  interval: 1h
  timeout: 2s
  ca_file: )" + cert.cert.string() + R"(
  targets:
    - workload: cong-ky-so
      url: https://127.0.0.1:)" + std::to_string(port) +
                                                  "/healthz\n");
  const std::string scrape =
      ScrapeWhenReady(config, {"egov_scans_total 1", "egov_probe_success{workload=\"cong-ky-so\""});
  EXPECT_NE(scrape.find("egov_probe_success{workload=\"cong-ky-so\",domain=\"\"} 1"),
            std::string::npos);
  ExpectGolden(scrape, "metrics-weak.golden");
}

}  // namespace
}  // namespace egov::agent
