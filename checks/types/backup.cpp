// backup: the newest file in a backup directory is younger than a maximum age.
#include <fnmatch.h>
#include <sys/stat.h>

#include "checks/scan.h"
#include "checks/types/types.h"
#include "common/units.h"

namespace egov::checks::types {
namespace {

struct BackupCheck : Check {
  std::string dir_;
  std::chrono::milliseconds max_age_;
  std::string pattern_;
  uint64_t min_size_;
  int64_t depth_;

  void Validate(const Params& p) const {
    if (depth_ < 0 || depth_ > 8) p.Fail("depth", "expected 0 to 8");
  }

  Outcome Run(const HostContext& ctx) const override {
    int error = 0;
    auto top = ctx.Stat(dir_, true, &error);
    const std::string expected = "newest " + pattern_ + " of at least " + FormatSize(min_size_) +
                                 " younger than " + FormatDuration(max_age_);
    if (!top) {
      return Outcome::Fail(dir_ + " does not exist", {{dir_, 0, "no backup directory", expected}});
    }
    std::string newest;
    std::chrono::system_clock::time_point newest_time{};
    Walk(ctx, dir_, 0, newest, newest_time);
    if (newest.empty()) {
      return Outcome::Fail("no backup file in " + dir_,
                           {{dir_, 0, "no " + pattern_ + " file", expected}});
    }
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now() - newest_time);
    const std::string observed = "newest " + newest + ", " + FormatTimestamp(newest_time) + " (" +
                                 FormatDuration(std::chrono::duration_cast<std::chrono::minutes>(
                                     std::max(age, std::chrono::milliseconds(0)))) +
                                 " old)";
    std::vector<Evidence> ev = {{newest, 0, observed, expected}};
    if (age > max_age_)
      return Outcome::Fail("newest backup is older than " + FormatDuration(max_age_), ev);
    return Outcome::Pass("newest backup is recent", ev);
  }

 private:
  void Walk(const HostContext& ctx, const std::string& dir, int64_t depth, std::string& newest,
            std::chrono::system_clock::time_point& newest_time) const {
    for (const auto& name : ctx.List(dir)) {
      const std::string path = dir + "/" + name;
      auto info = ctx.Stat(path, false);
      if (!info) continue;
      if (S_ISDIR(info->mode)) {
        if (depth < depth_) Walk(ctx, path, depth + 1, newest, newest_time);
        continue;
      }
      if (!S_ISREG(info->mode) || info->size < min_size_) continue;
      if (::fnmatch(pattern_.c_str(), name.c_str(), 0) != 0) continue;
      if (newest.empty() || info->mtime > newest_time) {
        newest = path;
        newest_time = info->mtime;
      }
    }
  }
};

}  // namespace

CheckType Backup() {
  return Define<BackupCheck>(
      "backup", "The newest backup file in a directory is younger than a maximum age",
      {Required("path", &BackupCheck::dir_, ParamType::kPath,
                "backup directory (searched down to 'depth')"),
       Required("max_age", &BackupCheck::max_age_, "how old the newest backup may be, e.g. 26h"),
       Optional("pattern", &BackupCheck::pattern_, "file name glob", "*"),
       Optional("min_size", &BackupCheck::min_size_, "smaller files do not count", "1"),
       Optional("depth", &BackupCheck::depth_, "subdirectory levels searched", "3")});
}

}  // namespace egov::checks::types
