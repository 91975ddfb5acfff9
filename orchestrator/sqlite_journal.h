#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "orchestrator/journal.h"

// The journal in a SQLite file on the operator's machine (WAL mode), the default: tables runs,
// steps, lock and known_domains. The lock is a row; a row left by a process that no longer
// exists on this machine is taken over (its run is marked interrupted).
namespace egov::orchestrator {

class SqliteJournal : public Journal {
 public:
  /// Opens or creates the journal at `path` (directories included). Throws on failure.
  explicit SqliteJournal(const std::string& path);
  ~SqliteJournal() override;

  std::string path() const override { return path_; }
  std::optional<LockHolder> Lock(const std::string& operation,
                                 std::chrono::milliseconds wait) override;
  void Unlock() override;
  std::optional<LockHolder> Holder() override;
  bool RemoveLock(const LockHolder& holder) override;
  int64_t BeginRun(const std::string& operation, const std::string& fingerprint,
                   const std::string& mode, const std::vector<StepRecord>& steps) override;
  void FinishRun(const std::string& status) override;
  void RecordHost(const std::string& host, const std::vector<KnownDomain>& domains) override;
  std::map<std::string, KnownHost> KnownHosts(const std::vector<std::string>& hosts) override;
  std::vector<RunSummary> Runs(size_t limit) override;
  std::vector<StepEntry> Steps(int64_t id) override;
  void ImportRun(const RunSummary& run, const std::vector<StepEntry>& steps) override;

 private:
  struct DbClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  void Exec(const std::string& sql);
  /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back when it throws.
  template <typename Body>
  void Transaction(Body body);
  void WriteMarks(const std::vector<PendingMark>& marks) override;
  /// Inserts `run` (under its id, or a new one when it is 0) with `steps`; returns its id.
  /// Called inside a transaction.
  int64_t InsertRun(const RunSummary& run, const std::vector<StepEntry>& steps);
  /// Adds `column` to `table` when a journal made by an older egovctl lacks it.
  void AddColumn(const std::string& table, const std::string& column);

  std::string path_;
  std::unique_ptr<sqlite3, DbClose> db_;
  std::mutex mu_;  // the database
  int64_t run_ = 0;
  bool locked_ = false;
};

}  // namespace egov::orchestrator
