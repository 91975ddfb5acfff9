#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "checks/check.h"

// One function per check type, each defined in its own file; registry.cpp lists them. Below
// them, what the types share: how one is declared and how its findings become a verdict.
namespace egov::checks::types {

CheckType File();
CheckType FileContent();
CheckType ConfigOption();
CheckType Sysctl();
CheckType KernelModule();
CheckType Mount();
CheckType Listening();
CheckType Process();
CheckType Package();
CheckType Accounts();
CheckType LogRetention();
CheckType TimeSync();
CheckType Certificate();
CheckType Http();
CheckType SystemdUnit();
CheckType LibvirtDaemon();
CheckType LibvirtDomains();
CheckType DiskSpace();
CheckType Backup();
CheckType Firewall();
CheckType AuditRules();
CheckType SshAlgorithms();
CheckType PasswordQuality();
CheckType SecurityUpdates();
CheckType FileIntegrity();

/// A check type whose checks are `C`s: each is default-constructed, gets its parameters set
/// through the specs bound to its members, then `C::Validate(const Params&)`, when `C` has one,
/// checks what the specs cannot (calling Params::Fail) and derives what Run needs.
template <class C>
CheckType Define(std::string name, std::string summary, std::vector<ParamSpec> params) {
  CheckType type{std::move(name), std::move(summary), std::move(params), nullptr};
  type.make = [specs = type.params](const Params& p) -> std::unique_ptr<Check> {
    auto check = std::make_unique<C>();
    for (const auto& spec : specs) {
      if (spec.set) spec.set(*check, p);
    }
    if constexpr (requires { check->Validate(p); }) check->Validate(p);
    return check;
  };
  return type;
}

/// A parameter the check cannot do without. These four bind to no member: the check reads the
/// parameter through Params in Validate (as `op` and `value` for an Expectation).
ParamSpec Required(std::string name, ParamType type, std::string description,
                   std::vector<std::string> choices = {});
/// A parameter that may be left out; `default_text` says what the check then assumes.
ParamSpec Optional(std::string name, ParamType type, std::string description,
                   std::string default_text = "", std::vector<std::string> choices = {});
/// A parameter taking one of `choices`, described by them ("tcp, udp or both").
ParamSpec RequiredChoice(std::string name, std::vector<std::string> choices);
/// The same, optional: the first of `choices` is its default.
ParamSpec OptionalChoice(std::string name, std::vector<std::string> choices);

// How a spec bound to a member sets it.
namespace internal {

// A validated value as the member it sets (a scalar as its text for a string).
void Read(const nlohmann::json& v, std::string& out);
void Read(const nlohmann::json& v, int64_t& out);
void Read(const nlohmann::json& v, double& out);
void Read(const nlohmann::json& v, bool& out);
void Read(const nlohmann::json& v, uint64_t& out);  // a size
void Read(const nlohmann::json& v, unsigned& out);  // octal mode bits
void Read(const nlohmann::json& v, std::chrono::milliseconds& out);
void Read(const nlohmann::json& v, std::vector<std::string>& out);
void Read(const nlohmann::json& v, std::vector<int64_t>& out);
template <class T>
void Read(const nlohmann::json& v, std::optional<T>& out) {
  Read(v, out.emplace());
}

// The value `spec.default_text` stands for, or nullopt when it has none.
std::optional<nlohmann::json> DefaultValue(const ParamSpec& spec);

template <class T>
constexpr bool kIsOptional = false;
template <class T>
constexpr bool kIsOptional<std::optional<T>> = true;

// The type of parameter a member of type T takes; a std::string is kString unless the spec
// names another (kPath, kChoice, kOperator, kScalar).
template <class T>
constexpr ParamType ParamTypeOf() {
  if constexpr (kIsOptional<T>) {
    return ParamTypeOf<typename T::value_type>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return ParamType::kString;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return ParamType::kInteger;
  } else if constexpr (std::is_same_v<T, double>) {
    return ParamType::kNumber;
  } else if constexpr (std::is_same_v<T, bool>) {
    return ParamType::kBool;
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    return ParamType::kSize;
  } else if constexpr (std::is_same_v<T, unsigned>) {
    return ParamType::kMode;
  } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
    return ParamType::kDuration;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return ParamType::kStringList;
  } else {
    static_assert(std::is_same_v<T, std::vector<int64_t>>, "no parameter type for this member");
    return ParamType::kIntegerList;
  }
}

// `spec` setting `member` of a `C` from the value given, else from its default. A std::optional
// member stays empty instead: its default_text only says what the check then assumes.
template <class C, class T>
ParamSpec Bind(ParamSpec spec, T C::*member) {
  std::optional<nlohmann::json> fallback;
  if constexpr (!kIsOptional<T>) fallback = DefaultValue(spec);
  spec.set = [member, name = spec.name, fallback](Check& check, const Params& p) {
    if (p.Has(name)) {
      Read(p.Raw(name), static_cast<C&>(check).*member);
    } else if (fallback) {
      Read(*fallback, static_cast<C&>(check).*member);
    }
  };
  return spec;
}

}  // namespace internal

/// The same, each setting a member of the check (`&BackupCheck::depth_`) from the value given or
/// else the default the spec shows (a spec showing none leaves the member as the struct
/// initializes it); the member's type gives the parameter's unless `type` is named (a
/// std::string is kString unless it is a kPath, kChoice, kOperator or kScalar).
template <class C, class T>
ParamSpec Required(std::string name, T C::*member, ParamType type, std::string description,
                   std::vector<std::string> choices = {}) {
  return internal::Bind(Required(std::move(name), type, std::move(description), std::move(choices)),
                        member);
}
template <class C, class T>
ParamSpec Optional(std::string name, T C::*member, ParamType type, std::string description,
                   std::string default_text = "", std::vector<std::string> choices = {}) {
  return internal::Bind(Optional(std::move(name), type, std::move(description),
                                 std::move(default_text), std::move(choices)),
                        member);
}
template <class C, class T>
ParamSpec Required(std::string name, T C::*member, std::string description) {
  return Required(std::move(name), member, internal::ParamTypeOf<T>(), std::move(description));
}
template <class C, class T>
ParamSpec Optional(std::string name, T C::*member, std::string description,
                   std::string default_text = "") {
  return Optional(std::move(name), member, internal::ParamTypeOf<T>(), std::move(description),
                  std::move(default_text));
}
template <class C, class T>
ParamSpec RequiredChoice(std::string name, T C::*member, std::vector<std::string> choices) {
  return internal::Bind(RequiredChoice(std::move(name), std::move(choices)), member);
}
template <class C, class T>
ParamSpec OptionalChoice(std::string name, T C::*member, std::vector<std::string> choices) {
  return internal::Bind(OptionalChoice(std::move(name), std::move(choices)), member);
}

/// Fails with `problems` as the reason when there are any, else passes with `pass_reason`.
Outcome Verdict(const std::string& problems, const std::string& pass_reason,
                std::vector<Evidence> evidence);

/// Skipped: `path` is not under the root, which is then an image or a copy, not a live host.
Outcome NotLive(const std::string& path);

/// What systemd would do with a unit at boot, read from the unit directories inside the root: a
/// unit counts as enabled only when something would start it, nothing masks it, the file its link
/// points to exists and the package that ships it is installed (an `apt remove` leaves the links).
struct UnitState {
  std::string unit;
  std::string link;       ///< the *.wants/ or *.requires/ link that enables it; "" when none
  std::string masked_at;  ///< the link to /dev/null (or empty file) masking it; "" when none
  bool dangling = false;  ///< the link's target does not exist
  std::string package;    ///< the package that must ship it; "" when none is named
  bool package_missing = false;

  bool Enabled() const {
    return !link.empty() && masked_at.empty() && !dangling && !package_missing;
  }
  bool Masked() const { return !masked_at.empty(); }
  /// "auditd.service enabled", "... masked", "... enabled, but package auditd is not installed".
  std::string Describe() const;
  /// The path evidence names: the masking or enabling link, else the unit directory.
  std::string Source() const;
};

/// The state of `unit`; `package` (optional) must be installed for it to count as enabled.
UnitState ReadUnit(const HostContext& ctx, const std::string& unit,
                   const std::string& package = "");

/// Whether a listen address is on loopback (127.0.0.0/8, ::1, localhost).
bool IsLoopback(const std::string& address);

}  // namespace egov::checks::types
