#include <gtest/gtest.h>

#include <stdlib.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/egovctl.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = EGOV_SOURCE_DIR;

using egov::testing::CliRun;
using egov::testing::Egovctl;

class HostileInput : public ::testing::Test {
 protected:
  fs::path Write(const std::string& name, const std::string& bytes) {
    return dir_.Write(name, bytes);
  }

  // Validates `file`, which must fail with exit 2 and a positioned message, without
  // pathological work. The bound is on the process's CPU time, not wall time: under a loaded
  // machine (CI, parallel ctest) wall time grows with the load, CPU time does not; an input
  // that defeats a limit costs minutes, far past the bound either way.
  void ExpectRejected(const fs::path& file, const std::string& message) {
    const auto start = CpuTime();
    const CliRun r = Egovctl({"validate", "-f", file.string()});
    const auto elapsed = CpuTime() - start;
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(file.string() + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_LT(elapsed, std::chrono::seconds(5));
  }

  static std::chrono::nanoseconds CpuTime() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  }

  egov::testing::TempDir dir_;
};

TEST_F(HostileInput, DeepFlowSequence) {
  const std::string doc = "kind: Workload\nname: x\nagency: " + std::string(100000, '[') +
                          std::string(100000, ']') + "\n";
  ExpectRejected(Write("flow.yaml", doc), "nesting deeper than 64 levels");
}

TEST_F(HostileInput, DeepBlockSequence) {
  std::string doc;
  for (int i = 0; i < 100000; ++i) doc += "- ";
  ExpectRejected(Write("block.yaml", doc + "x\n"), "nesting deeper than 64 levels");
}

TEST_F(HostileInput, DeepIndentedMappings) {
  std::string doc;
  for (int i = 0; i < 1000; ++i) doc += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  ExpectRejected(Write("indent.yaml", doc), "nesting deeper than 64 levels");
}

TEST_F(HostileInput, HundredMegabyteFile) {
  const fs::path p = dir_ / "huge.yaml";
  {
    std::ofstream out(p, std::ios::binary);
    const std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 100; ++i) out << "k" << i << ": " << chunk << "\n";
  }
  ExpectRejected(p, "expected at most");
}

TEST_F(HostileInput, InvalidUtf8) {
  ExpectRejected(Write("utf8.yaml", "kind: Workload\nname: \"\xc3\x28\"\n"), "invalid UTF-8");
}

TEST_F(HostileInput, BinaryGarbage) {
  std::mt19937 rng(1145);
  std::string bytes(64 << 10, '\0');
  for (auto& b : bytes) b = static_cast<char>(rng() & 0xFF);
  ExpectRejected(Write("garbage.yaml", bytes), "expected UTF-8");
}

TEST_F(HostileInput, EmptyFile) { ExpectRejected(Write("empty.yaml", ""), "no YAML document"); }

TEST_F(HostileInput, DocumentWithoutKind) {
  ExpectRejected(Write("nokind.yaml", "name: dvc\nagency: x\n"), "missing required key 'kind'");
}

TEST_F(HostileInput, AliasBombInProfileParameters) {
  std::string doc =
      "kind: Profile\nname: bomb\ntitle: {vi: a, en: a}\nparameters:\n  a: &a [x, x, x, x, x, x, "
      "x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    doc += std::string("  ") + c + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) doc += std::string(i ? ", *" : "*") + prev;
    doc += "]\n";
    prev = c;
  }
  doc += "controls: []\n";
  ExpectRejected(Write("bomb.yaml", doc), "value too large");
}

TEST_F(HostileInput, MarkupInNamesIsRefused) {
  ExpectRejected(Write("inject.yaml",
                       "kind: Workload\nname: \"x'/><devices><hostdev/>\"\nagency: a\nsystem: s\n"
                       "security_level: 1\nresources: {vcpus: 1, memory: 1Gi}\n"),
                 "expected a DNS label");
}

TEST(Validate, PrintsTheSampleSummary) {
  const CliRun r = Egovctl({"validate", "-f", (kSource / "examples/national").string(), "-f",
                            (kSource / "profiles").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("3 providers, 8 zones, 31 hosts, 12 workloads"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("level 4: 2 workloads"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Văn phòng Chính phủ"), std::string::npos);
}

TEST(Validate, JsonOutputKeepsVietnameseBytes) {
  const CliRun r =
      Egovctl({"validate", "-f", (kSource / "examples/national").string(), "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["hosts"], 31);
  bool found = false;
  for (const auto& w : j["inventory"]["workloads"]) {
    found = found || w["agency"] == "Ủy ban nhân dân tỉnh Quảng Ninh";
  }
  EXPECT_TRUE(found);
  EXPECT_NE(r.out.find("Ủy ban nhân dân tỉnh Quảng Ninh"), std::string::npos);
}

TEST(Validate, WarnsOfACertificationLapsingWithinTheHorizon) {
  egov::testing::TempDir dir;
  const fs::path file = dir.Write("p.yaml", R"(kind: Provider
name: viettel
display_name: Viettel
certification: {scheme: MIC-1145, certificate: VT-1, issued: 2024-01-01, expires: 2026-12-31,
                max_security_level: 4}
residency: VN
zones: [{name: hn-1, hosts: [{name: h1, uri: "test:///tmp/h1.xml", capacity: {vcpus: 1, memory: 1Gi, disk: 1Gi}}]}]
)");
  ::setenv("EGOV_TODAY", "2026-12-01", 1);
  const CliRun warned = Egovctl({"validate", "-f", file.string()});
  const CliRun later = Egovctl({"validate", "-f", file.string(), "--cert-warning", "29d"});
  ::unsetenv("EGOV_TODAY");
  EXPECT_EQ(warned.code, 0) << warned.err;  // a warning, not a failure
  EXPECT_EQ(warned.err,
            "egovctl: warning: provider viettel's certification VT-1 expires on 2026-12-31, in 30 "
            "days; from the next day every plan moves all its replicas off its hosts\n");
  EXPECT_EQ(later.code, 0) << later.err;
  EXPECT_EQ(later.err, "");
}

TEST(Validate, ReportsEveryErrorOfEveryFile) {
  const CliRun r = Egovctl({"validate", "-f", (kSource / "tests/fixtures/invalid").string()});
  EXPECT_EQ(r.code, 2);
  size_t lines = 0;
  for (char c : r.err) lines += c == '\n';
  EXPECT_GE(lines, 30u) << r.err;
}

TEST(Cli, HelpVersionAndUnknownCommands) {
  EXPECT_EQ(Egovctl({"--help"}).code, 0);
  EXPECT_NE(Egovctl({"--version"}).out.find("egovctl 0."), std::string::npos);
  EXPECT_EQ(Egovctl({"frobnicate"}).code, 2);
  EXPECT_EQ(Egovctl({"validate", "--bogus"}).code, 2);
  EXPECT_EQ(Egovctl({"validate"}).code, 2);
  EXPECT_EQ(Egovctl({"validate", "--help"}).code, 0);
  EXPECT_EQ(Egovctl({"validate", "-f", "x", "--format", "xml"}).code, 2);
}

}  // namespace
}  // namespace egov::orchestrator
