// sysctl: a kernel parameter's live value, read from /proc/sys inside the root.
#include <algorithm>

#include "checks/compare.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

class SysctlCheck : public Check {
 public:
  explicit SysctlCheck(const Params& p)
      : key_(p.String("key")), expect_(Expectation::FromParams(p)) {
    if (key_.empty() || key_.find("..") != std::string::npos || key_[0] == '.' ||
        key_.find('/') != std::string::npos) {
      p.Fail("key", "expected a dotted kernel parameter name such as net.ipv4.ip_forward");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    std::string path = "/proc/sys/" + key_;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    const FileData data = ctx.Read(path, 1 << 16);
    if (!data.ok()) {
      if (data.missing() && !ctx.Stat("/proc/sys")) {
        return NotLive("/proc/sys");
      }
      if (data.missing()) {
        return Outcome::Fail(key_ + " does not exist in this kernel",
                             {{path, 0, "absent", expect_.Describe()}});
      }
      return Outcome::Error(data.message);
    }
    // Multi-value parameters (ip_local_port_range) are compared with single spaces.
    const std::string first = data.bytes.substr(0, data.bytes.find('\n'));
    std::string value;
    for (auto f : SplitFields(first)) {
      Append(value, f, " ");
    }
    std::vector<Evidence> evidence = {{path, 1, key_ + " = " + value, expect_.Describe()}};
    if (!expect_.Test(value)) {
      return Outcome::Fail(key_ + " is " + value + "; expected " + expect_.Describe(), evidence);
    }
    return Outcome::Pass(key_ + " is " + value, evidence);
  }

 private:
  std::string key_;
  Expectation expect_;
};

}  // namespace

CheckType Sysctl() {
  return Define<SysctlCheck>(
      "sysctl", "A kernel parameter's live value (/proc/sys) compared with an operator",
      {Required("key", ParamType::kString, "dotted name, e.g. net.ipv4.ip_forward"),
       Optional("op", ParamType::kOperator, "comparison", "eq", AllOperators()),
       Optional("value", ParamType::kScalarOrList, "operand (a list for in/not_in)")});
}

}  // namespace egov::checks::types
