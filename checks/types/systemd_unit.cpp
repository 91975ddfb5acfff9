// systemd_unit: a unit enabled (a symlink in a *.wants/ or *.requires/ directory to a unit file
// that exists, not masked, its package installed), not enabled, or masked (linked to /dev/null),
// from the unit directories inside the root.
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct SystemdUnitCheck : Check {
  std::vector<std::string> units_;
  std::vector<std::string> packages_;
  std::string state_;

  void Validate(const Params& p) const {
    for (const auto& u : units_) {
      if (u.find('/') != std::string::npos || u.find('.') == std::string::npos) {
        p.Fail("unit", "expected unit names such as chrony.service, got '" + u + "'");
      }
    }
    if (packages_.size() > 1 && packages_.size() != units_.size()) {
      p.Fail("package", "expected one package for every unit, or one for all of them");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    std::vector<Evidence> ev;
    std::string bad;
    int enabled_count = 0;
    for (size_t i = 0; i < units_.size(); ++i) {
      const std::string package = packages_.empty()       ? ""
                                  : packages_.size() == 1 ? packages_[0]
                                                          : packages_[i];
      const UnitState u = ReadUnit(ctx, units_[i], package);
      enabled_count += u.Enabled();
      const bool ok = state_ == "masked"        ? u.Masked()
                      : state_ == "not_enabled" ? !u.Enabled()
                                                : u.Enabled();
      ev.push_back({u.Source(), 0, u.Describe(), units_[i] + " " + state_, ok});
      if (state_ == "masked" && !u.Masked()) Append(bad, units_[i] + " is not masked");
      if (state_ == "not_enabled" && u.Enabled()) Append(bad, units_[i] + " is enabled");
      if (state_ == "enabled" && !u.Enabled() && !u.link.empty()) Append(bad, u.Describe());
    }
    if (state_ == "enabled" && enabled_count == 0) {
      return Outcome::Fail(bad.empty() ? Join(units_, " or ") + " not enabled" : bad, ev);
    }
    return Verdict(state_ == "enabled" ? "" : bad, state_ == "enabled" ? "enabled" : state_, ev);
  }
};

}  // namespace

CheckType SystemdUnit() {
  return Define<SystemdUnitCheck>(
      "systemd_unit",
      "A systemd unit enabled (and able to start), not enabled or masked, from the unit "
      "directories",
      {Required("unit", &SystemdUnitCheck::units_,
                "unit name(s); enabled: any of them, not_enabled / masked: all of them"),
       Required("state", &SystemdUnitCheck::state_, ParamType::kChoice,
                "enabled (linked from a *.wants/ or *.requires/ directory to a unit file that "
                "exists, not masked), not_enabled or masked",
                {"enabled", "not_enabled", "masked"}),
       Optional("package", &SystemdUnitCheck::packages_,
                "the Debian package(s) shipping the units, one for all or one per unit: a unit "
                "counts as enabled only while its package is installed")});
}

}  // namespace egov::checks::types
