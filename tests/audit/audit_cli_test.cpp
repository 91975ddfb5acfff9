#include <gtest/gtest.h>
#include <stdlib.h>

#include "audit_test_util.h"
#include "common/domain_metadata.h"
#include "orchestrator/audit/seal.h"
#include "tests/support/egovctl.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;

using egov::testing::Egovctl;

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("EGOV_TODAY", "2026-11-22", 1); }
  void TearDown() override { ::unsetenv("EGOV_TODAY"); }

  // `egovctl audit` on the fixtures, plus `extra` arguments.
  CliRun Audit(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "audit",       "-f", FleetInventory().string(), "--results", ResultFixtures().string(),
        "--no-libvirt"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Egovctl(args);
  }

  TempDir dir_;
};

TEST_F(AuditCliTest, WritesASealedReportAndSaysWhatItFound) {
  const auto path = dir_ / "q4.html";
  const CliRun r = Audit({"-o", path.string(), "--auditor", "Nguyễn Thị B, Cục ATTT"});
  EXPECT_EQ(r.code, 1) << r.err << "(not compliant: one host unknown, controls failing)";
  EXPECT_NE(r.out.find("Audit report written to " + path.string() + " (html, SHA-256 "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("3 hosts: 2 collected, 1 unknown"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alpha-cloud 2/4 beta-cloud 0/5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Workloads: 1 met, 1 partly met, 0 not met, 1 unknown"), std::string::npos);
  EXPECT_NE(r.out.find("Unknown: beta-hcm1-01: no results file"), std::string::npos);
  const std::string html = ReadFile(path);
  EXPECT_NE(html.find("Nguyễn Thị B, Cục ATTT"), std::string::npos);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp." + std::to_string(::getpid())));

  const CliRun v = Egovctl({"audit", "verify", path.string()});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("OK " + path.string() + " (html): SHA-256 "), std::string::npos);
  EXPECT_NE(v.out.find("generated 2026-11-22T12:00:00Z by Nguyễn Thị B, Cục ATTT"),
            std::string::npos);
}

TEST_F(AuditCliTest, FormatFromOptionOrExtensionElseJsonOnStandardOutput) {
  CliRun r = Audit({});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(DetectFormat(r.out, "stdout"), ReportFormat::kJson);
  EXPECT_TRUE(VerifyReport(r.out, "stdout").ok);
  r = Audit({"--format", "csv"});
  EXPECT_EQ(DetectFormat(r.out, "stdout"), ReportFormat::kCsv);
  EXPECT_TRUE(Audit({"-o", (dir_ / "r.csv").string()}).out.find("(csv,") != std::string::npos);
  EXPECT_TRUE(Audit({"-o", (dir_ / "r.txt").string()}).out.find("(json,") != std::string::npos);
  EXPECT_EQ(Audit({"--format", "html", "-o", (dir_ / "r.txt").string()}).code, 1);
  EXPECT_EQ(DetectFormat(ReadFile(dir_ / "r.txt"), "r.txt"), ReportFormat::kHtml);
}

TEST_F(AuditCliTest, SameInputsSameDaySameBytes) {
  const std::string a = Audit({"--format", "html", "--auditor", "x"}).out;
  const std::string b = Audit({"--format", "html", "--auditor", "x"}).out;
  EXPECT_EQ(a, b);
}

TEST_F(AuditCliTest, BadInputExitsTwoAndWritesNothing) {
  const auto out = dir_ / "never.html";
  const std::string creds = (dir_ / "creds").string();
  WriteFile(creds, "host-only-no-password\n");
  fs::permissions(creds, fs::perms::owner_read | fs::perms::owner_write);
  const std::string open_creds = (dir_ / "open-creds").string();
  WriteFile(open_creds, "* auditor:s3cret\n");
  fs::permissions(open_creds, fs::perms::owner_read | fs::perms::others_read);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--format", "pdf"}, "--format: expected html, json or csv, got 'pdf'"},
      {{"--from", "2026-13-01"}, "--from: expected a date YYYY-MM-DD"},
      {{"--from", "2026-06-01", "--to", "2026-05-01"}, "--to: the window ends before it starts"},
      {{"--max-age", "soon"}, "--max-age: expected a duration"},
      {{"--timeout", "5x"}, "--timeout: expected a duration"},
      {{"--policy", "nope"}, "--policy: no Policy named 'nope'"},
      {{"--cacert", "/nonexistent/ca.pem"}, "--cacert: no such file"},
      {{"--credentials", creds}, creds + ":1:22: expected 'HOST-GLOB USER:PASSWORD'"},
      {{"--credentials", open_creds}, open_creds + ": credentials file is readable by other users"},
      {{"--bogus"}, "unrecognised option '--bogus'"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.end(), {"-o", out.string()});
    const CliRun r = Audit(args);
    EXPECT_EQ(r.code, 2) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.message;
  }
  const CliRun r =
      Egovctl({"audit", "-f", (kSource / "tests/fixtures/invalid/unknown-key.yaml").string(),
               "--results", ResultFixtures().string(), "-o", out.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown-key.yaml:"), std::string::npos) << r.err;
  EXPECT_EQ(Egovctl({"audit", "-f", FleetInventory().string(), "--results", "/nonexistent"}).code,
            2);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(AuditCliTest, VerifyFailsOnATamperedReport) {
  for (const char* name : {"r.json", "r.html", "r.csv"}) {
    const auto path = dir_ / name;
    Audit({"-o", path.string()});
    std::string bytes = ReadFile(path);
    const size_t at = bytes.find("partly_met");
    ASSERT_NE(at, std::string::npos) << name;
    bytes[at] = 'P';
    WriteFile(path, bytes);
    const CliRun v = Egovctl({"audit", "verify", path.string()});
    EXPECT_EQ(v.code, 1) << name;
    EXPECT_NE(v.out.find("FAILED " + path.string()), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("changed after sealing"), std::string::npos) << v.out;
  }
  WriteFile(dir_ / "notes.txt", "not a report");
  EXPECT_EQ(Egovctl({"audit", "verify", (dir_ / "notes.txt").string()}).code, 2);
  EXPECT_EQ(Egovctl({"audit", "verify", (dir_ / "missing.json").string()}).code, 2);
}

TEST_F(AuditCliTest, VerifyChecksSavedResultsAgainstTheReport) {
  const auto report = dir_ / "r.csv";
  const auto saved = dir_ / "saved";
  Audit({"-o", report.string(), "--save-results", saved.string()});
  EXPECT_EQ(ReadFile(saved / "alpha-hn1-02.json"),
            ReadFile(ResultFixtures() / "alpha-hn1-02.json"));
  EXPECT_FALSE(fs::exists(saved / "beta-hcm1-01.json"));
  CliRun v = Egovctl({"audit", "verify", report.string(), "--results", saved.string()});
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("OK       alpha-hn1-02 "), std::string::npos) << v.out;

  auto doc = FixtureResult("alpha-hn1-02");
  doc["profiles"][0]["controls"][4]["status"] = "pass";
  WriteFile(saved / "alpha-hn1-02.json", doc.dump(2));
  v = Egovctl({"audit", "verify", report.string(), "--results", saved.string()});
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("MISMATCH alpha-hn1-02"), std::string::npos) << v.out;
}

TEST_F(AuditCliTest, DiffComparesFiledReportsOfAnyFormat) {
  const auto old_path = dir_ / "q3.csv", new_path = dir_ / "q4.html";
  Audit({"-o", old_path.string()});
  const auto waiver = dir_ / "waiver.yaml";
  WriteFile(waiver,
            "kind: Waiver\nname: w\ncontrol: MIC1145-G2-SC-03\nhosts: [alpha-hn1-02]\n"
            "reason: r\napproved_by: a\nexpires: 2027-01-01\n");
  Audit({"-f", waiver.string(), "-o", new_path.string()});
  CliRun d = Egovctl({"audit", "diff", old_path.string(), new_path.string()});
  EXPECT_EQ(d.code, 0) << d.out << d.err;
  EXPECT_NE(
      d.out.find("Newly waived (1):\n  alpha-hn1-02  mic-1145/MIC1145-G2-SC-03  fail -> waived"),
      std::string::npos)
      << d.out;
  d = Egovctl({"audit", "diff", new_path.string(), old_path.string(), "--format", "json"});
  EXPECT_EQ(d.code, 1) << "the waiver's removal is a regression";
  const auto j = nlohmann::json::parse(d.out);
  EXPECT_EQ(j["newly_failing"][0]["control"], "MIC1145-G2-SC-03");
  EXPECT_EQ(Egovctl({"audit", "diff", old_path.string()}).code, 2);
}

TEST_F(AuditCliTest, ReadsWorkloadPlacementFromTheHostsLibvirt) {
  ::setenv("EGOV_SIM_DIR", dir_.path().c_str(), 1);
  auto host_file = [&](const std::string& host, const std::vector<DomainMetadata>& domains) {
    WriteFile(dir_ / (host + ".xml"),
              SimulatedHost(domains,
                            "<domain type='test'><name>unmanaged</name><memory>65536</memory>"
                            "<os><type>hvm</type></os></domain>"));
  };
  DomainMetadata csdl{"csdl-dan-cu", "Sở Tư pháp", "Hộ tịch", 3,  0,
                      "beta-cloud",  "hcm-1",      "h",       "", ""};
  DomainMetadata dvc{"dvc-tinh", "UBND", "DVC", 3, 0, "alpha-cloud", "hn-1", "h", "", ""};
  host_file("alpha-hn1-01", {dvc});
  host_file("beta-hcm1-01", {csdl});
  // alpha-hn1-02 has no host file: its libvirt cannot be read, its agent's list is used.
  const CliRun r = Egovctl({"audit", "-f", FleetInventory().string(), "--results",
                            ResultFixtures().string(), "--format", "json"});
  ::unsetenv("EGOV_SIM_DIR");
  const auto report = LoadReport(r.out, "stdout");
  const auto& dvc_w = Named(report["workloads"], "dvc-tinh");
  EXPECT_EQ(dvc_w["placement_source"], "mixed");
  EXPECT_EQ(dvc_w["replicas_found"], 2);
  EXPECT_EQ(Named(report["workloads"], "hscv")["replicas_found"], 0)
      << "libvirt, not the agent's list, says hscv is not on alpha-hn1-01";
  const auto& csdl_w = Named(report["workloads"], "csdl-dan-cu");
  EXPECT_EQ(csdl_w["placement_source"], "libvirt");
  EXPECT_EQ(csdl_w["verdict"], "unknown");
  EXPECT_EQ(csdl_w["replicas"][0]["domain"], "csdl-dan-cu-0");
  const auto& weak = Named(report["hosts"], "alpha-hn1-02");
  EXPECT_EQ(weak["placement"]["source"], "results");
  EXPECT_FALSE(fs::exists(dir_ / "alpha-hn1-02.xml")) << "the audit only reads";
}

// From saved results as from the agents: a result saved for a host now declared failed does not
// stand for it, so the report is the same either way.
TEST_F(AuditCliTest, ASavedResultOfAHostDeclaredFailedIsNotUsed) {
  std::string fleet = ReadFile(FleetInventory() / "fleet.yaml");
  const std::string agent = R"(agent: "http://127.0.0.1:1/alpha-hn1-02")";
  fleet.replace(fleet.find(agent), agent.size(), agent + "\n        state: failed");
  WriteFile(dir_ / "fleet.yaml", fleet);
  const CliRun r = Egovctl({"audit", "-f", (dir_ / "fleet.yaml").string(), "--results",
                            ResultFixtures().string(), "--no-libvirt", "--format", "json"});
  EXPECT_EQ(r.code, 1) << r.err;
  const auto report = LoadReport(r.out, "stdout");
  const auto& host = Named(report["hosts"], "alpha-hn1-02");
  EXPECT_EQ(host["status"], "unknown");
  EXPECT_EQ(host["reason"],
            "declared failed in the inventory (fenced): not asked, no evidence collected");
  EXPECT_EQ(report["summary"]["hosts_unknown"], 2);
  EXPECT_TRUE(report["unexpected_results"].empty()) << report["unexpected_results"];
}

TEST_F(AuditCliTest, HelpNamesTheCommandAndItsSubcommands) {
  EXPECT_NE(Egovctl({"--help"}).out.find("audit"), std::string::npos);
  const CliRun r = Egovctl({"audit", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* text : {"egovctl audit verify FILE", "egovctl audit diff OLD NEW", "--results",
                           "--cacert", "--credentials", "--max-age"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace egov::orchestrator::audit
