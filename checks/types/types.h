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

/// Fails with `problems` as the reason when there are any, else passes with `pass_reason`.
Outcome Verdict(const std::string& problems, const std::string& pass_reason,
                std::vector<Evidence> evidence);

/// Skipped: `path` is not under the root, which is then an image or a copy, not a live host.
Outcome NotLive(const std::string& path);

/// The link under /etc/systemd/system/*.wants/ that enables the first of `units` enabled, or "".
std::string EnabledLink(const HostContext& ctx, const std::vector<std::string>& units);

/// Whether a listen address is on loopback (127.0.0.0/8, ::1, localhost).
bool IsLoopback(const std::string& address);

}  // namespace egov::checks::types
