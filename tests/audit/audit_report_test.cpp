#include "orchestrator/audit/report.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"
#include "common/loader.h"
#include "orchestrator/audit/render.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;
using nlohmann::ordered_json;

const std::string kSecureConfig = "Nhóm 2: An toàn thông tin|Cấu hình an toàn";
const std::string kBasicSecurity = "Nhóm 2: An toàn thông tin|Tính năng an toàn cơ bản";

ordered_json Build(const Inventory& inv, const AuditInputs& in,
                   const AuditSettings& s = FixtureSettings()) {
  return BuildAuditReport(inv, in, s);
}

ordered_json FixtureReport(const std::string& extra_yaml = "") {
  return Build(FleetWith(extra_yaml), {FetchedFrom(), {}});
}

const ordered_json& Feature(const ordered_json& report, const std::string& provider,
                            const std::string& key) {
  for (const auto& f : Named(report["providers"], provider)["matrix"]["features"]) {
    if (f["group"].get<std::string>() + "|" + f["feature"].get<std::string>() == key) return f;
  }
  ADD_FAILURE() << "no feature " << key;
  static const ordered_json kNone = {{"status", "absent"}};
  return kNone;
}

std::string ControlStatus(const ordered_json& report, const std::string& host,
                          const std::string& profile, const std::string& control) {
  for (const auto& p : Named(report["hosts"], host)["profiles"]) {
    if (p["name"] == profile) return p["statuses"].value(control, "absent");
  }
  return "no profile";
}

// Replaces one host's fixture with a changed copy.
AuditInputs WithResult(const std::string& host, const nlohmann::json& doc) {
  AuditInputs in{FetchedFrom(), {}};
  for (auto& f : in.fetched) {
    if (f.host == host) {
      f.body = doc.dump();
      f.error.clear();
    }
  }
  return in;
}

TEST(AuditMatrixTest, FeaturePassesOnlyWhenEveryHostPassesEveryCriterion) {
  const auto r = FixtureReport();
  const auto& alpha = Named(r["providers"], "alpha-cloud")["matrix"];
  EXPECT_EQ(alpha["passed"], 2);
  EXPECT_EQ(alpha["total"], 4);
  EXPECT_EQ(alpha["status"], "fail");
  EXPECT_EQ(Feature(r, "alpha-cloud", "Nhóm 1: Yêu cầu kỹ thuật|Máy ảo")["status"], "pass");
  EXPECT_EQ(Feature(r, "alpha-cloud", "Nhóm 1: Yêu cầu kỹ thuật|Lưu trữ")["status"], "pass");
  EXPECT_EQ(Feature(r, "alpha-cloud", "Nhóm 1: Yêu cầu kỹ thuật|Máy chủ vật lý")["status"],
            "not_applicable");
  // The hardened host passes it; the weak one does not: the provider fails the feature.
  const auto& secure = Feature(r, "alpha-cloud", kSecureConfig);
  EXPECT_EQ(secure["status"], "fail");
  EXPECT_EQ(secure["hosts_passed"], 1);
  EXPECT_EQ(secure["hosts_failed"], ordered_json::array({"alpha-hn1-02"}));
  EXPECT_EQ(secure["failed_controls"],
            ordered_json::array({"MIC1145-G2-SC-03", "MIC1145-G2-SC-07"}));
  EXPECT_EQ(Feature(r, "alpha-cloud", kBasicSecurity)["status"], "fail");
}

TEST(AuditMatrixTest, ProviderWithUnknownHostsPassesNothing) {
  const auto r = FixtureReport();
  const auto& beta = Named(r["providers"], "beta-cloud");
  EXPECT_EQ(beta["matrix"]["passed"], 0);
  EXPECT_EQ(beta["matrix"]["total"], 5);
  EXPECT_EQ(beta["matrix"]["status"], "unknown");
  for (const auto& f : beta["matrix"]["features"]) {
    EXPECT_EQ(f["status"], "unknown");
    EXPECT_EQ(f["hosts_unknown"], ordered_json::array({"beta-hcm1-01"}));
  }
  EXPECT_EQ(beta["hosts_unknown"], ordered_json::array({"beta-hcm1-01"}));
}

TEST(AuditMatrixTest, AllHostsPassingMakesEveryFeaturePass) {
  AuditInputs in = WithResult("alpha-hn1-02", [] {
    auto doc = FixtureResult("alpha-hn1-01");
    doc["host"] = "alpha-hn1-02";
    return doc;
  }());
  const auto r = Build(FleetWith(), in);
  const auto& alpha = Named(r["providers"], "alpha-cloud")["matrix"];
  EXPECT_EQ(alpha["passed"], 4);
  EXPECT_EQ(alpha["total"], 4);
  EXPECT_EQ(alpha["status"], "pass");
}

TEST(AuditMatrixTest, NoFeatureKnownIsNoEvidence) {
  const auto r = Build(FleetWith(), {});  // no results at all, and no profile loaded
  const auto& alpha = Named(r["providers"], "alpha-cloud")["matrix"];
  EXPECT_TRUE(alpha["features"].empty());
  EXPECT_EQ(alpha["total"], 0);
  EXPECT_EQ(alpha["status"], "unknown");
  EXPECT_FALSE(r["summary"]["compliant"].get<bool>());
}

TEST(AuditVerdictTest, LevelVerdictPerWorkload) {
  const auto r = FixtureReport();
  const auto& dvc = Named(r["workloads"], "dvc-tinh");
  EXPECT_EQ(dvc["profile"], "decree85-level3");
  EXPECT_EQ(dvc["verdict"], "partly_met");
  EXPECT_EQ(dvc["replicas_found"], 2);
  EXPECT_EQ(dvc["placement_source"], "results");
  EXPECT_EQ(Named(dvc["replicas"], "alpha-hn1-01", "host")["verdict"], "met");
  EXPECT_EQ(Named(dvc["replicas"], "alpha-hn1-02", "host")["verdict"], "partly_met");
  EXPECT_EQ(dvc["controls"]["met"], 2);
  EXPECT_EQ(dvc["controls"]["partly_met"], 2);
  ASSERT_EQ(dvc["remediation"].size(), 2u);
  const auto& auth = dvc["remediation"][0];
  EXPECT_EQ(auth["control"], "D85-L3-AUTH-01");
  EXPECT_EQ(auth["hosts"], ordered_json::array({"alpha-hn1-02"}));
  EXPECT_EQ(auth["remediation"]["en"], "Set PasswordAuthentication no");

  const auto& hscv = Named(r["workloads"], "hscv");
  EXPECT_EQ(hscv["profile"], "decree85-level4");
  EXPECT_EQ(hscv["verdict"], "met");
  EXPECT_TRUE(hscv["remediation"].empty());

  const auto& csdl = Named(r["workloads"], "csdl-dan-cu");
  EXPECT_EQ(csdl["verdict"], "unknown");
  EXPECT_EQ(csdl["reason"], "no replica found on any host");
  EXPECT_EQ(csdl["findings"][0], "0 of 1 replicas found; domains unknown on 1 host(s)");
  EXPECT_EQ(
      r["summary"]["verdicts"],
      ordered_json(
          {{"met", 1}, {"not_met", 0}, {"not_required", 0}, {"partly_met", 1}, {"unknown", 1}}));
}

TEST(AuditVerdictTest, ThePolicyRaisesTheReplicasExpected) {
  const auto r = FixtureReport(ReadFile(kSource / "profiles/policy-default.yaml"));
  const auto& hscv = Named(r["workloads"], "hscv");
  EXPECT_EQ(hscv["replicas_desired"], 2);  // level 4: at least two replicas
  EXPECT_EQ(hscv["replicas_found"], 1);
  EXPECT_EQ(hscv["findings"],
            ordered_json::array({"1 of 2 replicas found; domains unknown on 1 host(s)"}));
  EXPECT_EQ(hscv["verdict"], "met") << "the verdict judges the replicas that exist";
  EXPECT_EQ(Named(r["workloads"], "dvc-tinh")["findings"], ordered_json::array());
}

TEST(AuditVerdictTest, LevelsThePolicyDoesNotRequireArePassedOverNotFailed) {
  // The default policy, with level 3 requiring no compliance pass (as levels 1-2 do).
  std::string policy = ReadFile(kSource / "profiles/policy-default.yaml");
  const std::string level3 =
      "    compliance: {required: true, profile: decree85-level3, unknown: allow}\n";
  ASSERT_NE(policy.find(level3), std::string::npos);
  policy.erase(policy.find(level3), level3.size());
  const auto r = FixtureReport(policy);
  for (const char* name : {"dvc-tinh", "csdl-dan-cu"}) {
    const auto& w = Named(r["workloads"], name);
    EXPECT_EQ(w["verdict"], "not_required") << name;
    EXPECT_EQ(w["reason"], "not required by the policy: level 3 requires no compliance pass");
  }
  EXPECT_EQ(Named(r["workloads"], "hscv")["verdict"], "met");
  EXPECT_EQ(r["summary"]["verdicts"]["not_required"], 2);
  // The HTML summary counts them too: met / partly / not / unknown / not required.
  EXPECT_NE(RenderHtml(r, "").find("1 / 0 / 0 / 0 / 2"), std::string::npos);
  // What still keeps the fleet from compliance is the failing controls and the unknown host,
  // not the levels without a requirement.
  EXPECT_EQ(r["summary"]["verdicts"]["unknown"], 0);
}

TEST(AuditVerdictTest, NotMetWhenNoControlPasses) {
  auto doc = FixtureResult("alpha-hn1-01");
  for (auto& p : doc["profiles"]) {
    for (auto& c : p["controls"]) c["status"] = "fail";
  }
  const auto r = Build(FleetWith(), WithResult("alpha-hn1-01", doc));
  EXPECT_EQ(Named(r["workloads"], "hscv")["verdict"], "not_met");
  EXPECT_EQ(Named(r["workloads"], "hscv")["controls"]["not_met"], 5);
  EXPECT_EQ(Named(r["workloads"], "hscv")["remediation"][0]["status"], "not_met");
}

TEST(AuditVerdictTest, ReplicaOnUnknownHostMakesTheVerdictUnknown) {
  AuditInputs in{FetchedFrom(), {}};
  in.libvirt["beta-hcm1-01"] = {true, "libvirt", "", {{"csdl-0", "csdl-dan-cu", 0}}};
  const auto r = Build(FleetWith(), in);
  const auto& csdl = Named(r["workloads"], "csdl-dan-cu");
  EXPECT_EQ(csdl["verdict"], "unknown");
  EXPECT_NE(csdl["reason"].get<std::string>().find("beta-hcm1-01 (no results file"),
            std::string::npos)
      << csdl["reason"];
  EXPECT_EQ(csdl["placement_source"], "libvirt");
}

TEST(AuditVerdictTest, HostWithoutTheLevelProfileIsUnknownForThatLevel) {
  auto doc = FixtureResult("alpha-hn1-01");
  doc["profiles"].erase(2);  // no decree85-level4
  const auto r = Build(FleetWith(), WithResult("alpha-hn1-01", doc));
  EXPECT_EQ(Named(r["workloads"], "hscv")["verdict"], "unknown");
  EXPECT_NE(Named(r["workloads"], "hscv")["reason"].get<std::string>().find(
                "alpha-hn1-01 (result has no decree85-level4 or decree85 at level ≥ 4 (it has "),
            std::string::npos);
  EXPECT_EQ(Named(r["workloads"], "dvc-tinh")["verdict"], "partly_met");
}

TEST(AuditVerdictTest, LibvirtPlacementWinsOverTheAgentsList) {
  AuditInputs in{FetchedFrom(), {}};
  in.libvirt["alpha-hn1-01"] = {true, "libvirt", "", {}};
  in.libvirt["alpha-hn1-02"] = {false, "libvirt", "cannot open", {}};
  const auto r = Build(FleetWith(), in);
  const auto& dvc = Named(r["workloads"], "dvc-tinh");
  EXPECT_EQ(dvc["replicas_found"], 1);
  EXPECT_EQ(dvc["placement_source"], "results");  // alpha-hn1-02 fell back to its agent's list
  EXPECT_EQ(dvc["replicas"][0]["host"], "alpha-hn1-02");
  EXPECT_EQ(Named(r["workloads"], "hscv")["verdict"], "unknown");
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-01")["placement"]["source"], "libvirt");
}

TEST(AuditVerdictTest, CertificationProblemsOfCarryingProvidersAreFindings) {
  AuditInputs in{FetchedFrom(), {}};
  in.libvirt["beta-hcm1-01"] = {true, "libvirt", "", {{"hscv-9", "hscv", 1}}};
  const auto r = Build(FleetWith(), in);
  const auto findings = Named(r["workloads"], "hscv")["findings"];
  EXPECT_NE(std::find(findings.begin(), findings.end(),
                      "provider beta-cloud is certified only up to level 3"),
            findings.end())
      << findings;
  AuditSettings late = FixtureSettings();
  late.today = *ParseDate("2028-03-01");
  late.now = Timestamp(late.today) + std::chrono::hours(12);
  late.max_age = std::chrono::seconds(0);
  late.from = *ParseDate("2026-01-01");
  const auto r2 = Build(FleetWith(), in, late);
  const auto f2 = Named(r2["workloads"], "hscv")["findings"];
  EXPECT_NE(
      std::find(f2.begin(), f2.end(), "provider beta-cloud's certification expired on 2028-02-28"),
      f2.end())
      << f2;
  EXPECT_FALSE(Named(r2["providers"], "beta-cloud")["certification"]["valid"].get<bool>());
}

TEST(AuditUnknownTest, UnreachableMalformedStaleAndMisnamedHostsAreUnknown) {
  struct Case {
    std::string name;
    std::function<void(AuditInputs&, AuditSettings&)> change;
    std::string reason;
  } cases[] = {
      {"transport error",
       [](AuditInputs& in, AuditSettings&) { in.fetched[1].error = "Connection refused"; },
       "Connection refused"},
      {"no agent",
       [](AuditInputs& in, AuditSettings&) { in.fetched.erase(in.fetched.begin() + 1); },
       "no agent URL in the inventory"},
      {"malformed", [](AuditInputs& in, AuditSettings&) { in.fetched[1].body = "{"; },
       "malformed result: not valid JSON"},
      {"other host",
       [](AuditInputs& in, AuditSettings&) { in.fetched[1].body = in.fetched[0].body; },
       "the result is for host 'alpha-hn1-01'"},
      {"stale",
       [](AuditInputs&, AuditSettings& s) {
         s.now = *checks::ParseTimestamp("2026-11-23T10:00:02Z");
       },
       "stale: scanned at 2026-11-22T10:00:01Z, more than 1d ago"},
      {"future",
       [](AuditInputs&, AuditSettings& s) {
         s.now = *checks::ParseTimestamp("2026-11-22T09:50:00Z");
       },
       "scan time 2026-11-22T10:00:01Z is in the future"},
      {"outside window",
       [](AuditInputs&, AuditSettings& s) {
         s.to = *ParseDate("2026-06-30");
         s.max_age = std::chrono::seconds(0);
       },
       "outside the reporting window 2025-12-15 to 2026-06-30"},
  };
  for (const auto& c : cases) {
    AuditInputs in{FetchedFrom(), {}};
    AuditSettings s = FixtureSettings();
    c.change(in, s);
    const auto r = Build(FleetWith(), in, s);
    const auto& host = Named(r["hosts"], "alpha-hn1-02");
    EXPECT_EQ(host["status"], "unknown") << c.name;
    EXPECT_NE(host["reason"].get<std::string>().find(c.reason), std::string::npos)
        << c.name << ": " << host["reason"];
    EXPECT_EQ(Named(r["unknown_hosts"], "alpha-hn1-02")["reason"], host["reason"]) << c.name;
    EXPECT_TRUE(host["findings"].empty()) << c.name << ": an unknown host's results never count";
    EXPECT_EQ(Feature(r, "alpha-cloud", "Nhóm 1: Yêu cầu kỹ thuật|Máy ảo")["status"], "unknown")
        << c.name;
    EXPECT_FALSE(r["summary"]["compliant"].get<bool>()) << c.name;
  }
}

TEST(AuditUnknownTest, StaleLimitCanBeLifted) {
  AuditSettings s = FixtureSettings();
  s.now = *checks::ParseTimestamp("2026-12-01T00:00:00Z");
  s.max_age = std::chrono::seconds(0);
  const auto r = Build(FleetWith(), {FetchedFrom(), {}}, s);
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-02")["status"], "known");
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-02")["scan"]["age_seconds"],
            8 * 86400 + 13 * 3600 + 59 * 60 + 59);
}

const char* kWaiver = R"(kind: Waiver
name: libvirt-tcp-lab
control: MIC1145-G2-BS-01
profile: mic-1145
hosts: ["alpha-hn1-*"]
reason: "Phòng thí nghiệm: TCP chỉ trên mạng quản trị riêng"
approved_by: "Nguyễn Văn A, Trưởng phòng ATTT"
expires: EXPIRES
)";

std::string WaiverExpiring(const std::string& date) {
  std::string w = kWaiver;
  w.replace(w.find("EXPIRES"), 7, date);
  return w;
}

TEST(AuditWaiverTest, WaiverTurnsAFailureIntoWaivedAndItsExpiryTurnsItBack) {
  const auto before = FixtureReport();
  EXPECT_EQ(ControlStatus(before, "alpha-hn1-02", "mic-1145", "MIC1145-G2-BS-01"), "fail");

  const auto waived = FixtureReport(WaiverExpiring("2026-12-31"));
  EXPECT_EQ(ControlStatus(waived, "alpha-hn1-02", "mic-1145", "MIC1145-G2-BS-01"), "waived");
  EXPECT_EQ(ControlStatus(waived, "alpha-hn1-02", "mic-1145", "MIC1145-G2-SC-03"), "fail");
  EXPECT_EQ(Feature(waived, "alpha-cloud", kBasicSecurity)["status"], "pass");
  EXPECT_EQ(Named(waived["providers"], "alpha-cloud")["matrix"]["passed"], 3);
  EXPECT_EQ(waived["summary"]["controls"]["waived"], 1);
  const auto& host = Named(waived["hosts"], "alpha-hn1-02");
  const auto& finding = Named(host["findings"], "MIC1145-G2-BS-01", "control");
  EXPECT_EQ(finding["status"], "waived");
  EXPECT_EQ(finding["waiver"]["name"], "libvirt-tcp-lab");
  EXPECT_EQ(finding["waiver"]["source"], "inventory");
  EXPECT_EQ(finding["waiver"]["approved_by"], "Nguyễn Văn A, Trưởng phòng ATTT");
  EXPECT_EQ(Named(host["waivers"], "libvirt-tcp-lab")["status"], "in_force");
  EXPECT_EQ(Named(host["waivers"], "libvirt-tcp-lab")["applied"],
            ordered_json::array({"mic-1145/MIC1145-G2-BS-01"}));
  // The hardened host matches the pattern but had nothing to waive.
  EXPECT_TRUE(Named(Named(waived["hosts"], "alpha-hn1-01")["waivers"], "libvirt-tcp-lab")["applied"]
                  .empty());
  EXPECT_EQ(Named(waived["waivers"], "libvirt-tcp-lab")["applied"],
            ordered_json::array({"alpha-hn1-02: mic-1145/MIC1145-G2-BS-01"}));

  const auto expired = FixtureReport(WaiverExpiring("2026-11-21"));
  EXPECT_EQ(ControlStatus(expired, "alpha-hn1-02", "mic-1145", "MIC1145-G2-BS-01"), "fail");
  EXPECT_EQ(Feature(expired, "alpha-cloud", kBasicSecurity)["status"], "fail");
  EXPECT_EQ(Named(Named(expired["hosts"], "alpha-hn1-02")["waivers"], "libvirt-tcp-lab")["status"],
            "expired");
  EXPECT_EQ(Named(expired["waivers"], "libvirt-tcp-lab")["status"], "expired");
  EXPECT_TRUE(Named(expired["waivers"], "libvirt-tcp-lab")["applied"].empty());
}

TEST(AuditWaiverTest, WaiverAppliesOnItsLastDayOnly) {
  EXPECT_EQ(ControlStatus(FixtureReport(WaiverExpiring("2026-11-22")), "alpha-hn1-02", "mic-1145",
                          "MIC1145-G2-BS-01"),
            "waived");
}

TEST(AuditWaiverTest, WaiverForAnotherProfileOrHostDoesNotApply) {
  std::string other_profile = WaiverExpiring("2026-12-31");
  other_profile.replace(other_profile.find("profile: mic-1145"), 17, "profile: decree85-level3");
  EXPECT_EQ(
      ControlStatus(FixtureReport(other_profile), "alpha-hn1-02", "mic-1145", "MIC1145-G2-BS-01"),
      "fail");
  std::string other_host = WaiverExpiring("2026-12-31");
  other_host.replace(other_host.find("alpha-hn1-*"), 11, "beta-*");
  const auto r = FixtureReport(other_host);
  EXPECT_EQ(ControlStatus(r, "alpha-hn1-02", "mic-1145", "MIC1145-G2-BS-01"), "fail");
  EXPECT_TRUE(Named(r["hosts"], "alpha-hn1-02")["waivers"].empty());
}

TEST(AuditWaiverTest, AgentWaiverCountsUntilItExpires) {
  auto doc = FixtureResult("alpha-hn1-02");
  auto& control = doc["profiles"][0]["controls"][5];  // MIC1145-G2-SC-07
  control["status"] = "waived";
  control["waiver"] = {{"name", "ntp-lab"},
                       {"reason", "no NTP server yet"},
                       {"approved_by", "B"},
                       {"expires", "2026-12-01"}};
  auto r = Build(FleetWith(), WithResult("alpha-hn1-02", doc));
  EXPECT_EQ(ControlStatus(r, "alpha-hn1-02", "mic-1145", "MIC1145-G2-SC-07"), "waived");
  EXPECT_EQ(Named(Named(r["hosts"], "alpha-hn1-02")["waivers"], "ntp-lab")["source"], "agent");

  control["waiver"]["expires"] = "2026-11-01";
  r = Build(FleetWith(), WithResult("alpha-hn1-02", doc));
  EXPECT_EQ(ControlStatus(r, "alpha-hn1-02", "mic-1145", "MIC1145-G2-SC-07"), "fail");
  const auto& finding =
      Named(Named(r["hosts"], "alpha-hn1-02")["findings"], "MIC1145-G2-SC-07", "control");
  EXPECT_TRUE(finding["waiver"]["expired"].get<bool>());
  EXPECT_NE(finding["reason"].get<std::string>().find("expired on 2026-11-01"), std::string::npos);
  EXPECT_EQ(Named(Named(r["hosts"], "alpha-hn1-02")["waivers"], "ntp-lab")["status"], "expired");
}

TEST(AuditReportTest, CompliantOnlyWhenEverythingIsKnownAndPasses) {
  EXPECT_FALSE(FixtureReport()["summary"]["compliant"].get<bool>());
  const std::string one_host = R"(kind: Provider
name: solo
display_name: Solo
certification: {scheme: X, certificate: "1", issued: 2025-01-01, expires: 2029-01-01, max_security_level: 4}
residency: VN
zones:
  - name: z
    hosts:
      - name: alpha-hn1-01
        uri: "test:///default"
        capacity: {vcpus: 8, memory: 8Gi, disk: 100Gi}
        agent: "http://127.0.0.1:1"
---
kind: Workload
name: hscv
agency: A
system: S
security_level: 4
resources: {vcpus: 1, memory: 1Gi}
)";
  const auto r = Build(LoadInventoryText("solo.yaml", one_host), {FetchedFrom(), {}});
  EXPECT_TRUE(r["summary"]["compliant"].get<bool>()) << r["summary"];
  EXPECT_TRUE(ReportCompliant(r));
  EXPECT_EQ(r["unexpected_results"], ordered_json::array({"alpha-hn1-02"}));
}

TEST(AuditReportTest, RecordsWhoWhenWindowAndHashes) {
  const auto r = FixtureReport();
  EXPECT_EQ(r["schema"], "egov.audit/v1");
  EXPECT_EQ(r["generated_at"], "2026-11-22T12:00:00Z");
  EXPECT_EQ(r["audit_date"], "2026-11-22");
  EXPECT_EQ(r["auditor"], "Kiểm toán viên <test>");
  EXPECT_EQ(r["window"]["from"], "2025-12-15");
  EXPECT_EQ(r["window"]["to"], "2026-12-14");
  const auto& weak = Named(r["hosts"], "alpha-hn1-02");
  EXPECT_EQ(weak["result_sha256"],
            ParseHostResult(ReadFile(ResultFixtures() / "alpha-hn1-02.json")).result->sha256);
  EXPECT_EQ(weak["scan"]["agent_version"], "0.1.0");
  EXPECT_EQ(weak["scan"]["finished_at"], "2026-11-22T10:00:01Z");
  EXPECT_EQ(Named(weak["profiles"], "mic-1145")["summary"]["level_verdict"], "partly_met");
  EXPECT_EQ(r["summary"]["controls"]["fail"], 7);
  EXPECT_EQ(r["summary"]["hosts_unknown"], 1);
}

TEST(AnnualWindowTest, FifteenthOfDecemberToFourteenth) {
  struct Case {
    const char* today;
    const char* from;
    const char* to;
  } cases[] = {{"2026-11-22", "2025-12-15", "2026-12-14"},
               {"2026-01-01", "2025-12-15", "2026-12-14"},
               {"2026-12-14", "2025-12-15", "2026-12-14"},
               {"2026-12-15", "2026-12-15", "2027-12-14"},
               {"2026-12-31", "2026-12-15", "2027-12-14"}};
  for (const auto& c : cases) {
    const auto [from, to] = AnnualWindow(*ParseDate(c.today));
    EXPECT_EQ(FormatDate(from), c.from) << c.today;
    EXPECT_EQ(FormatDate(to), c.to) << c.today;
  }
}

TEST(LevelProfileTest, PolicyNamesTheProfileElseDecree85Level) {
  EXPECT_EQ(LevelProfile(FleetWith(), "", 3), "decree85-level3");
  const Inventory with_default = LoadInventory(
      {FleetInventory().string(), (kSource / "profiles/policy-default.yaml").string()});
  EXPECT_EQ(LevelProfile(with_default, "", 4), "decree85-level4");
  EXPECT_EQ(LevelProfile(with_default, "", 1), "decree85-level1");
  const std::string custom = R"(kind: Policy
name: strict
levels:
  - {level: 1}
  - {level: 2}
  - level: 3
    compliance: {required: true, profile: national-l3}
  - {level: 4}
  - {level: 5}
)";
  const Inventory inv = FleetWith(custom);
  EXPECT_EQ(LevelProfile(inv, "strict", 3), "national-l3");
  EXPECT_EQ(LevelProfile(inv, "", 3), "national-l3");  // the only policy
  EXPECT_EQ(LevelProfile(inv, "strict", 2), "decree85-level2");
}

}  // namespace
}  // namespace egov::orchestrator::audit
