#include "orchestrator/requirement.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/orchestrator/profile_entry.h"

namespace egov::orchestrator {
namespace {

using testing::ProfileEntry;

checks::ScanResult Scan(std::vector<checks::ProfileResult> profiles) {
  checks::ScanResult s;
  s.host = "h";
  s.profiles = std::move(profiles);
  return s;
}

TEST(RequirementParse, ALevelSuffixNamesTheBaseAndTheLevel) {
  const Requirement r = ParseRequirement("decree85-level4");
  EXPECT_EQ(r.profile, "decree85-level4");
  EXPECT_EQ(r.base, "decree85");
  EXPECT_EQ(r.level, 4);
  for (const char* plain : {"mic-1145", "decree85", "decree85-level", "-level4", "x-level42"}) {
    const Requirement p = ParseRequirement(plain);
    EXPECT_EQ(p.profile, plain);
    EXPECT_EQ(p.base, "") << plain;
    EXPECT_EQ(p.level, 0) << plain;
  }
}

TEST(RequirementJudge, TheLevelProfileOrTheBaseAtThatLevelOrHigherPasses) {
  const Requirement l4 = ParseRequirement("decree85-level4");
  EXPECT_EQ(Judge(Scan({ProfileEntry("decree85-level4", 4, true)}), l4).compliance,
            Compliance::kPass);
  EXPECT_EQ(Judge(Scan({ProfileEntry("decree85", 4, true)}), l4).compliance, Compliance::kPass);
  EXPECT_EQ(Judge(Scan({ProfileEntry("decree85", 5, true)}), l4).compliance, Compliance::kPass);
  // A passing qualifying entry wins over a failing one.
  const auto scan =
      Scan({ProfileEntry("decree85-level4", 4, false), ProfileEntry("decree85", 5, true)});
  EXPECT_EQ(Judge(scan, l4).compliance, Compliance::kPass);
  EXPECT_EQ(Qualifying(scan, l4), &scan.profiles[1]);
  EXPECT_EQ(Judge(scan, l4).reason, "");
  // A profile named without a level is met by that profile at any level.
  EXPECT_EQ(
      Judge(Scan({ProfileEntry("mic-1145", 3, true)}), ParseRequirement("mic-1145")).compliance,
      Compliance::kPass);
}

TEST(RequirementJudge, LevelTooLowSaysWhatTheResultHas) {
  const auto scan = Scan({ProfileEntry("mic-1145", 3, true), ProfileEntry("decree85", 3, true)});
  const Verdict v = Judge(scan, ParseRequirement("decree85-level4"));
  EXPECT_EQ(v.compliance, Compliance::kUnknown);
  EXPECT_EQ(v.reason, "result has decree85 at level 3; level 4 needs decree85 at level ≥ 4");
  EXPECT_EQ(Qualifying(scan, ParseRequirement("decree85-level4")), nullptr);
}

TEST(RequirementJudge, MissingProfileSaysWhatTheResultHas) {
  const Verdict v = Judge(
      Scan({ProfileEntry("mic-1145", 4, true), ProfileEntry("availability", std::nullopt, true)}),
      ParseRequirement("decree85-level4"));
  EXPECT_EQ(v.compliance, Compliance::kUnknown);
  EXPECT_EQ(v.reason,
            "result has no decree85-level4 or decree85 at level ≥ 4 (it has mic-1145 at level 4, "
            "availability)");
  EXPECT_EQ(Judge(Scan({}), ParseRequirement("mic-1145")).reason,
            "result has no mic-1145 (it has no profile)");
}

TEST(RequirementJudge, AFailingQualifyingEntryFailsWithItsCounts) {
  const Verdict v =
      Judge(Scan({ProfileEntry("decree85", 4, false)}), ParseRequirement("decree85-level4"));
  EXPECT_EQ(v.compliance, Compliance::kFail);
  EXPECT_EQ(v.reason, "result has decree85 at level 4 failing: 1 control(s) fail, 0 in error");
}

}  // namespace
}  // namespace egov::orchestrator
