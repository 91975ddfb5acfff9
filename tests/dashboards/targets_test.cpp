// egovctl targets: the Prometheus file_sd targets for every host's agent, with the provider,
// zone and host labels the dashboards and alerts read; checked by promtool against the
// example prometheus.yml that uses them.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/support/egovctl.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSource = EGOV_SOURCE_DIR;

using egov::testing::CliRun;
using egov::testing::Egovctl;
using egov::testing::ReadFile;

// Two providers, three zones; one host without an agent, one behind TLS under a path prefix.
const char* kFleet = R"yaml(kind: Provider
name: viettel-cloud
display_name: "Viettel IDC"
certification: {scheme: MIC-1145, certificate: VT-1, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 4}
residency: VN
zones:
  - name: hn-1
    hosts:
      - {name: hn-01, uri: "test:///default", capacity: {vcpus: 8, memory: 8Gi, disk: 1Ti},
         agent: "http://10.1.0.11:9464"}
      - {name: hn-02, uri: "test:///default", capacity: {vcpus: 8, memory: 8Gi, disk: 1Ti},
         agent: "https://hn-02.mgmt.viettel.example/egov/"}
  - name: hcm-1
    hosts:
      - {name: hcm-01, uri: "test:///default", capacity: {vcpus: 8, memory: 8Gi, disk: 1Ti}}
---
kind: Provider
name: vnpt-cloud
display_name: "VNPT Cloud"
certification: {scheme: MIC-1145, certificate: VN-1, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 3}
residency: VN
zones:
  - name: dn-1
    hosts:
      - {name: dn-01, uri: "test:///default", capacity: {vcpus: 8, memory: 8Gi, disk: 1Ti},
         agent: "https://[fd00::21]:9464"}
)yaml";

class Targets : public ::testing::Test {
 protected:
  void SetUp() override { Write("in/fleet.yaml", kFleet); }

  fs::path Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  egov::testing::TempDir dir_;
};

TEST_F(Targets, OneGroupPerHostWithAnAgentLabelledWithProviderZoneAndHost) {
  const CliRun r = Egovctl({"targets", "-f", (dir_ / "in").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const json groups = json::parse(r.out);
  const json expected = json::parse(R"([
    {"targets": ["10.1.0.11:9464"],
     "labels": {"provider": "viettel-cloud", "zone": "hn-1", "host": "hn-01"}},
    {"targets": ["hn-02.mgmt.viettel.example:443"],
     "labels": {"provider": "viettel-cloud", "zone": "hn-1", "host": "hn-02",
                "__scheme__": "https", "__metrics_path__": "/egov/metrics"}},
    {"targets": ["[fd00::21]:9464"],
     "labels": {"provider": "vnpt-cloud", "zone": "dn-1", "host": "dn-01",
                "__scheme__": "https"}}
  ])");
  EXPECT_EQ(groups, expected) << r.out;
  EXPECT_NE(r.err.find("1 host has no agent URL"), std::string::npos) << r.err;
}

// A host declared failed is fenced: Prometheus is not sent to scrape it, and the note says so.
TEST_F(Targets, AHostDeclaredFailedIsNotATarget) {
  std::string fleet = kFleet;
  const std::string agent = R"(agent: "http://10.1.0.11:9464")";
  fleet.replace(fleet.find(agent), agent.size(), agent + ", state: failed");
  Write("in/fleet.yaml", fleet);
  const CliRun r = Egovctl({"targets", "-f", (dir_ / "in").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const json groups = json::parse(r.out);
  ASSERT_EQ(groups.size(), 2u) << r.out;
  EXPECT_EQ(groups[0]["labels"]["host"], "hn-02");
  EXPECT_EQ(groups[1]["labels"]["host"], "dn-01");
  EXPECT_EQ(r.out.find("10.1.0.11"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 host is declared failed in the inventory (fenced) and will not be "
                       "scraped"),
            std::string::npos)
      << r.err;
}

TEST_F(Targets, WritesTheFileInOneRenameAndPromtoolAcceptsItWithTheExampleConfig) {
  fs::create_directories(dir_ / "targets");
  const fs::path out = dir_ / "targets" / "egov-agents.json";
  const CliRun r = Egovctl({"targets", "-f", (dir_ / "in").string(), "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("Wrote 3 targets"), std::string::npos) << r.err;
  EXPECT_EQ(json::parse(ReadFile(out)),
            json::parse(Egovctl({"targets", "-f", (dir_ / "in").string()}).out));
  EXPECT_FALSE(fs::exists(out.string() + ".tmp"));

  // The example configuration, its rule files and the targets side by side, as installed.
  for (const char* f : {"prometheus.example.yml", "egov_rules.yaml", "egov_alerts.yaml"}) {
    fs::copy_file(kSource / "dashboards/prometheus" / f, dir_ / f);
  }
  const CliRun promtool = egov::testing::RunProcess(
      {"promtool", "check", "config", (dir_ / "prometheus.example.yml").string()});
  const std::string output = promtool.out + promtool.err;
  EXPECT_EQ(promtool.code, 0) << output;
  EXPECT_NE(output.find("SUCCESS: 2 rule files found"), std::string::npos) << output;
  // promtool warns when the file_sd glob matches no file: here it matches the one written.
  EXPECT_EQ(output.find("WARNING"), std::string::npos) << output;
}

TEST_F(Targets, AnAgentUrlPrometheusCannotScrapeIsRejectedWithItsPositionAndNothingWritten) {
  struct Case {
    const char* url;
    const char* message;
  };
  for (const Case& c : {Case{"http://prometheus:secret@10.1.0.11:9464", "credentials do not"},
                        Case{"http://10.1.0.11:9464/?token=x", "expected no query or fragment"},
                        Case{"http://10.1.0.11:9464/#x", "expected no query or fragment"},
                        Case{"http://:9464", "expected http(s)://HOST[:PORT][/PATH]"}}) {
    std::string fleet = kFleet;
    const std::string good = "http://10.1.0.11:9464";
    fleet.replace(fleet.find(good), good.size(), c.url);
    const fs::path file = Write("in/fleet.yaml", fleet);
    const fs::path out = dir_ / "targets.json";
    const CliRun r = Egovctl({"targets", "-f", file.string(), "-o", out.string()});
    EXPECT_EQ(r.code, 2) << c.url << ": " << r.err;
    EXPECT_NE(r.err.find(file.string() + ":10:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.url;
  }
}

TEST_F(Targets, InvalidInventoryIsExitTwoAndAFleetWithoutAgentsIsAnEmptyList) {
  Write("in/fleet.yaml", "kind: Provider\nname: x\nzones: 3\n");
  const CliRun bad = Egovctl({"targets", "-f", (dir_ / "in").string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(bad.out.empty());
  EXPECT_NE(bad.err.find("fleet.yaml:"), std::string::npos) << bad.err;

  const CliRun none = Egovctl({"targets", "-f", (kSource / "examples/national").string()});
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(json::parse(none.out), json::array());
  EXPECT_NE(none.err.find("hosts have no agent URL"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace egov::orchestrator
