// The check types as the registry lists them: each is one source file under checks/types/ and
// one test file under tests/checks/types/ (STYLE.md), and every test file there tests one.
#include "checks/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace egov::checks {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = EGOV_SOURCE_DIR;

TEST(CheckTypes, EachRegisteredTypeHasItsSourceAndTestFileAndNoTestFileIsLeftOver) {
  std::set<std::string> registered;
  for (const auto& t : CheckTypes()) {
    registered.insert(t.name);
    EXPECT_TRUE(fs::exists(kSource / "checks/types" / (t.name + ".cpp"))) << t.name;
    EXPECT_TRUE(fs::exists(kSource / "tests/checks/types" / (t.name + "_test.cpp"))) << t.name;
  }
  EXPECT_EQ(registered.size(), CheckTypes().size()) << "a name registered twice";
  std::set<std::string> tested;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/checks/types")) {
    const std::string file = entry.path().filename().string();
    tested.insert(file.substr(0, file.size() - std::string("_test.cpp").size()));
  }
  EXPECT_EQ(tested, registered);
  const std::set<std::string> expected = {"file",           "file_content",     "config_option",
                                          "sysctl",         "kernel_module",    "mount",
                                          "listening",      "process",          "package",
                                          "accounts",       "systemd_unit",     "log_retention",
                                          "time_sync",      "certificate",      "http",
                                          "libvirt_daemon", "libvirt_domains",  "disk_space",
                                          "backup",         "firewall",         "audit_rules",
                                          "ssh_algorithms", "password_quality", "security_updates",
                                          "file_integrity"};
  EXPECT_EQ(registered, expected);
}

}  // namespace
}  // namespace egov::checks
