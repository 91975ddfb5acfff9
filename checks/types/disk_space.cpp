// disk_space: free space and inodes of the file systems holding some paths (statvfs).
#include <cstdio>
#include <cstring>

#include "checks/types/types.h"
#include "common/units.h"

namespace egov::checks::types {
namespace {

std::string Pct(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v);
  return buf;
}

struct DiskSpaceCheck : Check {
  std::vector<std::string> paths_;
  double min_percent_ = -1;  // left out (or negative): not judged
  uint64_t min_bytes_ = 0;
  double min_inodes_ = -1;

  void Validate(const Params& p) const {
    if (min_percent_ < 0 && !p.Has("min_free") && min_inodes_ < 0) {
      p.Fail("min_free_percent", "give min_free_percent, min_free or min_free_inodes_percent");
    }
    if (min_percent_ > 100 || min_inodes_ > 100) p.Fail("min_free_percent", "expected 0 to 100");
  }

  Outcome Run(const HostContext& ctx) const override {
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& path : paths_) {
      int error = 0;
      auto sv = ctx.StatFs(path, &error);
      if (!sv) return Outcome::Error(path + ": " + std::strerror(error));
      const double total = static_cast<double>(sv->f_blocks) * sv->f_frsize;
      const uint64_t avail = static_cast<uint64_t>(sv->f_bavail) * sv->f_frsize;
      const double pct = total > 0 ? 100.0 * avail / total : 100.0;
      const double ipct = sv->f_files > 0 ? 100.0 * sv->f_favail / sv->f_files : 100.0;
      std::string expected;
      if (min_percent_ >= 0) expected += ">= " + Pct(min_percent_) + " free";
      if (min_bytes_)
        expected += (expected.empty() ? ">= " : ", >= ") + FormatSize(min_bytes_) + " free";
      if (min_inodes_ >= 0)
        expected += (expected.empty() ? ">= " : ", >= ") + Pct(min_inodes_) + " inodes free";
      const size_t before = bad.size();
      if (min_percent_ >= 0 && pct < min_percent_) Append(bad, path + " has " + Pct(pct) + " free");
      if (avail < min_bytes_)
        Append(bad, path + " has " + FormatSize(avail / (1 << 20) * (1 << 20)) + " free");
      if (min_inodes_ >= 0 && ipct < min_inodes_)
        Append(bad, path + " has " + Pct(ipct) + " inodes free");
      ev.push_back({path, 0,
                    FormatSize(avail / (1 << 20) * (1 << 20)) + " free (" + Pct(pct) + "), " +
                        Pct(ipct) + " inodes free",
                    expected, bad.size() == before});
    }
    return Verdict(bad, "enough free space", ev);
  }
};

}  // namespace

CheckType DiskSpace() {
  return Define<DiskSpaceCheck>(
      "disk_space", "Free space and inodes of the file systems holding some paths (statvfs)",
      {Optional("path", &DiskSpaceCheck::paths_, "paths whose file systems are judged", "/"),
       Optional("min_free_percent", &DiskSpaceCheck::min_percent_, "minimum free space in percent"),
       Optional("min_free", &DiskSpaceCheck::min_bytes_, "minimum free space, e.g. 10Gi"),
       Optional("min_free_inodes_percent", &DiskSpaceCheck::min_inodes_,
                "minimum free inodes in percent")});
}

}  // namespace egov::checks::types
