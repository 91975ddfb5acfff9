#include "orchestrator/journal.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/clock.h"
#include "common/enum_names.h"
#include "common/files.h"

namespace egov::orchestrator {
namespace {

// As the journal's steps table stores them, in the order of StepStatus.
constexpr const char* kStatusNames[] = {"pending", "done", "failed", "skipped", "undone"};

std::string NowUtc() { return FormatTimestamp(std::chrono::system_clock::now()); }

std::string Machine() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string User() {
  if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return std::to_string(geteuid());
}

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("journal: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  /// Steps once; true while a row is available.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("journal: ") + sqlite3_errmsg(db_));
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

bool ProcessGone(long pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

std::string Journal::DefaultPath() {
  if (const char* p = std::getenv("EGOV_JOURNAL"); p && *p) return p;
  if (const char* s = std::getenv("XDG_STATE_HOME"); s && *s) {
    return std::string(s) + "/egov-cloud/journal.db";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/egov-cloud/journal.db";
}

Journal::Journal(const std::string& path) : path_(path) {
  const auto parent = std::filesystem::path(path).parent_path();
  try {
    if (!parent.empty()) CreateDirectories(parent.string());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("cannot open journal " + path + ": " + e.what());
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) {
    throw std::runtime_error("cannot open journal " + path + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
  }
  ::chmod(path.c_str(), kStateMode);  // before the WAL files, which take the journal's mode
  sqlite3_busy_timeout(db, 10000);
  Exec("PRAGMA journal_mode=WAL");
  Exec("PRAGMA synchronous=NORMAL");
  Exec(
      "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, operation TEXT, started TEXT,"
      " finished TEXT, status TEXT, holder TEXT, pid INTEGER, fingerprint TEXT, mode TEXT);"
      "CREATE TABLE IF NOT EXISTS steps(run INTEGER, idx INTEGER, host TEXT, domain TEXT,"
      " uuid TEXT, action TEXT, detail TEXT, status TEXT, error TEXT, updated TEXT,"
      " PRIMARY KEY(run, idx)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS lock(id INTEGER PRIMARY KEY CHECK(id = 1), holder TEXT,"
      " machine TEXT, pid INTEGER, operation TEXT, since TEXT);"
      "CREATE TABLE IF NOT EXISTS known_domains(host TEXT, uuid TEXT, name TEXT, workload TEXT,"
      " replica INTEGER, spec_hash TEXT, updated TEXT, PRIMARY KEY(host, uuid)) WITHOUT ROWID;");
}

Journal::~Journal() {
  try {
    Flush();
    if (locked_) Unlock();
  } catch (...) {
    // Nothing sensible to do while unwinding; the next run sees a stale lock and takes it.
  }
}

void Journal::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("journal " + path_ + ": " + msg);
  }
}

template <typename Body>
void Journal::Transaction(Body body) {
  Exec("BEGIN IMMEDIATE");
  try {
    body();
    Exec("COMMIT");
  } catch (...) {
    Exec("ROLLBACK");
    throw;
  }
}

std::optional<LockHolder> Journal::Lock(const std::string& operation,
                                        std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::string machine = Machine();
  for (;;) {
    std::optional<LockHolder> holder;
    {
      std::lock_guard lock(mu_);
      Transaction([&] {
        Statement q(db_.get(), "SELECT holder, machine, pid, operation, since FROM lock");
        bool take = true;
        if (q.Step()) {
          LockHolder h{q.Text(0), q.Int(2), q.Text(3), q.Text(4)};
          if (q.Text(1) == machine && ProcessGone(h.pid)) {
            // The holder died (killed mid-apply): its run is interrupted, the lock is free.
            Statement mark(db_.get(),
                           "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
                           " AND pid = ?");
            mark.Bind(1, static_cast<int64_t>(h.pid)).Step();
          } else {
            take = false;
            holder = h;
          }
        }
        if (take) {
          Statement ins(db_.get(),
                        "INSERT OR REPLACE INTO lock(id, holder, machine, pid, operation, since)"
                        " VALUES(1, ?, ?, ?, ?, ?)");
          ins.Bind(1, User() + "@" + machine)
              .Bind(2, machine)
              .Bind(3, static_cast<int64_t>(::getpid()))
              .Bind(4, operation)
              .Bind(5, NowUtc())
              .Step();
        }
      });
      if (!holder) {
        locked_ = true;
        return std::nullopt;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return holder;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void Journal::Unlock() {
  std::lock_guard lock(mu_);
  Statement del(db_.get(), "DELETE FROM lock WHERE pid = ? AND machine = ?");
  del.Bind(1, static_cast<int64_t>(::getpid())).Bind(2, Machine()).Step();
  locked_ = false;
}

std::optional<LockHolder> Journal::ForceUnlock() {
  std::lock_guard lock(mu_);
  Statement q(db_.get(), "SELECT holder, pid, operation, since FROM lock");
  std::optional<LockHolder> holder;
  if (q.Step()) holder = LockHolder{q.Text(0), q.Int(1), q.Text(2), q.Text(3)};
  Exec("DELETE FROM lock");
  if (holder) {
    Statement mark(db_.get(),
                   "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND pid = ?");
    mark.Bind(1, static_cast<int64_t>(holder->pid)).Step();
  }
  return holder;
}

int64_t Journal::BeginRun(const std::string& operation, const std::string& fingerprint,
                          const std::string& mode, const std::vector<StepRecord>& steps) {
  std::lock_guard lock(mu_);
  const std::string now = NowUtc();
  Transaction([&] {
    Statement run(db_.get(),
                  "INSERT INTO runs(operation, started, status, holder, pid, fingerprint, mode)"
                  " VALUES(?, ?, 'running', ?, ?, ?, ?)");
    run.Bind(1, operation)
        .Bind(2, now)
        .Bind(3, User() + "@" + Machine())
        .Bind(4, static_cast<int64_t>(::getpid()))
        .Bind(5, fingerprint)
        .Bind(6, mode)
        .Step();
    run_ = sqlite3_last_insert_rowid(db_.get());
    Statement ins(db_.get(),
                  "INSERT INTO steps(run, idx, host, domain, uuid, action, detail, status,"
                  " updated) VALUES(?, ?, ?, ?, ?, ?, ?, 'pending', ?)");
    for (size_t i = 0; i < steps.size(); ++i) {
      const StepRecord& s = steps[i];
      ins.Bind(1, run_)
          .Bind(2, static_cast<int64_t>(i))
          .Bind(3, s.host)
          .Bind(4, s.domain)
          .Bind(5, s.uuid)
          .Bind(6, s.action)
          .Bind(7, s.detail)
          .Bind(8, now)
          .Step();
      ins.Reset();
    }
  });
  std::lock_guard marks(marks_mu_);
  last_flush_ = std::chrono::steady_clock::now();
  return run_;
}

void Journal::Mark(size_t index, StepStatus status, const std::string& error) {
  std::vector<PendingMark> batch;
  {
    std::lock_guard lock(marks_mu_);
    marks_.push_back({index, status, error});
    // Group commits keep thousands of steps a second cheap; a step stays "pending" in the file
    // until written, which is the truth a crashed run can still tell.
    const auto now = std::chrono::steady_clock::now();
    if (marks_.size() < 4096 && now - last_flush_ < std::chrono::milliseconds(200)) return;
    last_flush_ = now;
    batch.swap(marks_);
  }
  std::lock_guard lock(mu_);
  WriteMarks(batch);
}

void Journal::Flush() {
  std::vector<PendingMark> batch;
  {
    std::lock_guard lock(marks_mu_);
    last_flush_ = std::chrono::steady_clock::now();
    batch.swap(marks_);
  }
  std::lock_guard lock(mu_);
  WriteMarks(batch);
}

void Journal::WriteMarks(const std::vector<PendingMark>& marks) {
  if (marks.empty()) return;
  const std::string now = NowUtc();
  Transaction([&] {
    Statement up(db_.get(),
                 "UPDATE steps SET status = ?, error = ?, updated = ? WHERE run = ? AND idx = ?");
    for (const auto& m : marks) {
      up.Bind(1, std::string(EnumName(kStatusNames, m.status)))
          .Bind(2, m.error)
          .Bind(3, now)
          .Bind(4, run_)
          .Bind(5, static_cast<int64_t>(m.index))
          .Step();
      up.Reset();
    }
  });
}

void Journal::FinishRun(const std::string& status) {
  Flush();
  std::lock_guard lock(mu_);
  Statement up(db_.get(), "UPDATE runs SET status = ?, finished = ? WHERE id = ?");
  up.Bind(1, status).Bind(2, NowUtc()).Bind(3, run_).Step();
}

void Journal::RecordHost(const std::string& host, const std::vector<KnownDomain>& domains) {
  std::lock_guard lock(mu_);
  const std::string now = NowUtc();
  Transaction([&] {
    Statement del(db_.get(), "DELETE FROM known_domains WHERE host = ?");
    del.Bind(1, host).Step();
    Statement ins(db_.get(),
                  "INSERT OR REPLACE INTO known_domains(host, uuid, name, workload, replica,"
                  " spec_hash, updated) VALUES(?, ?, ?, ?, ?, ?, ?)");
    for (const auto& d : domains) {
      ins.Bind(1, host)
          .Bind(2, d.uuid)
          .Bind(3, d.name)
          .Bind(4, d.workload)
          .Bind(5, static_cast<int64_t>(d.replica))
          .Bind(6, d.spec_hash)
          .Bind(7, now)
          .Step();
      ins.Reset();
    }
  });
}

std::vector<KnownDomain> Journal::KnownDomains(const std::string& host) {
  std::lock_guard lock(mu_);
  Statement q(db_.get(),
              "SELECT name, uuid, workload, replica, spec_hash FROM known_domains WHERE host = ?"
              " ORDER BY name");
  q.Bind(1, host);
  std::vector<KnownDomain> out;
  while (q.Step()) {
    out.push_back({host, q.Text(0), q.Text(1), q.Text(2), static_cast<int>(q.Int(3)), q.Text(4)});
  }
  return out;
}

std::string Journal::LastRead(const std::string& host) {
  std::lock_guard lock(mu_);
  Statement q(db_.get(), "SELECT max(updated) FROM known_domains WHERE host = ?");
  q.Bind(1, host);
  return q.Step() ? q.Text(0) : "";
}

}  // namespace egov::orchestrator
