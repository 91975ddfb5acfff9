#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// The apply journal: every step of every run, the lock that keeps two operators from applying
// at once, and the domains last seen on each host (so that a host that cannot be reached is
// not taken for empty). SQLite in WAL mode; every step is written as pending before it runs
// and marked when it ends, so a run killed at any moment leaves an honest record.
// Thread-safe: one Journal may be used by many apply workers.
namespace egov::orchestrator {

struct LockHolder {
  std::string holder;  ///< user@machine
  long pid = 0;
  std::string operation;  ///< apply, destroy
  std::string since;      ///< UTC time it was taken
};

struct StepRecord {
  std::string host;
  std::string domain;
  std::string uuid;
  std::string action;
  std::string detail;
};

enum class StepStatus { kPending, kDone, kFailed, kSkipped, kUndone };

struct KnownDomain {
  std::string host;
  std::string name;
  std::string uuid;
  std::string workload;
  int replica = 0;
  std::string spec_hash;
};

class Journal {
 public:
  /// Opens or creates the journal at `path` (directories included). Throws on failure.
  explicit Journal(const std::string& path);
  ~Journal();

  /// The default path: $EGOV_JOURNAL, else $XDG_STATE_HOME/egov-cloud/journal.db, else
  /// ~/.local/state/egov-cloud/journal.db.
  static std::string DefaultPath();

  /// Takes the lock for `operation`, waiting up to `wait`. Returns nullopt when taken, or the
  /// holder that kept it. A lock left by a process that no longer exists on this machine is
  /// taken over (the run it belonged to is marked interrupted).
  std::optional<LockHolder> Lock(const std::string& operation, std::chrono::milliseconds wait);
  void Unlock();
  /// Removes the lock whoever holds it; returns the holder it removed.
  std::optional<LockHolder> ForceUnlock();

  /// Starts a run and records all its steps as pending, in one transaction; returns the run id.
  /// Step i of `steps` is then addressed as i.
  int64_t BeginRun(const std::string& operation, const std::string& fingerprint,
                   const std::string& mode, const std::vector<StepRecord>& steps);
  /// Marks step `index` of the current run. Buffered; written at the latest by Flush().
  void Mark(size_t index, StepStatus status, const std::string& error = {});
  void Flush();
  void FinishRun(const std::string& status);

  /// Replaces what is known of the managed domains of `host`.
  void RecordHost(const std::string& host, const std::vector<KnownDomain>& domains);
  std::vector<KnownDomain> KnownDomains(const std::string& host);
  /// When apply last read `host` and recorded its domains (UTC, RFC 3339); empty if never.
  std::string LastRead(const std::string& host);

  const std::string& path() const { return path_; }

 private:
  struct DbClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  void Exec(const std::string& sql);
  /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back when it throws.
  template <typename Body>
  void Transaction(Body body);
  struct PendingMark {
    size_t index;
    StepStatus status;
    std::string error;
  };
  void WriteMarks(const std::vector<PendingMark>& marks);  // with mu_ held

  std::string path_;
  std::unique_ptr<sqlite3, DbClose> db_;
  std::mutex mu_;  // the database
  int64_t run_ = 0;
  bool locked_ = false;
  std::mutex marks_mu_;  // the marks not yet written; workers only ever wait for this one
  std::vector<PendingMark> marks_;
  std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace egov::orchestrator
