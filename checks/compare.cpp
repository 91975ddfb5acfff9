#include "checks/compare.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace egov::checks {
namespace {

const char* kNames[] = {"eq", "ne",     "lt",      "le",          "gt",      "ge",
                        "in", "not_in", "matches", "not_matches", "present", "absent"};

std::optional<double> Number(const std::string& s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

bool Same(const std::string& a, const std::string& b, bool ignore_case) {
  auto na = Number(a), nb = Number(b);
  if (na && nb) return *na == *nb;
  return ignore_case ? Lower(a) == Lower(b) : a == b;
}

}  // namespace

const std::vector<std::string>& AllOperators() {
  static const std::vector<std::string> kAll(std::begin(kNames), std::end(kNames));
  return kAll;
}

std::string ScalarText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

Expectation Expectation::Make(Op op, std::vector<std::string> operands, bool ignore_case) {
  Expectation e;
  e.op_ = op;
  e.operands_ = std::move(operands);
  e.ignore_case_ = ignore_case;
  if (op == Op::kMatches || op == Op::kNotMatches) {
    // RE2: linear time in the input, memory bounded by max_mem, the syntax Prometheus users
    // know; a pattern past the bounds (`((a{1,255}){1,255}){1,255}`) is refused here.
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!ignore_case);
    options.set_max_mem(8 << 20);
    auto re = std::make_shared<const RE2>(e.operands_.empty() ? "" : e.operands_[0], options);
    if (!re->ok()) throw std::invalid_argument(re->error());
    e.regex_ = std::move(re);
  }
  return e;
}

Expectation Expectation::FromParams(const Params& params, bool ignore_case,
                                    const std::string& op_key, const std::string& value_key) {
  const std::string name = params.String(op_key, "eq");
  const auto it = std::find(std::begin(kNames), std::end(kNames), name);
  const Op op = static_cast<Op>(it - std::begin(kNames));
  std::vector<std::string> operands;
  const bool needs_value = op != Op::kPresent && op != Op::kAbsent;
  if (!params.Has(value_key)) {
    if (needs_value) params.Fail(value_key, "missing; operator '" + name + "' needs a value");
  } else {
    if (!needs_value) params.Fail(value_key, "operator '" + name + "' takes no value");
    const auto& raw = params.Raw(value_key);
    const bool list_op = op == Op::kIn || op == Op::kNotIn;
    if (raw.is_array() != list_op) {
      params.Fail(value_key, list_op ? "expected a list of values for operator '" + name + "'"
                                     : "expected one value for operator '" + name + "'");
    }
    if (raw.is_array()) {
      for (const auto& v : raw) operands.push_back(ScalarText(v));
    } else {
      operands.push_back(ScalarText(raw));
    }
    const bool ordering = op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
    if (ordering && !Number(operands[0])) {
      params.Fail(value_key, "operator '" + name + "' compares numbers; expected a number, got '" +
                                 operands[0] + "'");
    }
  }
  try {
    return Make(op, std::move(operands), ignore_case);
  } catch (const std::invalid_argument& e) {
    params.Fail(value_key, std::string("invalid regular expression: ") + e.what());
  }
}

bool Expectation::Test(const std::optional<std::string>& observed) const {
  if (op_ == Op::kAbsent) return !observed.has_value();
  if (!observed) return false;
  const std::string& v = *observed;
  switch (op_) {
    case Op::kPresent:
      return true;
    case Op::kEq:
      return Same(v, operands_[0], ignore_case_);
    case Op::kNe:
      return !Same(v, operands_[0], ignore_case_);
    case Op::kIn:
    case Op::kNotIn: {
      const bool found = std::any_of(operands_.begin(), operands_.end(), [&](const std::string& o) {
        return Same(v, o, ignore_case_);
      });
      return op_ == Op::kIn ? found : !found;
    }
    case Op::kMatches:
    case Op::kNotMatches: {
      const bool m = RE2::PartialMatch(v, *regex_);
      return op_ == Op::kMatches ? m : !m;
    }
    default: {
      const auto a = Number(v), b = Number(operands_[0]);
      if (!a || !b) return false;
      switch (op_) {
        case Op::kLt:
          return *a < *b;
        case Op::kLe:
          return *a <= *b;
        case Op::kGt:
          return *a > *b;
        default:
          return *a >= *b;
      }
    }
  }
}

std::string Expectation::Describe() const {
  auto join = [&] {
    std::string s;
    for (const auto& o : operands_) s += (s.empty() ? "" : ", ") + o;
    return s;
  };
  switch (op_) {
    case Op::kEq:
      return operands_[0];
    case Op::kNe:
      return "not " + operands_[0];
    case Op::kLt:
      return "< " + operands_[0];
    case Op::kLe:
      return "<= " + operands_[0];
    case Op::kGt:
      return "> " + operands_[0];
    case Op::kGe:
      return ">= " + operands_[0];
    case Op::kIn:
      return "one of: " + join();
    case Op::kNotIn:
      return "none of: " + join();
    case Op::kMatches:
      return "matching /" + operands_[0] + "/";
    case Op::kNotMatches:
      return "not matching /" + operands_[0] + "/";
    case Op::kPresent:
      return "set";
    default:
      return "not set";
  }
}

}  // namespace egov::checks
