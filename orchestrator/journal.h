#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// The apply journal: every step of every run, the lock that keeps two operators from applying
// at once, and the domains last seen on each host (so that a host that cannot be reached is
// not taken for empty). Two stores keep it (docs/orchestrator.md, "Journal and lock"): a SQLite
// file on the operator's machine (sqlite_journal.h, the default) and an etcd cluster shared by
// every operator of a fleet (etcd_journal.h). Every step is written as pending before it runs
// and marked when it ends, so a run killed at any moment leaves an honest record.
// Thread-safe: one Journal may be used by many apply workers.
namespace egov::orchestrator {

struct LockHolder {
  std::string holder;  ///< user@machine
  long pid = 0;
  std::string operation;  ///< apply, destroy
  std::string since;      ///< UTC time it was taken
  std::string id;         ///< the lock's ID, which force-unlock names
  std::string machine;    ///< where the holder runs
};

struct StepRecord {
  std::string host;
  std::string domain;
  std::string uuid;
  std::string action;
  std::string detail;
};

enum class StepStatus { kPending, kDone, kFailed, kSkipped, kUndone };
/// pending, done, failed, skipped, undone (as the journal stores them).
const char* StatusName(StepStatus status);
std::optional<StepStatus> ParseStatus(const std::string& name);

struct KnownDomain {
  std::string host;
  std::string name;
  std::string uuid;
  std::string workload;
  int replica = 0;
  std::string spec_hash;
};

/// What apply last saw of a host's managed domains.
struct KnownHost {
  std::string read;  ///< when apply read the host and recorded them (UTC, RFC 3339); "" if never
  std::vector<KnownDomain> domains;
};

/// A step as the journal holds it.
struct StepEntry {
  StepRecord record;
  StepStatus status = StepStatus::kPending;
  std::string error;
  std::string updated;
};

/// A run as `egovctl history` shows it.
struct RunSummary {
  int64_t id = 0;
  std::string operation;
  std::string started;
  std::string finished;
  std::string status;  ///< running, done, failed, rolled-back, interrupted
  std::string holder;
  long pid = 0;
  std::string fingerprint;
  std::string mode;
  std::string note;                      ///< force-unlock: whose lock it removed
  std::map<std::string, int64_t> steps;  ///< status name -> count
};

/// The holder lost its lock (its lease expired while it was stopped, or etcd could not be
/// reached, or someone forced it open): it must change nothing more.
class LockLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where the journal is and how to reach it (--state and its companions).
struct StateOptions {
  std::string url;                      ///< PATH, sqlite://PATH or etcd://HOST:PORT[,...]
  std::string prefix = "/egov-cloud/";  ///< etcd: every key under it
  std::string cacert, cert, key;        ///< etcd: TLS
  std::chrono::seconds lock_ttl{10};    ///< etcd: the lease that holds the lock
};

class Journal {
 public:
  virtual ~Journal() = default;

  /// The default path: $EGOV_JOURNAL, else $XDG_STATE_HOME/egov-cloud/journal.db, else
  /// ~/.local/state/egov-cloud/journal.db.
  static std::string DefaultPath();

  /// The journal's location: a file path, or etcd://ENDPOINTS with its key prefix.
  virtual std::string path() const = 0;

  /// Takes the lock for `operation`, waiting up to `wait`. Returns nullopt when taken, or the
  /// holder that kept it.
  virtual std::optional<LockHolder> Lock(const std::string& operation,
                                         std::chrono::milliseconds wait) = 0;
  virtual void Unlock() = 0;
  /// Who holds the lock now.
  virtual std::optional<LockHolder> Holder() = 0;
  /// Removes the lock when `holder` (as Holder() gave it) still holds it, marks its running run
  /// interrupted and records the removal as a run of its own; false when the lock changed.
  virtual bool RemoveLock(const LockHolder& holder) = 0;
  /// Throws LockLost when this process no longer holds the lock it took: called before every
  /// change to a host. Free: it asks nothing of the store.
  virtual void Fence() {}

  /// Starts a run and records all its steps as pending; returns the run id. Step i of `steps`
  /// is then addressed as i.
  virtual int64_t BeginRun(const std::string& operation, const std::string& fingerprint,
                           const std::string& mode, const std::vector<StepRecord>& steps) = 0;
  /// Marks step `index` of the current run. Buffered; written at the latest by Flush().
  void Mark(size_t index, StepStatus status, const std::string& error = {});
  void Flush();
  virtual void FinishRun(const std::string& status) = 0;

  /// Replaces what is known of the managed domains of `host`.
  virtual void RecordHost(const std::string& host, const std::vector<KnownDomain>& domains) = 0;
  /// What is known of each of `hosts` (of every host the journal knows when `hosts` is empty),
  /// read at once; a host never recorded is absent.
  virtual std::map<std::string, KnownHost> KnownHosts(const std::vector<std::string>& hosts) = 0;
  std::vector<KnownDomain> KnownDomains(const std::string& host);

  /// The last `limit` runs, newest first.
  virtual std::vector<RunSummary> Runs(size_t limit) = 0;
  /// The steps of run `id`, in order.
  virtual std::vector<StepEntry> Steps(int64_t id) = 0;
  /// Copies a run of another journal (state migrate), under this journal's lock.
  virtual void ImportRun(const RunSummary& run, const std::vector<StepEntry>& steps) = 0;

 protected:
  struct PendingMark {
    size_t index;
    StepStatus status;
    std::string error;
  };
  /// A new run of this process, `running` since now.
  static RunSummary NewRun(const std::string& operation, const std::string& fingerprint,
                           const std::string& mode);
  /// The run that records a force-unlock of `holder`'s lock (done at once).
  static RunSummary ForceUnlockRun(const LockHolder& holder);
  /// Writes marks of the current run; called with write_mu_ held.
  virtual void WriteMarks(const std::vector<PendingMark>& marks) = 0;
  /// Starts the buffering of a new run's marks.
  void ResetMarks();

  std::mutex write_mu_;  // one writer at a time

 private:
  std::mutex marks_mu_;  // the marks not yet written; workers only ever wait for this one
  std::vector<PendingMark> marks_;
  std::chrono::steady_clock::time_point last_flush_{};
};

/// Opens the journal `options` names (`create`: a SQLite file that does not exist yet is made;
/// otherwise nullptr for it). Throws ConfigError on a bad URL, std::runtime_error when the store
/// cannot be opened.
std::unique_ptr<Journal> OpenJournal(const StateOptions& options, bool create);

/// user@machine of this process, and the machine alone.
std::string ThisHolder();
std::string ThisMachine();
/// True when `pid` is known not to run on this machine.
bool ProcessGone(long pid);

}  // namespace egov::orchestrator
