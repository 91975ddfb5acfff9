// The shipped agent configuration yields results the default policy accepts: the profiles of
// agents/agent.example.yaml scanned by `egov-agent scan` at level 4 on the hardened fixture host,
// then `egovctl plan --results` places a level-4 workload there. At level 3 the same results
// refuse it, and the plan says what they have.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "tests/support/egovctl.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using egov::testing::CliRun;

const fs::path kSource = EGOV_SOURCE_DIR;

const char* kFleet = R"yaml(
kind: Provider
name: lab
display_name: "Lab"
certification: {scheme: MIC-1145, certificate: T-1, issued: 2024-01-01, expires: 2035-01-01,
                max_security_level: 4}
residency: VN
zones:
  - name: hn-1
    hosts: [{name: hn-01, uri: "test://${EGOV_SIM_DIR}/hn-01.xml", capacity: {vcpus: 8, memory: 8Gi, disk: 100Gi}}]
  - name: hcm-1
    hosts: [{name: hcm-01, uri: "test://${EGOV_SIM_DIR}/hcm-01.xml", capacity: {vcpus: 8, memory: 8Gi, disk: 100Gi}}]
---
kind: Workload
name: csdl-dan-cu
agency: "Bộ Công an"
system: "Cơ sở dữ liệu quốc gia về dân cư"
security_level: 4
replicas: 2
resources: {vcpus: 1, memory: 1Gi}
)yaml";

class ExampleAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("EGOV_SIM_DIR", (dir_.path() / "sim").c_str(), 1);
    dir_.Write("in/fleet.yaml", kFleet);
  }
  void TearDown() override { ::unsetenv("EGOV_SIM_DIR"); }

  // What the agent as shipped would serve for `host` at `level`: `egov-agent scan` with the
  // example configuration's profiles, on the hardened fixture root.
  void Scan(const std::string& host, int level) {
    const YAML::Node example = YAML::LoadFile((kSource / "agents/agent.example.yaml").string());
    std::vector<std::string> argv = {
        EGOV_AGENT_PATH, "scan", "--root",         std::string(EGOV_HOST_FIXTURES) + "/hardened",
        "--host",        host,   "--level",        std::to_string(level),
        "--format",      "json", "--profiles-dir", (kSource / "profiles").string()};
    for (const auto& p : example["scan"]["profiles"]) {
      argv.insert(argv.end(), {"--profile", p.as<std::string>()});
    }
    const CliRun r = egov::testing::RunProcess(argv);
    ASSERT_LE(r.code, 1) << r.err;
    dir_.Write("results/" + host + ".json", r.out);
  }

  // `egovctl COMMAND` on the fleet with the saved results, then `extra`.
  CliRun Run(const std::string& command, std::vector<std::string> extra = {"--format", "json"}) {
    std::vector<std::string> args = {command,
                                     "-f",
                                     (dir_.path() / "in").string(),
                                     "--results",
                                     (dir_.path() / "results").string(),
                                     "--journal",
                                     (dir_.path() / "journal.db").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return egov::testing::Egovctl(args);
  }
  CliRun Plan() { return Run("plan"); }

  egov::testing::TempDir dir_;
};

TEST_F(ExampleAgent, AtTheHostsLevelItsResultsMeetTheDefaultPolicy) {
  Scan("hn-01", 4);
  Scan("hcm-01", 4);
  const CliRun r = Plan();
  ASSERT_EQ(r.code, 3) << r.err << r.out;  // changes pending
  const auto plan = nlohmann::json::parse(r.out);
  EXPECT_TRUE(plan["unplaced"].empty()) << plan["unplaced"].dump();
  std::set<std::string> hosts;
  for (const auto& a : plan["actions"]) {
    if (a["action"] == "create") hosts.insert(a["host"].get<std::string>());
  }
  EXPECT_EQ(hosts, (std::set<std::string>{"hn-01", "hcm-01"}));
}

TEST_F(ExampleAgent, BelowTheWorkloadsLevelThePlanSaysWhatTheResultHas) {
  Scan("hn-01", 3);
  Scan("hcm-01", 3);
  const auto plan = nlohmann::json::parse(Plan().out);
  ASSERT_EQ(plan["unplaced"].size(), 2u) << plan.dump(2);
  EXPECT_EQ(plan["unplaced"][0]["reasons"]["COMPLIANCE_UNKNOWN"], 2);
  const std::string why = "result has decree85 at level 3; level 4 needs decree85 at level ≥ 4";
  EXPECT_EQ(plan["notes"].back(),
            "compliance with decree85-level4 unknown on hn-01, hcm-01: " + why);
  // explain and status say the same of each host.
  const CliRun explain = Run("explain", {"--workload", "csdl-dan-cu", "--host", "hn-01"});
  EXPECT_NE(
      explain.out.find("compliance with decree85-level4 unknown: " + why + " [COMPLIANCE_UNKNOWN]"),
      std::string::npos)
      << explain.out << explain.err;
  const CliRun status = Run("status", {});
  EXPECT_NE(status.out.find("  hn-01: decree85-level4 unknown: " + why + "\n"), std::string::npos)
      << status.out << status.err;
}

}  // namespace
}  // namespace egov::orchestrator
