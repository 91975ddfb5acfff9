// The security_updates check type (checks/types/security_updates.cpp) passing and failing on the
// host fixtures and on copies of the hardened one: apt's security lists against dpkg, offline.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kCheck = "{type: security_updates, max_age: 7d}";
constexpr const char* kList =
    "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_"
    "Packages";
constexpr const char* kRelease =
    "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease";

std::string ReleaseDated(std::chrono::hours ago) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S UTC", std::gmtime(&t));
  return std::string("Origin: Debian\nSuite: stable-security\nDate: ") + date + "\n";
}

TEST(CheckTypes, SecurityUpdates) {
  Expect("hardened", Status::kPass, {kCheck});
  Expect("hardened", Status::kFail, {"{type: security_updates, max_age: 1h}"});  // lists 6 h old
  Expect("weak", Status::kFail, {kCheck});  // no security suite in its lists
}

TEST(CheckTypes, SecurityUpdatesPendingOrUnknown) {
  HostCopy pending;
  pending.Replace(kList, "Version: 1:9.2p1-2+deb12u5", "Version: 1:9.2p1-2+deb12u7");
  Expect(pending.root(), Status::kFail, {kCheck});

  HostCopy dated;  // the release file's Date: decides over the file's time
  dated.Write(kRelease, ReleaseDated(std::chrono::hours(24 * 30)));
  Expect(dated.root(), Status::kFail, {kCheck});
  dated.Write(kRelease, ReleaseDated(std::chrono::hours(2)));
  Expect(dated.root(), Status::kPass, {kCheck});

  HostCopy none;
  none.Remove("/var/lib/apt/lists");
  Expect(none.root(), Status::kFail, {kCheck});

  HostCopy other_arch;  // an i386 update does not concern the amd64 package
  other_arch.Replace(kList, "Version: 2.36-9+deb12u9\nInstalled-Size: 12986",
                     "Version: 2.36-9+deb12u10\nInstalled-Size: 12986");
  other_arch.Replace(kList, "Architecture: amd64\nDescription: GNU C",
                     "Architecture: i386\nDescription: GNU C");
  Expect(other_arch.root(), Status::kPass, {kCheck});
}

// A pending update fails on its own; the list it came from is recent and meets its age limit.
TEST(CheckTypes, SecurityUpdatesJudgesTheListAndEachPackageApart) {
  HostCopy pending;
  pending.Replace(kList, "Version: 1:9.2p1-2+deb12u5", "Version: 1:9.2p1-2+deb12u7");
  testing::ExpectItems(
      pending.root(), kCheck,
      {{"security list dated", true}, {"1:9.2p1-2+deb12u7 in the security suite", false}});
}

}  // namespace
}  // namespace egov::checks
