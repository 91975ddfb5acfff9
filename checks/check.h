#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/context.h"
#include "checks/outcome.h"
#include "common/diagnostics.h"

// The interface every check type implements, and the typed, validated parameters it is built
// from. Check types are listed in registry.cpp; each lives in its own file under checks/types/.
namespace egov::checks {

/// A compiled check: immutable, safe to run from several threads at once.
class Check {
 public:
  virtual ~Check() = default;
  /// Reads the host through `ctx` and judges it. Never throws for what it finds on the host.
  virtual Outcome Run(const HostContext& ctx) const = 0;
};

/// The kinds of value a parameter takes.
enum class ParamType {
  kString,  ///< any text
  kPath,    ///< absolute path inside the root (glob characters allowed where documented)
  kInteger,
  kNumber,
  kBool,
  kStringList,  ///< a sequence of strings (a single string is accepted as a list of one)
  kIntegerList,
  kDuration,  ///< `30s`, `5m`, `90d`
  kSize,      ///< `512Mi`, `10G`
  kMode,      ///< octal permission bits as a string, e.g. "0644"
  kScalar,    ///< string, number or boolean (compared as text or number)
  kScalarOrList,
  kChoice,    ///< one of `choices`
  kOperator,  ///< one of `choices`, which are comparison operators (compare.h)
};

const char* ToString(ParamType type);

class Params;

/// One parameter a check type takes.
struct ParamSpec {
  ParamSpec(std::string name_, ParamType type_, bool required_, std::string description_,
            std::vector<std::string> choices_ = {}, std::string default_text_ = {})
      : name(std::move(name_)),
        type(type_),
        required(required_),
        description(std::move(description_)),
        choices(std::move(choices_)),
        default_text(std::move(default_text_)) {}

  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::string description;
  std::vector<std::string> choices;  ///< for kChoice and kOperator
  std::string default_text;          ///< shown by list-checks when not required
  /// Sets the check's member from the parameter's value, else its default; none when the check
  /// reads the parameter through Params itself.
  std::function<void(Check&, const Params&)> set;
};

/// A check's parameters after `${name}` substitution and validation against its specs.
/// Accessors assume validation passed; Fail() reports a problem at the parameter's position.
class Params {
 public:
  Params(std::string type, nlohmann::json values, std::map<std::string, SourcePos> pos,
         SourcePos check_pos);

  bool Has(const std::string& name) const { return values_.contains(name); }
  const nlohmann::json& Raw(const std::string& name) const { return values_.at(name); }
  std::string String(const std::string& name, const std::string& fallback = "") const;

  /// Where a parameter (or, when absent, the check) was written.
  SourcePos Pos(const std::string& name) const;
  /// Throws ConfigError at the parameter's position: "<type>.<name>: <message>".
  [[noreturn]] void Fail(const std::string& name, const std::string& message) const;
  const std::string& type() const { return type_; }

 private:
  std::string type_;
  nlohmann::json values_;
  std::map<std::string, SourcePos> pos_;
  SourcePos check_pos_;
};

/// A check type as profiles name it.
struct CheckType {
  std::string name;
  std::string summary;
  std::vector<ParamSpec> params;
  /// Builds the check; may call Params::Fail for problems across parameters.
  std::function<std::unique_ptr<Check>(const Params&)> make;
};

/// Validates `values` against `type`'s specs (unknown, missing, wrongly typed parameters);
/// throws ConfigError listing every problem with its position. Returns the typed Params.
Params ValidateParams(const CheckType& type, const nlohmann::json& values,
                      const std::map<std::string, SourcePos>& pos, const SourcePos& check_pos);

}  // namespace egov::checks
