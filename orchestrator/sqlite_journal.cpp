#include "orchestrator/sqlite_journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/clock.h"
#include "common/files.h"

namespace egov::orchestrator {
namespace {

std::string NowUtc() { return FormatTimestamp(std::chrono::system_clock::now()); }

// A lock's ID: 16 hex digits, new for every taking.
std::string NewLockId() {
  std::random_device rd;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", rd(), rd());
  return id;
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

}  // namespace

SqliteJournal::SqliteJournal(const std::string& path) : path_(path) {
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
      " finished TEXT, status TEXT, holder TEXT, pid INTEGER, fingerprint TEXT, mode TEXT,"
      " note TEXT);"
      "CREATE TABLE IF NOT EXISTS steps(run INTEGER, idx INTEGER, host TEXT, domain TEXT,"
      " uuid TEXT, action TEXT, detail TEXT, status TEXT, error TEXT, updated TEXT,"
      " PRIMARY KEY(run, idx)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS lock(id INTEGER PRIMARY KEY CHECK(id = 1), holder TEXT,"
      " machine TEXT, pid INTEGER, operation TEXT, since TEXT, token TEXT);"
      "CREATE TABLE IF NOT EXISTS known_domains(host TEXT, uuid TEXT, name TEXT, workload TEXT,"
      " replica INTEGER, spec_hash TEXT, updated TEXT, PRIMARY KEY(host, uuid)) WITHOUT ROWID;");
  AddColumn("runs", "note");
  AddColumn("lock", "token");
}

SqliteJournal::~SqliteJournal() {
  try {
    Flush();
    if (locked_) Unlock();
  } catch (...) {
    // Nothing sensible to do while unwinding; the next run sees a stale lock and takes it.
  }
}

void SqliteJournal::AddColumn(const std::string& table, const std::string& column) {
  Statement q(db_.get(),
              ("SELECT 1 FROM pragma_table_info('" + table + "') WHERE name = ?").c_str());
  q.Bind(1, column);
  if (!q.Step()) Exec("ALTER TABLE " + table + " ADD COLUMN " + column + " TEXT");
}

void SqliteJournal::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("journal " + path_ + ": " + msg);
  }
}

template <typename Body>
void SqliteJournal::Transaction(Body body) {
  Exec("BEGIN IMMEDIATE");
  try {
    body();
    Exec("COMMIT");
  } catch (...) {
    Exec("ROLLBACK");
    throw;
  }
}

std::optional<LockHolder> SqliteJournal::Lock(const std::string& operation,
                                              std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::string machine = ThisMachine();
  for (;;) {
    std::optional<LockHolder> holder;
    {
      std::lock_guard lock(mu_);
      Transaction([&] {
        Statement q(db_.get(), "SELECT holder, machine, pid, operation, since, token FROM lock");
        bool take = true;
        if (q.Step()) {
          LockHolder h{q.Text(0), q.Int(2), q.Text(3), q.Text(4), q.Text(5), q.Text(1)};
          if (h.machine == machine && ProcessGone(h.pid)) {
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
                        "INSERT OR REPLACE INTO lock(id, holder, machine, pid, operation, since,"
                        " token) VALUES(1, ?, ?, ?, ?, ?, ?)");
          ins.Bind(1, ThisHolder())
              .Bind(2, machine)
              .Bind(3, static_cast<int64_t>(::getpid()))
              .Bind(4, operation)
              .Bind(5, NowUtc())
              .Bind(6, NewLockId())
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

void SqliteJournal::Unlock() {
  std::lock_guard lock(mu_);
  Statement del(db_.get(), "DELETE FROM lock WHERE pid = ? AND machine = ?");
  del.Bind(1, static_cast<int64_t>(::getpid())).Bind(2, ThisMachine()).Step();
  locked_ = false;
}

std::optional<LockHolder> SqliteJournal::Holder() {
  std::lock_guard lock(mu_);
  Statement q(db_.get(), "SELECT holder, machine, pid, operation, since, token FROM lock");
  if (!q.Step()) return std::nullopt;
  return LockHolder{q.Text(0), q.Int(2), q.Text(3), q.Text(4), q.Text(5), q.Text(1)};
}

bool SqliteJournal::RemoveLock(const LockHolder& holder) {
  std::lock_guard lock(mu_);
  bool removed = false;
  Transaction([&] {
    Statement del(db_.get(), "DELETE FROM lock WHERE IFNULL(token, '') = ? AND pid = ?");
    del.Bind(1, holder.id).Bind(2, static_cast<int64_t>(holder.pid)).Step();
    removed = sqlite3_changes(db_.get()) > 0;
    if (!removed) return;
    Statement mark(db_.get(),
                   "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND pid = ?");
    mark.Bind(1, static_cast<int64_t>(holder.pid)).Step();
    InsertRun(ForceUnlockRun(holder), {});
  });
  return removed;
}

int64_t SqliteJournal::InsertRun(const RunSummary& r, const std::vector<StepEntry>& steps) {
  Statement run(db_.get(),
                "INSERT INTO runs(id, operation, started, finished, status, holder, pid,"
                " fingerprint, mode, note) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (r.id) run.Bind(1, r.id);  // else NULL: the next id
  run.Bind(2, r.operation)
      .Bind(3, r.started)
      .Bind(4, r.finished)
      .Bind(5, r.status)
      .Bind(6, r.holder)
      .Bind(7, static_cast<int64_t>(r.pid))
      .Bind(8, r.fingerprint)
      .Bind(9, r.mode)
      .Bind(10, r.note)
      .Step();
  const int64_t id = sqlite3_last_insert_rowid(db_.get());
  Statement ins(db_.get(),
                "INSERT INTO steps(run, idx, host, domain, uuid, action, detail, status, error,"
                " updated) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepEntry& s = steps[i];
    ins.Bind(1, id)
        .Bind(2, static_cast<int64_t>(i))
        .Bind(3, s.record.host)
        .Bind(4, s.record.domain)
        .Bind(5, s.record.uuid)
        .Bind(6, s.record.action)
        .Bind(7, s.record.detail)
        .Bind(8, std::string(StatusName(s.status)))
        .Bind(9, s.error)
        .Bind(10, s.updated)
        .Step();
    ins.Reset();
  }
  return id;
}

int64_t SqliteJournal::BeginRun(const std::string& operation, const std::string& fingerprint,
                                const std::string& mode, const std::vector<StepRecord>& steps) {
  const RunSummary run = NewRun(operation, fingerprint, mode);
  std::vector<StepEntry> pending;
  pending.reserve(steps.size());
  for (const StepRecord& s : steps) pending.push_back({s, StepStatus::kPending, "", run.started});
  std::lock_guard lock(mu_);
  Transaction([&] { run_ = InsertRun(run, pending); });
  ResetMarks();
  return run_;
}

void SqliteJournal::WriteMarks(const std::vector<PendingMark>& marks) {
  if (marks.empty()) return;
  std::lock_guard lock(mu_);
  const std::string now = NowUtc();
  Transaction([&] {
    Statement up(db_.get(),
                 "UPDATE steps SET status = ?, error = ?, updated = ? WHERE run = ? AND idx = ?");
    for (const auto& m : marks) {
      up.Bind(1, std::string(StatusName(m.status)))
          .Bind(2, m.error)
          .Bind(3, now)
          .Bind(4, run_)
          .Bind(5, static_cast<int64_t>(m.index))
          .Step();
      up.Reset();
    }
  });
}

void SqliteJournal::FinishRun(const std::string& status) {
  Flush();
  std::lock_guard lock(mu_);
  Statement up(db_.get(), "UPDATE runs SET status = ?, finished = ? WHERE id = ?");
  up.Bind(1, status).Bind(2, NowUtc()).Bind(3, run_).Step();
}

void SqliteJournal::RecordHost(const std::string& host, const std::vector<KnownDomain>& domains) {
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

std::map<std::string, KnownHost> SqliteJournal::KnownHosts(const std::vector<std::string>& hosts) {
  std::lock_guard lock(mu_);
  const std::string columns =
      "SELECT host, name, uuid, workload, replica, spec_hash, updated FROM known_domains";
  Statement q(db_.get(),
              (columns + (hosts.empty() ? " ORDER BY host, name" : " WHERE host = ? ORDER BY name"))
                  .c_str());
  std::map<std::string, KnownHost> out;
  const auto read = [&] {
    while (q.Step()) {
      KnownHost& known = out[q.Text(0)];
      known.read = std::max(known.read, q.Text(6));
      known.domains.push_back(
          {q.Text(0), q.Text(1), q.Text(2), q.Text(3), static_cast<int>(q.Int(4)), q.Text(5)});
    }
    q.Reset();
  };
  if (hosts.empty()) read();
  for (const auto& host : hosts) {
    q.Bind(1, host);
    read();
  }
  return out;
}

std::vector<RunSummary> SqliteJournal::Runs(size_t limit) {
  std::lock_guard lock(mu_);
  Statement q(db_.get(),
              "SELECT id, operation, IFNULL(started, ''), IFNULL(finished, ''), status,"
              " IFNULL(holder, ''), IFNULL(pid, 0), IFNULL(fingerprint, ''), IFNULL(mode, ''),"
              " IFNULL(note, '') FROM runs ORDER BY id DESC LIMIT ?");
  q.Bind(1, static_cast<int64_t>(limit));
  std::vector<RunSummary> out;
  while (q.Step()) {
    out.push_back({q.Int(0),
                   q.Text(1),
                   q.Text(2),
                   q.Text(3),
                   q.Text(4),
                   q.Text(5),
                   q.Int(6),
                   q.Text(7),
                   q.Text(8),
                   q.Text(9),
                   {}});
  }
  Statement counts(db_.get(), "SELECT status, COUNT(*) FROM steps WHERE run = ? GROUP BY status");
  for (auto& r : out) {
    counts.Bind(1, r.id);
    while (counts.Step()) r.steps[counts.Text(0)] = counts.Int(1);
    counts.Reset();
  }
  return out;
}

std::vector<StepEntry> SqliteJournal::Steps(int64_t id) {
  std::lock_guard lock(mu_);
  Statement q(db_.get(),
              "SELECT host, domain, uuid, action, detail, status, IFNULL(error, ''),"
              " IFNULL(updated, '') FROM steps WHERE run = ? ORDER BY idx");
  q.Bind(1, id);
  std::vector<StepEntry> out;
  while (q.Step()) {
    out.push_back({{q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4)},
                   ParseStatus(q.Text(5)).value_or(StepStatus::kPending),
                   q.Text(6),
                   q.Text(7)});
  }
  return out;
}

void SqliteJournal::ImportRun(const RunSummary& r, const std::vector<StepEntry>& steps) {
  std::lock_guard lock(mu_);
  Transaction([&] { InsertRun(r, steps); });
}

}  // namespace egov::orchestrator
