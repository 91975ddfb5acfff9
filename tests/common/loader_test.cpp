#include "common/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/model_json.h"
#include "tests/support/temp_dir.h"

namespace egov {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = EGOV_SOURCE_DIR;

struct Expectation {
  int line;
  int column;
  std::string text;
};

// Reads "# expect: LINE:COL: text" lines at the top of a fixture.
std::vector<Expectation> ReadExpectations(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<Expectation> out;
  std::string line;
  while (std::getline(in, line)) {
    int l = 0, c = 0, consumed = 0;
    if (std::sscanf(line.c_str(), "# expect: %d:%d: %n", &l, &c, &consumed) != 2 || !consumed) {
      break;
    }
    out.push_back({l, c, line.substr(static_cast<size_t>(consumed))});
  }
  return out;
}

TEST(InvalidFixtures, EachReportsItsErrorsWithLineAndColumn) {
  size_t fixtures = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/fixtures/invalid")) {
    ++fixtures;
    const auto expectations = ReadExpectations(entry.path());
    ASSERT_FALSE(expectations.empty()) << entry.path() << " has no '# expect:' line";
    SCOPED_TRACE(entry.path().filename().string());
    try {
      LoadInventory({entry.path().string()});
      ADD_FAILURE() << "loaded without error";
    } catch (const ConfigError& e) {
      std::ostringstream all;
      for (const auto& d : e.diagnostics()) all << FormatDiagnostic(d) << "\n";
      EXPECT_EQ(e.diagnostics().size(), expectations.size()) << all.str();
      for (const auto& x : expectations) {
        bool found = false;
        for (const auto& d : e.diagnostics()) {
          found =
              found || (d.pos.file == entry.path().string() && d.pos.line == x.line &&
                        d.pos.column == x.column && d.message.find(x.text) != std::string::npos);
        }
        EXPECT_TRUE(found) << "expected " << x.line << ":" << x.column << ": " << x.text
                           << "\ngot:\n"
                           << all.str();
      }
    }
  }
  EXPECT_GE(fixtures, 20u);
}

TEST(Examples, NationalSampleLoadsWithDefaultPolicy) {
  const Inventory inv =
      LoadInventory({(kSource / "examples/national").string(), (kSource / "profiles").string()});
  EXPECT_EQ(inv.providers.size(), 3u);
  EXPECT_GE(inv.workloads.size(), 10u);
  ASSERT_EQ(inv.policies.size(), 1u);
  EXPECT_EQ(inv.policies[0].levels.size(), 5u);
  size_t hosts = 0;
  for (const auto& p : inv.providers) {
    EXPECT_GE(p.zones.size(), 2u) << p.name;
    for (const auto& z : p.zones) {
      EXPECT_GE(z.hosts.size(), 3u) << z.name;
      EXPECT_LE(z.hosts.size(), 6u) << z.name;
      hosts += z.hosts.size();
    }
  }
  EXPECT_GT(hosts, 20u);
}

TEST(Examples, EveryProfilesFileLoadsAlone) {
  for (const auto& entry : fs::directory_iterator(kSource / "profiles")) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(LoadInventory({entry.path().string()})) << entry.path();
  }
}

TEST(Examples, EveryExampleDirectoryLoads) {
  for (const auto& entry : fs::directory_iterator(kSource / "examples")) {
    if (!entry.is_directory()) continue;
    EXPECT_NO_THROW(LoadInventory({entry.path().string(), (kSource / "profiles").string()}))
        << entry.path();
  }
}

// Finds the raw bytes of `key: "value"` in a file, to compare with what the loader produced.
std::string RawValue(const fs::path& file, const std::string& name, const std::string& key) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  bool in_doc = false;
  while (std::getline(in, line)) {
    if (line == "name: " + name) in_doc = true;
    if (in_doc && line.rfind(key + ": \"", 0) == 0) {
      return line.substr(key.size() + 3, line.size() - key.size() - 4);
    }
  }
  return {};
}

TEST(Vietnamese, AgencyAndSystemRoundTripByteForByteThroughJson) {
  const fs::path file = kSource / "examples/national/workloads.yaml";
  const Inventory inv = LoadInventory({file.string(), (kSource / "examples/national").string()});
  ASSERT_FALSE(inv.workloads.empty());
  const std::string dumped = ToJson(inv).dump();
  const auto back = nlohmann::json::parse(dumped);
  for (const auto& w : back["workloads"]) {
    const std::string name = w["name"];
    const std::string raw_agency = RawValue(file, name, "agency");
    const std::string raw_system = RawValue(file, name, "system");
    ASSERT_FALSE(raw_agency.empty()) << name;
    EXPECT_EQ(w["agency"].get<std::string>(), raw_agency);
    EXPECT_EQ(w["system"].get<std::string>(), raw_system);
    // The JSON text holds the UTF-8 bytes themselves, not \u escapes.
    EXPECT_NE(dumped.find(raw_agency), std::string::npos);
  }
}

TEST(Loader, ReadsSeveralDocumentsAndDirectoriesSorted) {
  const testing::TempDir dir;
  const char* workload =
      "kind: Workload\nname: %s\nagency: \"Sở Y tế\"\nsystem: \"Hệ thống\"\nsecurity_level: 1\n"
      "resources: {vcpus: 1, memory: 1Gi}\n";
  auto write = [&](const std::string& file, const std::string& text) { dir.Write(file, text); };
  char buf[256];
  std::snprintf(buf, sizeof buf, workload, "b-app");
  write("b.yaml", buf);
  std::string two;
  std::snprintf(buf, sizeof buf, workload, "a-app");
  two += buf;
  two += "---\n";
  std::snprintf(buf, sizeof buf, workload, "c-app");
  two += buf;
  write("a.yml", two);
  write("ignored.txt", "not yaml");
  const Inventory inv = LoadInventory({dir.path().string()});
  ASSERT_EQ(inv.workloads.size(), 3u);
  EXPECT_EQ(inv.workloads[0].name, "a-app");
  EXPECT_EQ(inv.workloads[1].name, "c-app");
  EXPECT_EQ(inv.workloads[2].name, "b-app");
  EXPECT_EQ(inv.files.size(), 2u);
}

TEST(Loader, ReportsMissingPathsAndEmptyDirectories) {
  const testing::TempDir dir;
  try {
    LoadInventory({"/nonexistent/egov.yaml", dir.path().string()});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].pos.file, "/nonexistent/egov.yaml");
    EXPECT_NE(e.diagnostics()[1].message.find("no *.yaml"), std::string::npos);
  }
}

TEST(Loader, ParsesEveryWorkloadField) {
  const Inventory inv = LoadInventoryText("w.yaml", R"(kind: Provider
name: p
display_name: "P"
certification: {scheme: S, certificate: C, issued: 2024-01-01, expires: 2030-01-01, max_security_level: 4}
residency: VN
zones:
  - name: z
    region: "Hà Nội"
    hosts:
      - name: h
        uri: "test:///tmp/h.xml"
        capacity: {vcpus: 8, memory: 16Gi, disk: 1Ti}
        overcommit: {cpu: 4, memory: 1.5, disk: 2}
        labels: {storage: ssd}
        agent: "https://h.example:9464"
---
kind: Image
name: a
display_name: "A"
format: qcow2
source: /img/a.qcow2
sha256: 5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b
---
kind: Workload
name: w
agency: "Bộ Y tế"
system: "Hồ sơ sức khỏe điện tử"
security_level: 3
replicas: 2
resources: {vcpus: 4, memory: 8Gi, disk: 100Gi}
image: a
network: net-a
health: {url: "https://w.example/healthz", interval: 1m, timeout: 10s, expect_status: 204}
placement: {providers: [p], spread: zone, labels: {storage: ssd}}
)");
  ASSERT_EQ(inv.workloads.size(), 1u);
  const Workload& w = inv.workloads[0];
  EXPECT_EQ(w.agency, "Bộ Y tế");
  EXPECT_EQ(w.security_level, 3);
  EXPECT_EQ(w.replicas, 2);
  EXPECT_EQ(w.resources.memory, 8ULL << 30);
  EXPECT_EQ(w.resources.disk, 100ULL << 30);
  EXPECT_EQ(w.image, "a");
  ASSERT_TRUE(w.health.has_value());
  EXPECT_EQ(w.health->interval.count(), 60000);
  EXPECT_EQ(w.health->expect_status, 204);
  EXPECT_EQ(w.placement.spread, Spread::kZone);
  EXPECT_EQ(w.placement.labels.at("storage"), "ssd");
  const Host& h = inv.providers[0].zones[0].hosts[0];
  EXPECT_EQ(h.capacity.disk, 1ULL << 40);
  EXPECT_DOUBLE_EQ(h.overcommit.cpu, 4.0);
  EXPECT_DOUBLE_EQ(h.overcommit.disk, 2.0);
  EXPECT_EQ(h.agent, "https://h.example:9464");
  EXPECT_EQ(inv.providers[0].zones[0].region, "Hà Nội");
}

TEST(ExpandEnv, ExpandsVariablesAndDefaultsTheSimulationDirectory) {
  ::setenv("EGOV_TEST_VAR", "/srv/x", 1);
  std::string out, missing;
  ASSERT_TRUE(ExpandEnv("test://${EGOV_TEST_VAR}/h.xml", out, missing));
  EXPECT_EQ(out, "test:///srv/x/h.xml");
  EXPECT_FALSE(ExpandEnv("${EGOV_SURELY_UNSET_VAR}", out, missing));
  EXPECT_EQ(missing, "EGOV_SURELY_UNSET_VAR");
  ::unsetenv("EGOV_SIM_DIR");
  ASSERT_TRUE(ExpandEnv("${EGOV_SIM_DIR}", out, missing));
  EXPECT_EQ(out, SimulatedHostDir());
}

TEST(Waiver, CoversMatchingHostsUntilItExpires) {
  Waiver w;
  w.hosts = {"vnpt-hn1-*", "cmc-hcm1-02"};
  w.expires = *ParseDate("2026-12-31");
  EXPECT_TRUE(w.Covers("vnpt-hn1-03", *ParseDate("2026-12-31")));
  EXPECT_TRUE(w.Covers("cmc-hcm1-02", *ParseDate("2026-06-01")));
  EXPECT_FALSE(w.Covers("vnpt-hcm1-01", *ParseDate("2026-06-01")));
  EXPECT_FALSE(w.Covers("vnpt-hn1-03", *ParseDate("2027-01-01")));
}

TEST(IsDnsLabel, FollowsRfc1123Labels) {
  EXPECT_TRUE(IsDnsLabel("dvc-ha-noi"));
  EXPECT_TRUE(IsDnsLabel("a"));
  EXPECT_TRUE(IsDnsLabel(std::string(63, 'a')));
  for (const char* s : {"", "-a", "a-", "A", "a_b", "a.b", "ả", "a b", "<x>"}) {
    EXPECT_FALSE(IsDnsLabel(s)) << s;
  }
  EXPECT_FALSE(IsDnsLabel(std::string(64, 'a')));
}

}  // namespace
}  // namespace egov
