#include <algorithm>
#include <iterator>

#include "checks/check.h"
#include "common/enum_names.h"
#include "common/units.h"

namespace egov::checks {
namespace {

bool IsScalar(const nlohmann::json& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

std::string Describe(const nlohmann::json& v) {
  if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a mapping";
  if (v.is_null()) return "null";
  return v.dump();
}

bool IsOctalMode(const std::string& s) {
  return !s.empty() && s.size() <= 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; });
}

// One item, or a non-empty list of items: what the list types accept.
template <typename IsItem>
bool OneOrList(const nlohmann::json& v, IsItem is_item) {
  return is_item(v) || (v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), is_item));
}

// Checks one value against its type; returns what was expected when it does not fit.
std::optional<std::string> Mismatch(const ParamSpec& spec, const nlohmann::json& v) {
  auto join = [&] {
    std::string s;
    for (const auto& c : spec.choices) s += (s.empty() ? "" : ", ") + c;
    return s;
  };
  switch (spec.type) {
    case ParamType::kString:
      if (v.is_string()) return std::nullopt;
      return "expected a string";
    case ParamType::kPath:
      if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>()[0] == '/' &&
          v.get<std::string>().find('\0') == std::string::npos) {
        return std::nullopt;
      }
      return "expected an absolute path";
    case ParamType::kInteger:
      if (v.is_number_integer()) return std::nullopt;
      return "expected an integer";
    case ParamType::kNumber:
      if (v.is_number()) return std::nullopt;
      return "expected a number";
    case ParamType::kBool:
      if (v.is_boolean()) return std::nullopt;
      return "expected true or false";
    case ParamType::kStringList:
      if (OneOrList(v, [](auto& x) { return x.is_string(); })) return std::nullopt;
      return "expected a non-empty list of strings";
    case ParamType::kIntegerList:
      if (OneOrList(v, [](auto& x) { return x.is_number_integer(); })) return std::nullopt;
      return "expected a non-empty list of integers";
    case ParamType::kDuration:
      if (v.is_string() && ParseDuration(v.get<std::string>())) return std::nullopt;
      return "expected a duration such as 30s, 5m or 90d";
    case ParamType::kSize:
      if ((v.is_string() && ParseSize(v.get<std::string>())) || v.is_number_unsigned()) {
        return std::nullopt;
      }
      return "expected a size such as 512Mi or 10G";
    case ParamType::kMode:
      if (v.is_string() && IsOctalMode(v.get<std::string>())) return std::nullopt;
      return "expected octal permission bits as a quoted string such as \"0644\"";
    case ParamType::kScalar:
      if (IsScalar(v)) return std::nullopt;
      return "expected a string, number or boolean";
    case ParamType::kScalarOrList:
      if (OneOrList(v, IsScalar)) return std::nullopt;
      return "expected a value or a non-empty list of values";
    case ParamType::kChoice:
    case ParamType::kOperator:
      if (v.is_string() && std::find(spec.choices.begin(), spec.choices.end(),
                                     v.get<std::string>()) != spec.choices.end()) {
        return std::nullopt;
      }
      return std::string(spec.type == ParamType::kOperator ? "expected an operator: "
                                                           : "expected one of: ") +
             join();
  }
  return "unexpected";
}

}  // namespace

const char* ToString(ParamType type) {
  static constexpr const char* kNames[] = {
      "string",           "path",     "integer", "number",     "boolean", "list of strings",
      "list of integers", "duration", "size",    "octal mode", "value",   "value or list",
      "choice",           "operator"};
  static_assert(std::size(kNames) == static_cast<size_t>(ParamType::kOperator) + 1);
  return EnumName(kNames, type);
}

Params::Params(std::string type, nlohmann::json values, std::map<std::string, SourcePos> pos,
               SourcePos check_pos)
    : type_(std::move(type)),
      values_(std::move(values)),
      pos_(std::move(pos)),
      check_pos_(std::move(check_pos)) {}

std::string Params::String(const std::string& name, const std::string& fallback) const {
  return Has(name) ? values_.at(name).get<std::string>() : fallback;
}

SourcePos Params::Pos(const std::string& name) const {
  auto it = pos_.find(name);
  return it == pos_.end() ? check_pos_ : it->second;
}

void Params::Fail(const std::string& name, const std::string& message) const {
  throw ConfigError(Pos(name), type_ + "." + name + ": " + message);
}

Params ValidateParams(const CheckType& type, const nlohmann::json& values,
                      const std::map<std::string, SourcePos>& pos, const SourcePos& check_pos) {
  std::vector<Diagnostic> problems;
  auto where = [&](const std::string& name) {
    auto it = pos.find(name);
    return it == pos.end() ? check_pos : it->second;
  };
  for (const auto& [name, value] : values.items()) {
    auto spec = std::find_if(type.params.begin(), type.params.end(),
                             [&](const ParamSpec& s) { return s.name == name; });
    if (spec == type.params.end()) {
      std::string known;
      for (const auto& s : type.params) known += (known.empty() ? "" : ", ") + s.name;
      problems.push_back({where(name), "check type '" + type.name + "' has no parameter '" + name +
                                           "'; expected one of: " + known});
      continue;
    }
    if (auto why = Mismatch(*spec, value)) {
      problems.push_back(
          {where(name), type.name + "." + name + ": " + *why + ", got " + Describe(value)});
    }
  }
  for (const auto& spec : type.params) {
    if (spec.required && !values.contains(spec.name)) {
      problems.push_back({check_pos, "check type '" + type.name +
                                         "': missing required parameter '" + spec.name + "' (" +
                                         spec.description + ")"});
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return Params(type.name, values, pos, check_pos);
}

}  // namespace egov::checks
