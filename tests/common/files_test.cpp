#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace egov {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using testing::ReadFile;

TEST(ResolvePath, RelativePathsAreTakenFromTheDirectoryOfTheFileNamingThem) {
  const struct {
    std::string base, path, want;
  } cases[] = {
      {"/etc/egov-agent", "web.yaml", "/etc/egov-agent/web.yaml"},
      {"/etc/egov-agent", "../pki/ca.pem", "/etc/pki/ca.pem"},
      {"/etc/egov-agent", "/var/lib/x", "/var/lib/x"},
      {"/etc/egov-agent", "", ""},
      {"", "web.yaml", "web.yaml"},
      {"conf", "./a/b", "conf/a/b"},
  };
  for (const auto& c : cases) EXPECT_EQ(ResolvePath(c.base, c.path), c.want) << c.path;
}

class WriteFileAtomicallyTest : public ::testing::Test {
 protected:
  static ino_t Inode(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_ino;
  }
  size_t Entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_.path()), {}));
  }

  testing::TempDir dir_;
};

TEST_F(WriteFileAtomicallyTest, CreatesThenReplacesWithExactBytes) {
  const fs::path p = dir_ / "report.json";
  const std::string first = "Sở Y tế\0binary\n"s;  // any bytes, NUL included
  WriteFileAtomically(p.string(), first);
  EXPECT_EQ(ReadFile(p), first);
  WriteFileAtomically(p.string(), "second");
  EXPECT_EQ(ReadFile(p), "second");
  EXPECT_EQ(Entries(), 1u);  // no temporary left beside it
}

TEST_F(WriteFileAtomicallyTest, MissingDirectoryThrowsNamingTheFileAndLeavesNothing) {
  const fs::path p = dir_ / "absent" / "out.json";
  try {
    WriteFileAtomically(p.string(), "x");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "absent").string()), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(WriteFileAtomicallyTest, FailedRenameKeepsTheOldTargetAndRemovesTheTemporary) {
  const fs::path p = dir_ / "target";
  fs::create_directories(p / "busy");  // a non-empty directory cannot be renamed over
  try {
    WriteFileAtomically(p.string(), "x");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot replace " + p.string()), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::is_directory(p / "busy"));
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(WriteFileAtomicallyTest, ReplaceKeepingPreviousSwapsTheSameTwoInodes) {
  const fs::path p = dir_ / "host.xml";
  const fs::path prev = dir_ / "host.xml.prev";
  ReplaceFileKeepingPrevious(p.string(), "first");
  EXPECT_EQ(ReadFile(p), "first");
  EXPECT_EQ(Entries(), 1u);  // a new file is renamed into place, nothing beside it
  ReplaceFileKeepingPrevious(p.string(), "Sở Tư pháp\n");
  EXPECT_EQ(ReadFile(p), "Sở Tư pháp\n");
  EXPECT_EQ(ReadFile(prev), "first");
  const ino_t current = Inode(p), previous = Inode(prev);
  ReplaceFileKeepingPrevious(p.string(), "third");
  EXPECT_EQ(ReadFile(p), "third");
  EXPECT_EQ(ReadFile(prev), "Sở Tư pháp\n");
  EXPECT_EQ(Inode(p), previous);  // no inode freed or allocated: the two trade places
  EXPECT_EQ(Inode(prev), current);
  EXPECT_EQ(Entries(), 2u);
}

TEST_F(WriteFileAtomicallyTest, ReplaceKeepingPreviousFailsNamingTheFileAndKeepsTheTarget) {
  const fs::path p = dir_ / "host.xml";
  ReplaceFileKeepingPrevious(p.string(), "kept");
  fs::create_directories(dir_ / "host.xml.prev" / "busy");  // cannot be written as a file
  try {
    ReplaceFileKeepingPrevious(p.string(), "lost");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + p.string() + ".prev"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(ReadFile(p), "kept");
}

}  // namespace
}  // namespace egov

namespace egov {
namespace {

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// Plans, results and host files followed the umask (0666 under `umask 000`).
TEST(FileModes, ExplicitWhateverTheUmask) {
  testing::TempDir dir;
  const mode_t saved = ::umask(0);
  WriteFileAtomically((dir.path() / "plan.json").string(), "{}");
  WriteFileAtomically((dir.path() / "targets.json").string(), "[]", 0644);
  ReplaceFileKeepingPrevious((dir.path() / "host.xml").string(), "<node/>");
  CreateDirectories((dir.path() / "a/b").string());
  ::umask(saved);
  EXPECT_EQ(ModeOf(dir.path() / "plan.json"), 0640u);
  EXPECT_EQ(ModeOf(dir.path() / "targets.json"), 0644u);
  EXPECT_EQ(ModeOf(dir.path() / "host.xml"), 0600u);
  EXPECT_EQ(ModeOf(dir.path() / "a"), 0750u);
  EXPECT_EQ(ModeOf(dir.path() / "a/b"), 0750u);
  // A file that existed with a wider mode gets the explicit one too.
  std::filesystem::permissions(dir.path() / "plan.json", std::filesystem::perms::all);
  WriteFileAtomically((dir.path() / "plan.json").string(), "{}");
  EXPECT_EQ(ModeOf(dir.path() / "plan.json"), 0640u);
}

}  // namespace
}  // namespace egov
