// systemd_unit: a unit enabled (a symlink in a *.wants/ or *.requires/ directory), not enabled,
// or masked (linked to /dev/null), from the unit directories inside the root.
#include <map>

#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// unit name -> the first *.wants/ or *.requires/ link that enables it (directories in systemd's
// order), read once per scan for every systemd_unit check.
using EnabledUnits = std::map<std::string, std::string>;

std::shared_ptr<const EnabledUnits> LoadEnabledUnits(const HostContext& ctx) {
  return ctx.Memo<EnabledUnits>("systemd-enabled-units", [&] {
    EnabledUnits units;
    for (const std::string dir :
         {"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}) {
      for (const auto& sub : ctx.List(dir)) {
        if (!EndsWith(sub, ".wants") && !EndsWith(sub, ".requires")) continue;
        for (const auto& unit : ctx.List(dir + "/" + sub))
          units.emplace(unit, dir + "/" + sub + "/" + unit);
      }
    }
    return units;
  });
}

class SystemdUnitCheck : public Check {
 public:
  explicit SystemdUnitCheck(const Params& p)
      : units_(p.Strings("unit")), state_(p.String("state")) {
    for (const auto& u : units_) {
      if (u.find('/') != std::string::npos || u.find('.') == std::string::npos) {
        p.Fail("unit", "expected unit names such as chrony.service, got '" + u + "'");
      }
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    std::vector<Evidence> ev;
    std::string bad;
    int enabled_count = 0;
    const auto enabled_units = LoadEnabledUnits(ctx);
    for (const auto& unit : units_) {
      std::string masked_at, enabled_at;
      for (const char* dir : {"/etc/systemd/system", "/run/systemd/system"}) {
        const std::string path = std::string(dir) + "/" + unit;
        auto target = ctx.ReadLink(path);
        if (target && *target == "/dev/null") masked_at = path;
      }
      if (auto it = enabled_units->find(unit); it != enabled_units->end()) enabled_at = it->second;
      const bool masked = !masked_at.empty();
      const bool enabled = !enabled_at.empty() && !masked;
      enabled_count += enabled;
      const std::string observed = masked    ? unit + " masked"
                                   : enabled ? unit + " enabled"
                                             : unit + " not enabled";
      ev.push_back({masked    ? masked_at
                    : enabled ? enabled_at
                              : "/etc/systemd/system",
                    0, observed, unit + " " + state_});
      if (state_ == "masked" && !masked) Append(bad, unit + " is not masked");
      if (state_ == "not_enabled" && enabled) Append(bad, unit + " is enabled");
    }
    if (state_ == "enabled" && enabled_count == 0) {
      return Outcome::Fail(Join(units_, " or ") + " not enabled", ev);
    }
    return Verdict(bad, state_ == "enabled" ? "enabled" : state_, ev);
  }

 private:
  std::vector<std::string> units_;
  std::string state_;
};

}  // namespace

CheckType SystemdUnit() {
  return Define<SystemdUnitCheck>(
      "systemd_unit", "A systemd unit enabled, not enabled or masked, from the unit directories",
      {Required("unit", ParamType::kStringList,
                "unit name(s); enabled: any of them, not_enabled / masked: all of them"),
       Required("state", ParamType::kChoice, "enabled, not_enabled or masked",
                {"enabled", "not_enabled", "masked"})});
}

}  // namespace egov::checks::types
