// sysctl: a kernel parameter judged twice, as it is now (/proc/sys inside the root) and as it
// will be after the next boot (what systemd-sysctl applies from sysctl.d, else the kernel's own
// default). An image without /proc is judged on the persisted value alone.
#include <algorithm>

#include "checks/compare.h"
#include "checks/conf_parse.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct SysctlCheck : Check {
  std::string key_;
  std::optional<std::string> default_;
  Expectation expect_;

  void Validate(const Params& p) {
    expect_ = Expectation::FromParams(p);
    if (key_.empty() || key_.find("..") != std::string::npos || key_[0] == '.' ||
        key_.find('/') != std::string::npos) {
      p.Fail("key", "expected a dotted kernel parameter name such as net.ipv4.ip_forward");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    const std::string expected = expect_.Describe();
    std::vector<Evidence> ev;
    std::string bad;
    // After the next boot.
    const auto conf = LoadConf(ctx, ConfFormat::kSysctl, SysctlFiles(ctx));
    if (!conf->errors.empty()) return Outcome::Error(conf->errors.front());
    const Setting* s = Effective(*conf, ConfFormat::kSysctl, key_);
    if (s) {
      ev.push_back({s->file, s->line, key_ + " = " + s->value + " at boot", expected,
                    expect_.Test(s->value)});
      if (!expect_.Test(s->value)) Append(bad, key_ + " is set to " + s->value + " at boot");
    } else if (default_) {
      ev.push_back({"/etc/sysctl.d", 0,
                    key_ + " not set in sysctl.d: the kernel's default " + *default_ + " at boot",
                    expected, expect_.Test(*default_)});
      if (!expect_.Test(*default_))
        Append(bad, key_ + " is not persisted; the kernel's default " + *default_ + " applies");
    } else {
      ev.push_back({"/etc/sysctl.d", 0, key_ + " not set in sysctl.d", expected, false});
      Append(bad, key_ + " is not persisted in sysctl.d: the next boot loses it");
    }
    // Now.
    std::string path = "/proc/sys/" + key_;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    const FileData data = ctx.Read(path, 1 << 16);
    std::optional<std::string> live;
    if (!data.ok()) {
      if (!data.missing()) return Outcome::Error(data.message);
      if (ctx.Stat("/proc/sys")) {
        ev.push_back({path, 0, "absent", expected, false});
        return Outcome::Fail(key_ + " does not exist in this kernel", ev);
      }
      // Why no live value is judged: a fact about the root, not a violation.
      ev.push_back({"/proc/sys", 0, "absent: an image, judged on its persisted configuration",
                    "the live value where there is one", true});
    } else {
      // Multi-value parameters (ip_local_port_range) are compared with single spaces.
      const std::string first = data.bytes.substr(0, data.bytes.find('\n'));
      std::string value;
      for (auto f : SplitFields(first)) Append(value, f, " ");
      ev.push_back({path, 1, key_ + " = " + value, expected, expect_.Test(value)});
      if (!expect_.Test(value)) Append(bad, key_ + " is " + value + " now");
      live = value;
    }
    if (!bad.empty()) return Outcome::Fail(bad + "; expected " + expected, ev);
    return Outcome::Pass(
        key_ + (live ? " is " + *live + " and" : "") + " stays " + expected + " after a reboot",
        ev);
  }
};

}  // namespace

CheckType Sysctl() {
  return Define<SysctlCheck>(
      "sysctl",
      "A kernel parameter, live (/proc/sys) and as systemd-sysctl sets it at boot, compared with "
      "an operator",
      {Required("key", &SysctlCheck::key_, "dotted name, e.g. net.ipv4.ip_forward"),
       Optional("op", ParamType::kOperator, "comparison", "eq", AllOperators()),
       Optional("value", ParamType::kScalarOrList, "operand (a list for in/not_in)"),
       Optional("default", &SysctlCheck::default_, ParamType::kScalar,
                "the kernel's own value, which applies at boot when no sysctl.d file sets the key "
                "(else: not persisted fails)")});
}

}  // namespace egov::checks::types
