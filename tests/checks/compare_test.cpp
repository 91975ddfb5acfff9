#include "checks/compare.h"

#include <gtest/gtest.h>

namespace egov::checks {
namespace {

struct Case {
  Op op;
  std::vector<std::string> operands;
  std::optional<std::string> observed;
  bool expected;
};

TEST(Expectation, EveryOperatorPassesAndFails) {
  const Case cases[] = {
      {Op::kEq, {"no"}, "no", true},
      {Op::kEq, {"no"}, "yes", false},
      {Op::kEq, {"10"}, "10.0", true},
      {Op::kEq, {"no"}, std::nullopt, false},
      {Op::kNe, {"none"}, "apparmor", true},
      {Op::kNe, {"none"}, "none", false},
      {Op::kLt, {"90"}, "60", true},
      {Op::kLt, {"90"}, "90", false},
      {Op::kLe, {"90"}, "90", true},
      {Op::kLe, {"90"}, "99999", false},
      {Op::kGt, {"0"}, "300", true},
      {Op::kGt, {"0"}, "0", false},
      {Op::kGe, {"2048"}, "2048", true},
      {Op::kGe, {"2048"}, "1024", false},
      {Op::kGe, {"2048"}, "many", false},
      {Op::kIn, {"1", "2"}, "2", true},
      {Op::kIn, {"1", "2"}, "0", false},
      {Op::kNotIn, {"none", "null"}, "sasl", true},
      {Op::kNotIn, {"none", "null"}, "none", false},
      {Op::kMatches, {"^aes[0-9]+-gcm"}, "aes256-gcm@openssh.com", true},
      {Op::kMatches, {"^aes[0-9]+-gcm"}, "3des-cbc", false},
      {Op::kNotMatches, {"cbc"}, "aes256-ctr", true},
      {Op::kNotMatches, {"cbc"}, "aes128-cbc", false},
      {Op::kPresent, {}, "", true},
      {Op::kPresent, {}, std::nullopt, false},
      {Op::kAbsent, {}, std::nullopt, true},
      {Op::kAbsent, {}, "x", false},
  };
  for (const auto& c : cases) {
    const auto e = Expectation::Make(c.op, c.operands);
    SCOPED_TRACE(e.Describe() + " vs " + c.observed.value_or("(unset)"));
    EXPECT_EQ(e.Test(c.observed), c.expected);
  }
}

TEST(Expectation, IgnoreCaseComparesTextCaseInsensitively) {
  EXPECT_TRUE(Expectation::Make(Op::kEq, {"no"}, true).Test("No"));
  EXPECT_FALSE(Expectation::Make(Op::kEq, {"no"}, false).Test("No"));
  EXPECT_TRUE(Expectation::Make(Op::kMatches, {"^yes$"}, true).Test("YES"));
}

TEST(Expectation, BadRegularExpressionIsRefused) {
  EXPECT_THROW(Expectation::Make(Op::kMatches, {"(unclosed"}), std::invalid_argument);
}

TEST(Expectation, DescribesWhatIsExpected) {
  EXPECT_EQ(Expectation::Make(Op::kLe, {"90"}).Describe(), "<= 90");
  EXPECT_EQ(Expectation::Make(Op::kIn, {"1", "2"}).Describe(), "one of: 1, 2");
  EXPECT_EQ(Expectation::Make(Op::kAbsent, {}).Describe(), "not set");
}

}  // namespace
}  // namespace egov::checks
