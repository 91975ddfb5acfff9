// package: a Debian package installed (optionally at a minimum version) or absent, from the
// dpkg database.
#include "checks/host_files.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

class PackageCheck : public Check {
 public:
  explicit PackageCheck(const Params& p)
      : names_(p.Strings("name")),
        absent_(p.String("state", "installed") == "absent"),
        op_(p.String("op", "ge")),
        version_(p.String("version")) {
    if (absent_ && !version_.empty()) p.Fail("version", "an absent package has no version");
    if (p.Has("op") && version_.empty()) p.Fail("op", "compares 'version', which is not given");
  }

  Outcome Run(const HostContext& ctx) const override {
    const auto db = LoadDpkg(ctx);
    if (!db->error.empty()) return Outcome::Error(db->error);
    const std::string source = "/var/lib/dpkg/status";
    std::vector<Evidence> evidence;
    std::string bad;
    for (const auto& name : names_) {
      auto it = db->installed.find(name);
      const bool installed = it != db->installed.end();
      const std::string expected = absent_ ? "not installed"
                                   : version_.empty()
                                       ? "installed"
                                       : "installed, version " + OpText() + " " + version_;
      if (!installed) {
        evidence.push_back({source, 0, name + " not installed", expected});
        if (!absent_) Append(bad, name + " is not installed");
        continue;
      }
      const DpkgPackage& pkg = it->second;
      evidence.push_back({source, pkg.line, name + " " + pkg.version + " installed", expected});
      if (absent_) {
        Append(bad, name + " " + pkg.version + " is installed");
      } else if (!version_.empty() && !VersionOk(pkg.version)) {
        Append(bad, name + " " + pkg.version + " is not " + OpText() + " " + version_);
      }
    }
    return Verdict(bad, absent_ ? "not installed" : "installed as required", evidence);
  }

 private:
  std::string OpText() const {
    if (op_ == "gt") return ">";
    if (op_ == "eq") return "=";
    if (op_ == "lt") return "<";
    if (op_ == "le") return "<=";
    return ">=";
  }

  bool VersionOk(const std::string& installed) const {
    const int c = CompareDebianVersions(installed, version_);
    if (op_ == "gt") return c > 0;
    if (op_ == "eq") return c == 0;
    if (op_ == "lt") return c < 0;
    if (op_ == "le") return c <= 0;
    return c >= 0;
  }

  std::vector<std::string> names_;
  bool absent_;
  std::string op_;
  std::string version_;
};

}  // namespace

CheckType Package() {
  return Define<PackageCheck>(
      "package", "Debian packages installed (at a version) or absent, from /var/lib/dpkg/status",
      {Required("name", ParamType::kStringList, "package name(s); all must match"),
       Optional("state", ParamType::kChoice, "installed or absent", "installed",
                {"installed", "absent"}),
       Optional("version", ParamType::kString, "version to compare with (dpkg ordering)"),
       Optional("op", ParamType::kOperator, "how the installed version compares", "ge",
                {"ge", "gt", "eq", "le", "lt"})});
}

}  // namespace egov::checks::types
