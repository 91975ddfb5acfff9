// How Define builds a check from the specs bound to its members: values given, defaults
// written once in the spec, std::optional members left empty, then Validate.
#include <gtest/gtest.h>

#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct ProbeCheck : Check {
  std::string path_;
  int64_t depth_;
  std::chrono::milliseconds timeout_;
  uint64_t min_size_;
  bool follow_;
  std::vector<std::string> names_;
  std::optional<int64_t> level_;

  void Validate(const Params& p) const {
    if (depth_ > 8) p.Fail("depth", "expected 0 to 8");
  }

  Outcome Run(const HostContext&) const override { return Outcome::Pass("probe", {}); }
};

CheckType Probe() {
  return Define<ProbeCheck>(
      "probe", "a check type for these tests",
      {Required("path", &ProbeCheck::path_, ParamType::kPath, "a path"),
       Optional("depth", &ProbeCheck::depth_, "levels", "3"),
       Optional("timeout", &ProbeCheck::timeout_, "give up after", "5s"),
       Optional("min_size", &ProbeCheck::min_size_, "smallest", "1Ki"),
       Optional("follow", &ProbeCheck::follow_, "follow links", "true"),
       Optional("names", &ProbeCheck::names_, "names", "all"),
       Optional("level", &ProbeCheck::level_, "lowest level", "3 (or 4 for some)")});
}

ProbeCheck Build(const nlohmann::json& values) {
  const CheckType type = Probe();
  const SourcePos at{"profile.yaml", 7, 5};
  const auto check =
      type.make(ValidateParams(type, values, {{"depth", {"profile.yaml", 9, 14}}}, at));
  return static_cast<const ProbeCheck&>(*check);
}

TEST(Define, TheMembersTypeIsTheParametersType) {
  std::vector<std::string> types;
  for (const auto& p : Probe().params) types.push_back(ToString(p.type));
  EXPECT_EQ(types, (std::vector<std::string>{"path", "integer", "duration", "size", "boolean",
                                             "list of strings", "integer"}));
}

TEST(Define, ParametersLeftOutTakeTheDefaultTheSpecShows) {
  const ProbeCheck c = Build({{"path", "/srv/backup"}});
  EXPECT_EQ(c.path_, "/srv/backup");
  EXPECT_EQ(c.depth_, 3);
  EXPECT_EQ(c.timeout_, std::chrono::seconds(5));
  EXPECT_EQ(c.min_size_, 1024u);
  EXPECT_TRUE(c.follow_);
  EXPECT_EQ(c.names_, std::vector<std::string>{"all"});
  EXPECT_EQ(c.level_, std::nullopt) << "an optional member's default only documents";
}

TEST(Define, ValuesGivenReplaceTheDefaults) {
  const ProbeCheck c = Build({{"path", "/srv"},
                              {"depth", 0},
                              {"timeout", "90s"},
                              {"min_size", "10K"},
                              {"follow", false},
                              {"names", {"a", "b"}},
                              {"level", 5}});
  EXPECT_EQ(c.depth_, 0);
  EXPECT_EQ(c.timeout_, std::chrono::seconds(90));
  EXPECT_EQ(c.min_size_, 10000u);
  EXPECT_FALSE(c.follow_);
  EXPECT_EQ(c.names_, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.level_, 5);
}

TEST(Define, ValidateFailsAtTheParametersPosition) {
  try {
    Build({{"path", "/srv"}, {"depth", 9}});
    FAIL() << "depth 9 was accepted";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].pos.line, 9);
    EXPECT_EQ(e.diagnostics()[0].message, "probe.depth: expected 0 to 8");
  }
}

}  // namespace
}  // namespace egov::checks::types
