// kernel_module: a module loaded (/proc/modules), not loaded, or blocked from loading in
// modprobe.d.
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

struct KernelModuleCheck : Check {
  std::vector<std::string> names_;
  std::string state_;

  void Validate(const Params&) {
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
                    want ? "loaded" : "not loaded", (found != 0) == want});
      if ((found != 0) != want) Append(bad, name + (found ? " is loaded" : " is not loaded"));
    }
    return Verdict(bad, want ? "loaded" : "not loaded", ev);
  }

  // A `blacklist` line only stops loading by alias: `modprobe NAME` still loads the module, and
  // so does any module depending on it (uas pulls in usb_storage). Only an `install NAME
  // /bin/false` line blocks every load; on a live root the module must not be loaded either.
  Outcome Blacklisted(const HostContext& ctx) const {
    std::vector<std::string> files;
    for (const char* dir :
         {"/usr/lib/modprobe.d", "/lib/modprobe.d", "/run/modprobe.d", "/etc/modprobe.d"}) {
      for (const auto& f : ctx.Glob(std::string(dir) + "/*.conf")) files.push_back(f);
    }
    const FileData modules = ctx.Read("/proc/modules");
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& name : names_) {
      const std::string expected = "install " + name + " /bin/false";
      Evidence install{}, blacklist{};
      for (const auto& file : files) {
        const FileData data = ctx.Read(file);
        if (!data.ok()) continue;
        for (auto [n, l] : NumberedLines(data.bytes)) {
          auto f = SplitFields(l);
          if (f.size() < 2 || Canonical(std::string(f[1])) != name) continue;
          if (f[0] == "install" && f.size() >= 3 && Blocks(f[2]) && install.source.empty()) {
            install = {file, n, std::string(Trim(l)), expected, true};
          } else if (f[0] == "blacklist" && blacklist.source.empty()) {
            blacklist = {file, n, std::string(Trim(l)), expected, false};
          }
        }
      }
      if (!install.source.empty()) {
        ev.push_back(install);
      } else if (!blacklist.source.empty()) {
        ev.push_back(blacklist);
        Append(bad, name +
                        " is only blacklisted: modprobe or a module depending on it still "
                        "loads it");
      } else {
        ev.push_back({"/etc/modprobe.d", 0, name + " neither blacklisted nor install-blocked",
                      expected, false});
        Append(bad, name + " is not blocked");
      }
      if (modules.ok()) {
        int line = 0, found = 0;
        for (auto l : SplitLines(modules.bytes)) {
          ++line;
          auto f = SplitFields(l);
          if (!f.empty() && f[0] == name) found = line;
        }
        ev.push_back({"/proc/modules", found, name + (found ? " loaded" : " not loaded"),
                      "not loaded", found == 0});
        if (found) Append(bad, name + " is loaded now");
      }
    }
    return Verdict(bad, "blocked from loading", ev);
  }
};

}  // namespace

CheckType KernelModule() {
  return Define<KernelModuleCheck>(
      "kernel_module",
      "A kernel module loaded or not (/proc/modules), or blacklisted in modprobe.d",
      {Required("name", &KernelModuleCheck::names_, "module name(s) ('-' and '_' are the same)"),
       Required(
           "state", &KernelModuleCheck::state_, ParamType::kChoice,
           "loaded, not_loaded, or blacklisted ('install NAME /bin/false' in modprobe.d, which "
           "also stops loads as a dependency, and on a live root not loaded)",
           {"loaded", "not_loaded", "blacklisted"})});
}

}  // namespace egov::checks::types
