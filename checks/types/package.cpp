// package: a Debian package installed (optionally at a minimum version) or absent, from the
// dpkg database.
#include "checks/host_files.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct PackageCheck : Check {
  std::vector<std::string> names_;
  std::string state_;
  std::string op_;
  std::string version_;
  bool absent_;

  void Validate(const Params& p) {
    absent_ = state_ == "absent";
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
      // An absent package must have no files on disk: unpacked or half-installed counts.
      const auto& where = absent_ ? db->on_disk : db->installed;
      auto it = where.find(name);
      const std::string expected = absent_ ? "not installed"
                                   : version_.empty()
                                       ? "installed"
                                       : "installed, version " + OpText() + " " + version_;
      if (it == where.end()) {
        auto partly = db->on_disk.find(name);
        const bool unpacked = partly != db->on_disk.end();
        evidence.push_back({source, unpacked ? partly->second.line : 0,
                            unpacked ? name + " " + partly->second.version + " " +
                                           partly->second.status + " (not configured)"
                                     : name + " not installed",
                            expected, absent_});
        if (!absent_) Append(bad, name + " is not installed");
        continue;
      }
      const DpkgPackage& pkg = it->second;
      const std::string state =
          pkg.status == "install ok installed" ? "installed" : "(" + pkg.status + ")";
      const size_t before = bad.size();
      if (absent_) {
        Append(bad,
               name + " " + pkg.version + " is " +
                   (db->installed.contains(name) ? "installed" : "on disk (" + pkg.status + ")"));
      } else if (!version_.empty() && !VersionOk(pkg.version)) {
        Append(bad, name + " " + pkg.version + " is not " + OpText() + " " + version_);
      }
      evidence.push_back({source, pkg.line, name + " " + pkg.version + " " + state, expected,
                          bad.size() == before});
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
};

}  // namespace

CheckType Package() {
  return Define<PackageCheck>(
      "package", "Debian packages installed (at a version) or absent, from /var/lib/dpkg/status",
      {Required("name", &PackageCheck::names_, "package name(s); all must match"),
       OptionalChoice("state", &PackageCheck::state_, {"installed", "absent"}),
       Optional("version", &PackageCheck::version_, "version to compare with (dpkg ordering)"),
       Optional("op", &PackageCheck::op_, ParamType::kOperator,
                "how the installed version compares", "ge", {"ge", "gt", "eq", "le", "lt"})});
}

}  // namespace egov::checks::types
