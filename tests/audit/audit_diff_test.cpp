#include "orchestrator/audit/diff.h"

#include <gtest/gtest.h>

#include <sstream>

#include "audit_test_util.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;
using nlohmann::ordered_json;

ordered_json Build(const Inventory& inv, const std::vector<agent_client::FetchedResult>& fetched) {
  return BuildAuditReport(inv, {fetched, {}}, FixtureSettings());
}

void SetStatus(nlohmann::json& doc, const std::string& id, const std::string& status) {
  for (auto& p : doc["profiles"]) {
    for (auto& c : p["controls"]) {
      if (c["id"] == id) c["status"] = status;
    }
  }
}

TEST(AuditDiffTest, IdenticalReportsHaveNoChanges) {
  const auto r = Build(FleetWith(), FetchedFrom());
  const auto d = DiffReports(r, r);
  EXPECT_EQ(d["regressions"], 0);
  EXPECT_EQ(d["improvements"], 0);
  for (const char* key :
       {"hosts_added", "hosts_removed", "hosts_now_unknown", "newly_failing", "newly_passing",
        "newly_waived", "features_changed", "workloads_changed"}) {
    EXPECT_TRUE(d[key].empty()) << key;
  }
}

TEST(AuditDiffTest, NewlyFailingPassingWaivedAndVerdicts) {
  const auto old_report = Build(FleetWith(), FetchedFrom());
  auto fetched = FetchedFrom();
  auto hardened = FixtureResult("alpha-hn1-01"), weak = FixtureResult("alpha-hn1-02");
  SetStatus(hardened, "MIC1145-G2-SC-07", "fail");  // newly failing
  SetStatus(hardened, "D85-L4-SEP-01", "error");    // newly failing (check error)
  SetStatus(weak, "MIC1145-G2-SC-03", "pass");      // newly passing
  fetched[0].body = hardened.dump();
  fetched[1].body = weak.dump();
  const std::string waiver = R"(kind: Waiver
name: tcp
control: MIC1145-G2-BS-01
hosts: ["alpha-hn1-02"]
reason: r
approved_by: a
expires: 2027-01-01
)";
  const auto new_report = Build(FleetWith(waiver), fetched);
  const auto d = DiffReports(old_report, new_report);

  ASSERT_EQ(d["newly_failing"].size(), 2u) << d.dump(1);
  EXPECT_EQ(d["newly_failing"][0], ordered_json({{"host", "alpha-hn1-01"},
                                                 {"profile", "decree85-level4"},
                                                 {"control", "D85-L4-SEP-01"},
                                                 {"old", "pass"},
                                                 {"new", "error"}}));
  EXPECT_EQ(d["newly_failing"][1]["control"], "MIC1145-G2-SC-07");
  ASSERT_EQ(d["newly_passing"].size(), 1u);
  EXPECT_EQ(d["newly_passing"][0]["control"], "MIC1145-G2-SC-03");
  EXPECT_EQ(d["newly_passing"][0]["old"], "fail");
  ASSERT_EQ(d["newly_waived"].size(), 1u);
  EXPECT_EQ(d["newly_waived"][0]["control"], "MIC1145-G2-BS-01");
  ASSERT_EQ(d["workloads_changed"].size(), 1u);
  EXPECT_EQ(d["workloads_changed"][0],
            ordered_json({{"workload", "hscv"}, {"old", "met"}, {"new", "partly_met"}}));
  // Basic security now passes (waived); secure configuration still fails on both hosts.
  ASSERT_EQ(d["features_changed"].size(), 1u) << d["features_changed"];
  EXPECT_EQ(d["features_changed"][0]["feature"], "Tính năng an toàn cơ bản");
  EXPECT_EQ(d["features_changed"][0]["new"], "pass");
  EXPECT_EQ(d["regressions"], 3);   // two controls, one workload
  EXPECT_EQ(d["improvements"], 2);  // one control, one feature

  std::ostringstream text;
  PrintDiff(d, text);
  EXPECT_NE(text.str().find("Newly failing (2):\n  alpha-hn1-01  decree85-level4/D85-L4-SEP-01  "
                            "pass -> error\n"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("Workload verdicts changed (1):\n  hscv  met -> partly_met"),
            std::string::npos);
  EXPECT_NE(text.str().find("3 regression(s), 2 improvement(s)"), std::string::npos);
}

TEST(AuditDiffTest, HostsAddedRemovedAndNowUnknown) {
  TempDir dir;
  fs::copy_file(ResultFixtures() / "alpha-hn1-01.json", dir / "alpha-hn1-01.json");
  const auto old_report = Build(FleetWith(), FetchedFrom());
  const auto new_report = Build(FleetWith(), FetchedFrom(dir.path()));  // weak host now silent
  auto d = DiffReports(old_report, new_report);
  ASSERT_EQ(d["hosts_now_unknown"].size(), 1u);
  EXPECT_EQ(d["hosts_now_unknown"][0]["host"], "alpha-hn1-02");
  EXPECT_TRUE(d["newly_failing"].empty()) << "an unknown host's controls are not compared";
  EXPECT_GE(d["regressions"].get<int>(), 1);
  d = DiffReports(new_report, old_report);
  EXPECT_EQ(d["hosts_now_known"], ordered_json::array({"alpha-hn1-02"}));

  auto fewer = old_report;
  fewer["hosts"].erase(2);
  d = DiffReports(fewer, old_report);
  EXPECT_EQ(d["hosts_added"], ordered_json::array({"beta-hcm1-01"}));
  d = DiffReports(old_report, fewer);
  EXPECT_EQ(d["hosts_removed"], ordered_json::array({"beta-hcm1-01"}));
  EXPECT_EQ(d["regressions"], 0);
}

}  // namespace
}  // namespace egov::orchestrator::audit
