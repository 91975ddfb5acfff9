#pragma once

#include <memory>
#include <string>
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

/// A check type whose checks are `C`s, each built from its validated parameters.
template <class C>
CheckType Define(std::string name, std::string summary, std::vector<ParamSpec> params) {
  return {std::move(name), std::move(summary), std::move(params),
          [](const Params& p) -> std::unique_ptr<Check> { return std::make_unique<C>(p); }};
}

/// A parameter the check cannot do without.
ParamSpec Required(std::string name, ParamType type, std::string description,
                   std::vector<std::string> choices = {});
/// A parameter that may be left out; `default_text` says what the check then assumes.
ParamSpec Optional(std::string name, ParamType type, std::string description,
                   std::string default_text = "", std::vector<std::string> choices = {});

/// A parameter taking one of `choices`, described by them ("tcp, udp or both").
ParamSpec RequiredChoice(std::string name, std::vector<std::string> choices);
/// The same, optional: the first of `choices` is its default.
ParamSpec OptionalChoice(std::string name, std::vector<std::string> choices);

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
