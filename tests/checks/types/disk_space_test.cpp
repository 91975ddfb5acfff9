// The disk_space check type (checks/types/disk_space.cpp) passing and failing on the host fixtures:
// free space and inodes (statvfs) against minimums.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

TEST(CheckTypes, DiskSpace) {
  Expect("hardened", Status::kPass,
         {"{type: disk_space, path: [/, /etc], min_free_percent: 0.0001}"});
  Expect("hardened", Status::kFail, {"{type: disk_space, min_free: 1Pi}"});
  Expect("hardened", Status::kError,
         {"{type: disk_space, path: /no/such/dir, min_free_percent: 1}"});
}

// A small tmpfs mounted inside a copy of a host, unmounted when done.
class SmallFileSystem {
 public:
  explicit SmallFileSystem(std::filesystem::path at) : at_(std::move(at)) {
    std::filesystem::create_directories(at_);
    if (::mount("egov-small", at_.c_str(), "tmpfs", 0, "size=1m") != 0) error_ = errno;
  }
  ~SmallFileSystem() {
    if (error_ == 0) ::umount(at_.c_str());
  }
  int error() const { return error_; }

 private:
  std::filesystem::path at_;
  int error_ = 0;
};

// Each path is judged on its own file system: the one short of space fails, the other meets it.
TEST(CheckTypes, DiskSpaceJudgesEachPath) {
  HostCopy host;
  SmallFileSystem small(host("/srv"));
  if (small.error() != 0) GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(small.error());
  testing::ExpectItems(host.root(), "{type: disk_space, path: [/, /srv], min_free: 8Mi}",
                       {{"/", true}, {"/srv", false}});
}

}  // namespace
}  // namespace egov::checks
