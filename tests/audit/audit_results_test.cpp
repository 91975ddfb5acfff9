#include "orchestrator/audit/results.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;

TEST(ParseTimestampTest, AcceptsRfc3339) {
  struct Case {
    const char* text;
    const char* utc;
  } cases[] = {
      {"2026-11-23T01:02:03Z", "2026-11-23T01:02:03Z"},
      {"2026-11-23T01:02:03.123456Z", "2026-11-23T01:02:03Z"},
      {"2026-11-23t01:02:03z", "2026-11-23T01:02:03Z"},
      {"2026-11-23T08:02:03+07:00", "2026-11-23T01:02:03Z"},
      {"2026-11-22T23:00:00-03:30", "2026-11-23T02:30:00Z"},
      {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
  };
  for (const auto& c : cases) {
    auto t = ParseTimestamp(c.text);
    ASSERT_TRUE(t) << c.text;
    EXPECT_EQ(FormatTimestamp(*t), c.utc) << c.text;
  }
}

TEST(ParseTimestampTest, RejectsAnythingElse) {
  for (const char* text : {"", "2026-11-23", "2026-11-23T01:02:03", "2026-13-01T00:00:00Z",
                           "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T01:02:03.Z",
                           "2026-11-23T01:02:03+7:00", "2026-11-23T01:02:03Zjunk", "x"}) {
    EXPECT_FALSE(ParseTimestamp(text)) << text;
  }
}

TEST(Sha256HexTest, MatchesKnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ParseHostResultTest, ReadsTheFixture) {
  const ParsedResult p = ParseHostResult(ReadFile(ResultFixtures() / "alpha-hn1-02.json"));
  ASSERT_TRUE(p.result) << p.error;
  const HostResult& r = *p.result;
  EXPECT_EQ(r.host, "alpha-hn1-02");
  EXPECT_EQ(r.agent_version, "0.1.0");
  EXPECT_EQ(FormatTimestamp(r.finished_at), "2026-11-22T10:00:01Z");
  ASSERT_EQ(r.profiles.size(), 3u);
  const ProfileResult* mic = r.FindProfile("mic-1145");
  ASSERT_NE(mic, nullptr);
  EXPECT_EQ(mic->level, 4);
  EXPECT_EQ(mic->controls[4].id, "MIC1145-G2-SC-03");
  EXPECT_EQ(mic->controls[4].status, "fail");
  EXPECT_EQ(mic->controls[4].title.vi, "Cấm đăng nhập SSH bằng root");
  EXPECT_EQ(mic->controls[4].evidence[0]["line"], 32);
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

TEST(ParseHostResultTest, RejectsMalformedDocuments) {
  auto base = FixtureResult("alpha-hn1-01");
  auto with = [&](auto change) {
    auto doc = base;
    change(doc);
    return doc.dump();
  };
  struct Case {
    std::string bytes;
    std::string error;
  } cases[] = {
      {"", "not valid JSON"},
      {"{\"schema\":", "not valid JSON"},
      {"[]", "expected a JSON object"},
      {"\xff\xfe", "not valid JSON"},
      {with([](auto& d) { d["schema"] = "egov.results/v2"; }), "schema is 'egov.results/v2'"},
      {with([](auto& d) { d.erase("host"); }), "expected a string 'host'"},
      {with([](auto& d) { d["finished_at"] = "yesterday"; }), "finished_at is not an RFC 3339"},
      {with([](auto& d) { d["profiles"] = 3; }), "expected an array 'profiles'"},
      {with([](auto& d) { d["profiles"][0].erase("controls"); }), "expected an array 'controls'"},
      {with([](auto& d) { d["profiles"][1]["controls"][0].erase("id"); }),
       "profiles[1].controls[0]: expected a string 'id'"},
      {with([](auto& d) { d["profiles"][0]["controls"][2]["status"] = "ok"; }),
       "unknown status 'ok'"},
      {with([](auto& d) { d["profiles"][0]["controls"][1]["id"] = "MIC1145-G1-VM-01"; }),
       "control MIC1145-G1-VM-01 appears twice"},
  };
  for (const auto& c : cases) {
    const auto p = ParseHostResult(c.bytes);
    EXPECT_FALSE(p.result) << c.error;
    EXPECT_NE(p.error.find(c.error), std::string::npos) << p.error << " / expected " << c.error;
  }
}

TEST(ParseHostResultTest, RefusesDeepNestingQuickly) {
  // document > profiles > profile > controls > control: 5 levels, then `arrays` nested arrays
  // as the evidence.
  auto nested = [](int arrays) {
    auto doc = FixtureResult("alpha-hn1-01");
    doc["profiles"][0]["controls"][0]["evidence"] = "HERE";
    std::string text = doc.dump();
    text.replace(text.find("\"HERE\""), 6, std::string(arrays, '[') + std::string(arrays, ']'));
    return text;
  };
  EXPECT_TRUE(ParseHostResult(nested(59)).result) << "64 levels are allowed";
  EXPECT_EQ(ParseHostResult(nested(60)).error, "nested deeper than 64 levels");
  const std::string bomb = std::string(8 << 20, '[');
  const auto start = std::chrono::steady_clock::now();
  const auto p = ParseHostResult(bomb);
  EXPECT_FALSE(p.result);
  EXPECT_EQ(p.error, "nested deeper than 64 levels");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(StatusTest, ApplicableAndSatisfied) {
  EXPECT_TRUE(IsApplicable("fail"));
  EXPECT_TRUE(IsApplicable("waived"));
  EXPECT_FALSE(IsApplicable("not_applicable"));
  EXPECT_FALSE(IsApplicable("skipped"));
  EXPECT_TRUE(IsSatisfied("pass"));
  EXPECT_TRUE(IsSatisfied("waived"));
  EXPECT_FALSE(IsSatisfied("fail"));
  EXPECT_FALSE(IsSatisfied("error"));
}

}  // namespace
}  // namespace egov::orchestrator::audit
