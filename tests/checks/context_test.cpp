// Reads through the host context as the check types make them: never of a FIFO, never outside
// the root.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

namespace fs = std::filesystem;
using testing::RunOne;
using testing::TempDir;

TEST(HostContext, NonRegularFilesAreNeverReadAndNeverBlock) {
  TempDir root;
  root.Write("etc/ssh/.keep", "");
  ASSERT_EQ(::mkfifo((root / "etc/ssh/sshd_config").c_str(), 0600), 0);
  const auto r = RunOne(
      R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
      root.path().string());
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_NE(r.reason.find("FIFO"), std::string::npos) << r.reason;
}

TEST(HostContext, AbsoluteLinksStayInsideTheRoot) {
  TempDir root;
  root.Write("etc/ssh/real_config", "PermitRootLogin no\n");
  // An absolute link in an image points into the image, never at the scanning host's /etc.
  fs::create_symlink("/etc/ssh/real_config", root / "etc/ssh/sshd_config");
  EXPECT_EQ(
      RunOne(
          R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
          root.path().string())
          .status,
      Status::kPass);
  fs::create_symlink("../../../../../../etc/passwd", root / "etc/escape");
  const auto r =
      RunOne("{type: file_content, path: /etc/escape, pattern: \"^root:\"}", root.path().string());
  EXPECT_EQ(r.status, Status::kFail) << "read the host's /etc/passwd: " << r.reason;
}

}  // namespace
}  // namespace egov::checks
