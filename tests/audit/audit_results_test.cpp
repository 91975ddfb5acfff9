#include "orchestrator/audit/results.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;

TEST(ParseHostResultTest, ReadsTheFixture) {
  const ParsedResult p = ParseHostResult(ReadFile(ResultFixtures() / "alpha-hn1-02.json"));
  ASSERT_TRUE(p.result) << p.error;
  const HostResult& r = *p.result;
  EXPECT_EQ(r.scan.host, "alpha-hn1-02");
  EXPECT_EQ(r.scan.agent_version, "0.1.0");
  EXPECT_EQ(checks::FormatTimestamp(r.scan.finished_at), "2026-11-22T10:00:01Z");
  ASSERT_EQ(r.scan.profiles.size(), 3u);
  const checks::ProfileResult* mic = r.scan.Find("mic-1145");
  ASSERT_NE(mic, nullptr);
  EXPECT_EQ(mic->level, 4);
  EXPECT_EQ(mic->controls[4].id, "MIC1145-G2-SC-03");
  EXPECT_EQ(mic->controls[4].status, checks::Status::kFail);
  EXPECT_EQ(mic->controls[4].title.vi, "Cấm đăng nhập SSH bằng root");
  EXPECT_EQ(mic->controls[4].evidence[0].line, 32);
  ASSERT_TRUE(r.domains);
  EXPECT_EQ(r.domains->at(0).workload, "dvc-tinh");
  EXPECT_EQ(r.domains->at(0).replica, 1);
  EXPECT_EQ(r.sha256, Sha256Hex(r.canonical));
}

TEST(ParseHostResultTest, CanonicalFormIgnoresLayout) {
  const std::string pretty = ReadFile(ResultFixtures() / "alpha-hn1-01.json");
  const std::string compact = nlohmann::json::parse(pretty).dump();
  const auto a = ParseHostResult(pretty), b = ParseHostResult(compact);
  ASSERT_TRUE(a.result && b.result);
  EXPECT_EQ(a.result->sha256, b.result->sha256);
  auto changed = nlohmann::json::parse(pretty);
  changed["profiles"][0]["controls"][0]["reason"] = "seclabel dynamic!";
  EXPECT_NE(ParseHostResult(changed.dump()).result->sha256, a.result->sha256);
}

TEST(ParseHostResultTest, NoDomainsFieldMeansUnknownPlacement) {
  auto doc = FixtureResult("alpha-hn1-01");
  doc.erase("domains");
  const auto p = ParseHostResult(doc.dump());
  ASSERT_TRUE(p.result) << p.error;
  EXPECT_FALSE(p.result->domains);
}

// The reader's checks are tested with it (tests/checks/results_test.cpp); here, that what it
// refuses becomes an error value with the reader's message.
TEST(ParseHostResultTest, AMalformedDocumentIsAnErrorValue) {
  auto doc = FixtureResult("alpha-hn1-01");
  doc.erase("host");
  for (const auto& [bytes, error] : std::vector<std::pair<std::string, std::string>>{
           {"{\"schema\":", "not valid JSON"},
           {std::string(100, '['), "nested deeper than 64 levels"},
           {"[]", "expected a JSON object"},
           {doc.dump(), "host: missing"}}) {
    const auto p = ParseHostResult(bytes);
    EXPECT_FALSE(p.result) << error;
    EXPECT_EQ(p.error, error);
  }
}

}  // namespace
}  // namespace egov::orchestrator::audit
