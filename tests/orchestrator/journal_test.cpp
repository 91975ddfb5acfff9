#include "orchestrator/sqlite_journal.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "tests/orchestrator/journal_runs.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = (dir_ / "nested" / "journal.db").string(); }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  egov::testing::TempDir dir_;
  std::string path_;
};

// The journal followed the umask (0666 under `umask 000`); it is the operator's own.
TEST_F(JournalTest, JournalAndItsDirectoryHaveExplicitModes) {
  const mode_t saved = ::umask(0);
  { SqliteJournal journal(path_); }
  ::umask(saved);
  EXPECT_EQ(fs::status(path_).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir_ / "nested").permissions(),
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

TEST_F(JournalTest, OneHolderAtATime) {
  SqliteJournal a(path_);
  SqliteJournal b(path_);
  EXPECT_FALSE(a.Lock("apply", std::chrono::milliseconds(0)));
  auto holder = b.Lock("destroy", std::chrono::milliseconds(0));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->operation, "apply");
  EXPECT_EQ(holder->pid, getpid());
  EXPECT_NE(holder->holder.find('@'), std::string::npos);
  a.Unlock();
  EXPECT_FALSE(b.Lock("destroy", std::chrono::milliseconds(0)));
}

TEST_F(JournalTest, WaitingGivesUpAfterTheTimeout) {
  SqliteJournal a(path_);
  SqliteJournal b(path_);
  ASSERT_FALSE(a.Lock("apply", std::chrono::milliseconds(0)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(b.Lock("apply", std::chrono::milliseconds(500)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
}

TEST_F(JournalTest, ALockLeftByADeadProcessIsTakenOver) {
  { SqliteJournal init(path_); }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  // pid_max is far below this: no such process.
  Sql("INSERT INTO lock VALUES(1, 'ghost@" + std::string(host) + "', '" + host +
      "', 2147483000, 'apply', '2026-01-01T00:00:00Z', 'ghost');"
      "INSERT INTO runs(operation, status, pid) VALUES('apply', 'running', 2147483000);");
  SqliteJournal j(path_);
  EXPECT_FALSE(j.Lock("apply", std::chrono::milliseconds(0)));
  const auto runs = JournalRuns(path_, 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "interrupted");
}

TEST_F(JournalTest, ALockHeldOnAnotherMachineIsNeverTakenOver) {
  { SqliteJournal init(path_); }
  Sql("INSERT INTO lock VALUES(1, 'ops@elsewhere', 'elsewhere', 2147483000, 'apply', "
      "'2026-01-01T00:00:00Z', 'feedfacecafebeef');");
  SqliteJournal j(path_);
  auto holder = j.Lock("apply", std::chrono::milliseconds(0));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->holder, "ops@elsewhere");
  EXPECT_EQ(holder->id, "feedfacecafebeef");
  EXPECT_EQ(holder->machine, "elsewhere");
  LockHolder other = *holder;
  other.id = "0000000000000000";
  EXPECT_FALSE(j.RemoveLock(other));  // another lock than the one named
  ASSERT_TRUE(j.RemoveLock(*holder));
  EXPECT_FALSE(j.Lock("apply", std::chrono::milliseconds(0)));
}

TEST_F(JournalTest, StepsArePendingUntilMarked) {
  SqliteJournal j(path_);
  j.BeginRun("apply", "sha256:x", "best-effort",
             {{"h1", "a-0", "u0", "create", "new"},
              {"h1", "a-1", "u1", "create", "new"},
              {"h2", "b-0", "u2", "delete", "removed"}});
  j.Mark(0, StepStatus::kDone);
  j.Mark(2, StepStatus::kFailed, "boom");
  j.Flush();
  auto runs = JournalRuns(path_, 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_EQ(runs[0].done, 1);
  EXPECT_EQ(runs[0].failed, 1);
  EXPECT_EQ(runs[0].pending, 1);
  j.FinishRun("failed");
  EXPECT_EQ(JournalRuns(path_, 1)[0].status, "failed");
}

TEST_F(JournalTest, KnownDomainsAreReplacedPerHost) {
  SqliteJournal j(path_);
  j.RecordHost("h1", {{"h1", "a-0", "u0", "a", 0, "s"}, {"h1", "a-1", "u1", "a", 1, "s"}});
  j.RecordHost("h2", {{"h2", "b-0", "u2", "b", 0, "s"}});
  j.RecordHost("h1", {{"h1", "a-1", "u1", "a", 1, "s2"}});
  const auto h1 = j.KnownDomains("h1");
  ASSERT_EQ(h1.size(), 1u);
  EXPECT_EQ(h1[0].spec_hash, "s2");
  EXPECT_EQ(j.KnownDomains("h2").size(), 1u);
  EXPECT_TRUE(j.KnownDomains("h3").empty());
}

TEST_F(JournalTest, UnwritablePathIsAClearError) {
  try {
    SqliteJournal j("/proc/egov/journal.db");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/egov/journal.db"), std::string::npos);
  }
}

}  // namespace
}  // namespace egov::orchestrator

namespace egov::orchestrator {
namespace {

// A journal written by an egovctl before lock IDs gains the columns, keeps its runs, and its
// lock can be taken and named.
TEST_F(JournalTest, AnOlderJournalIsUpgradedInPlace) {
  fs::create_directories(fs::path(path_).parent_path());
  Sql("CREATE TABLE runs(id INTEGER PRIMARY KEY, operation TEXT, started TEXT, finished TEXT,"
      " status TEXT, holder TEXT, pid INTEGER, fingerprint TEXT, mode TEXT);"
      "CREATE TABLE lock(id INTEGER PRIMARY KEY CHECK(id = 1), holder TEXT, machine TEXT,"
      " pid INTEGER, operation TEXT, since TEXT);"
      "INSERT INTO runs(operation, status, pid) VALUES('apply', 'done', 1);");
  SqliteJournal j(path_);
  EXPECT_FALSE(j.Lock("apply", std::chrono::milliseconds(0)));
  EXPECT_EQ(j.Holder()->id.size(), 16u);
  const auto runs = j.Runs(5);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "done");
  EXPECT_EQ(runs[0].note, "");
}

}  // namespace
}  // namespace egov::orchestrator
