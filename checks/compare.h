#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/check.h"

namespace re2 {
class RE2;
}

// The closed set of comparison operators checks offer (`op` and `value` parameters).
namespace egov::checks {

enum class Op {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kMatches,
  kNotMatches,
  kPresent,
  kAbsent
};

/// Every operator's name: eq ne lt le gt ge in not_in matches not_matches present absent.
const std::vector<std::string>& AllOperators();

/// An operator with its operand, compiled (regular expressions are RE2's syntax).
class Expectation {
 public:
  /// Reads `op` (default `eq`) and `value` from the parameters; `value` is required unless the
  /// operator is present/absent. Throws ConfigError on a bad combination or regular expression.
  static Expectation FromParams(const Params& params, bool ignore_case = false,
                                const std::string& op_key = "op",
                                const std::string& value_key = "value");
  /// Builds one in code (compare one number, for example).
  static Expectation Make(Op op, std::vector<std::string> operands, bool ignore_case = false);

  /// True when `observed` (nullopt: not set at all) meets the expectation. Ordering operators
  /// compare numbers; eq/ne/in compare numbers when both sides are numbers, else text.
  bool Test(const std::optional<std::string>& observed) const;
  /// The expectation in words for evidence: "no", ">= 90", "one of: a, b", "set".
  std::string Describe() const;
  Op op() const { return op_; }

 private:
  Op op_ = Op::kEq;
  std::vector<std::string> operands_;
  bool ignore_case_ = false;
  std::shared_ptr<const re2::RE2> regex_;
};

/// Text of a JSON scalar as a profile author wrote it ("no", "90", "true").
std::string ScalarText(const nlohmann::json& value);

}  // namespace egov::checks
