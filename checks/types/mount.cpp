// mount: a mount point carries options (nodev, nosuid, noexec...), live (/proc/mounts) or as
// configured (/etc/fstab).
#include <algorithm>

#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

// fstab and /proc/mounts escape spaces and tabs as \040 and \011.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string oct(s.substr(i + 1, 3));
      if (std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

struct MountCheck : Check {
  std::string path_;
  std::vector<std::string> options_, forbidden_;
  std::string source_;
  bool required_;

  void Validate(const Params& p) const {
    if (options_.empty() && forbidden_.empty()) {
      p.Fail("options", "give options and/or absent_options");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    const bool live = source_ == "live";
    const std::string source = live ? "/proc/mounts" : "/etc/fstab";
    const FileData data = ctx.Read(source);
    if (!data.ok()) {
      if (live && data.missing()) return NotLive("/proc/mounts");
      return Outcome::Error(data.message);
    }
    int line = 0, found_line = 0;
    std::string found_opts;
    for (auto l : SplitLines(data.bytes)) {
      ++line;
      auto t = Trim(l);
      if (t.empty() || t[0] == '#') continue;
      auto f = SplitFields(t);
      if (f.size() < 4 || Unescape(f[1]) != path_) continue;
      found_line = line;  // the last entry wins (a later mount covers an earlier one)
      found_opts = std::string(f[3]);
    }
    std::string expected = Join(options_, ",");
    for (const auto& o : forbidden_) expected += (expected.empty() ? "no " : ", no ") + o;
    if (!found_line) {
      if (!required_) return Outcome::NotApplicable(path_ + " is not a separate file system");
      return Outcome::Fail(path_ + " is not a separate mount in " + source,
                           {{source, 0, path_ + " not mounted separately", expected}});
    }
    std::vector<std::string> have;
    for (size_t i = 0; i <= found_opts.size();) {
      const size_t j = std::min(found_opts.find(',', i), found_opts.size());
      have.push_back(found_opts.substr(i, j - i));
      i = j + 1;
    }
    std::string bad;
    for (const auto& o : options_) {
      if (std::find(have.begin(), have.end(), o) == have.end()) Append(bad, "missing " + o, ", ");
    }
    for (const auto& o : forbidden_) {
      if (std::find(have.begin(), have.end(), o) != have.end()) Append(bad, "has " + o, ", ");
    }
    std::vector<Evidence> ev = {{source, found_line, path_ + " " + found_opts, expected}};
    if (!bad.empty()) return Outcome::Fail(path_ + ": " + bad, ev);
    return Outcome::Pass(path_ + " mounted with " + expected, ev);
  }
};

}  // namespace

CheckType Mount() {
  return Define<MountCheck>(
      "mount", "Mount options of a mount point, live (/proc/mounts) or configured (/etc/fstab)",
      {Required("path", &MountCheck::path_, ParamType::kPath, "the mount point"),
       Optional("options", &MountCheck::options_, "options that must be present (nodev...)"),
       Optional("absent_options", &MountCheck::forbidden_, "options that must not be present"),
       OptionalChoice("source", &MountCheck::source_, {"live", "fstab"}),
       Optional("required", &MountCheck::required_,
                "fail when the path is not a separate mount (false: not applicable)", "true")});
}

}  // namespace egov::checks::types
