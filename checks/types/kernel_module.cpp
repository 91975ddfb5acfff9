// kernel_module: a module loaded (/proc/modules), not loaded, or blacklisted in modprobe.d.
#include <algorithm>

#include "checks/proc.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

std::string Canonical(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

bool Blocks(std::string_view command) {
  for (const char* f : {"/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true"}) {
    if (command == f) return true;
  }
  return false;
}

class KernelModuleCheck : public Check {
 public:
  explicit KernelModuleCheck(const Params& p)
      : names_(p.Strings("name")), state_(p.String("state")) {
    for (auto& n : names_) n = Canonical(n);
  }

  Outcome Run(const HostContext& ctx) const override {
    return state_ == "blacklisted" ? Blacklisted(ctx) : Loaded(ctx);
  }

 private:
  Outcome Loaded(const HostContext& ctx) const {
    const FileData data = ctx.Read("/proc/modules");
    if (!data.ok()) {
      if (data.missing()) return NotLive("/proc/modules");
      return Outcome::Error(data.message);
    }
    const bool want = state_ == "loaded";
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& name : names_) {
      int line = 0, found = 0;
      for (auto l : SplitLines(data.bytes)) {
        ++line;
        auto f = SplitFields(l);
        if (!f.empty() && f[0] == name) {
          found = line;
          break;
        }
      }
      ev.push_back({"/proc/modules", found, name + (found ? " loaded" : " not loaded"),
                    want ? "loaded" : "not loaded"});
      if ((found != 0) != want) Append(bad, name + (found ? " is loaded" : " is not loaded"));
    }
    return Verdict(bad, want ? "loaded" : "not loaded", ev);
  }

  Outcome Blacklisted(const HostContext& ctx) const {
    std::vector<std::string> files;
    for (const char* dir :
         {"/usr/lib/modprobe.d", "/lib/modprobe.d", "/run/modprobe.d", "/etc/modprobe.d"}) {
      for (const auto& f : ctx.Glob(std::string(dir) + "/*.conf")) files.push_back(f);
    }
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& name : names_) {
      bool done = false;
      for (const auto& file : files) {
        const FileData data = ctx.Read(file);
        if (!data.ok()) continue;
        int n = 0;
        for (auto l : SplitLines(data.bytes)) {
          ++n;
          auto f = SplitFields(l);
          if (f.size() < 2 || Canonical(std::string(f[1])) != name) continue;
          const bool install_blocked = f[0] == "install" && f.size() >= 3 && Blocks(f[2]);
          if (f[0] == "blacklist" || install_blocked) {
            ev.push_back({file, n, std::string(Trim(l)), "blacklist " + name});
            done = true;
            break;
          }
        }
        if (done) break;
      }
      if (!done) {
        ev.push_back({"/etc/modprobe.d", 0, name + " neither blacklisted nor install-blocked",
                      "blacklist " + name + " or install " + name + " /bin/false"});
        Append(bad, name + " is not blacklisted");
      }
    }
    return Verdict(bad, "blacklisted", ev);
  }

  std::vector<std::string> names_;
  std::string state_;
};

}  // namespace

CheckType KernelModule() {
  return Define<KernelModuleCheck>(
      "kernel_module",
      "A kernel module loaded or not (/proc/modules), or blacklisted in modprobe.d",
      {Required("name", ParamType::kStringList, "module name(s) ('-' and '_' are the same)"),
       Required(
           "state", ParamType::kChoice,
           "loaded, not_loaded, or blacklisted (a 'blacklist' line or 'install NAME /bin/false')",
           {"loaded", "not_loaded", "blacklisted"})});
}

}  // namespace egov::checks::types
