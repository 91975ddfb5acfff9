#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/etcd.h"
#include "orchestrator/journal.h"

// The journal on an etcd cluster shared by every operator of a fleet (docs/orchestrator.md,
// "Journal and lock"). Keys under the prefix:
//   lock                          the holder (JSON), attached to its lease
//   last-run                      the id of the newest run
//   runs/<id>                     a run's head (JSON: operation, times, status, holder, counts)
//   runs/<id>/steps/<first>       its steps from index <first>, as pending (JSON array)
//   runs/<id>/marks/<seq>         the marks of one group commit, applied in order
//   hosts/<host>                  the managed domains last seen on a host (during a run, written
//                                 100 hosts a transaction as apply records them, the rest at
//                                 its end)
// The lock is a key created in a transaction only while it does not exist, attached to a lease
// kept alive by a thread; every write is a transaction conditioned on the lock key still having
// the create revision this process made it with (fencing), so a holder that lost it writes
// nothing. Runs older than the newest kKeepRuns are deleted when a run begins.
namespace egov::orchestrator {

class EtcdJournal : public Journal {
 public:
  static constexpr int64_t kKeepRuns = 100;

  EtcdJournal(etcd::ClientOptions client, std::string prefix, std::chrono::seconds lock_ttl);
  ~EtcdJournal() override;

  std::string path() const override;
  std::optional<LockHolder> Lock(const std::string& operation,
                                 std::chrono::milliseconds wait) override;
  void Unlock() override;
  std::optional<LockHolder> Holder() override;
  bool RemoveLock(const LockHolder& holder) override;
  void Fence() override;
  int64_t BeginRun(const std::string& operation, const std::string& fingerprint,
                   const std::string& mode, const std::vector<StepRecord>& steps) override;
  void FinishRun(const std::string& status) override;
  void RecordHost(const std::string& host, const std::vector<KnownDomain>& domains) override;
  std::map<std::string, KnownHost> KnownHosts(const std::vector<std::string>& hosts) override;
  std::vector<RunSummary> Runs(size_t limit) override;
  std::vector<StepEntry> Steps(int64_t id) override;
  void ImportRun(const RunSummary& run, const std::vector<StepEntry>& steps) override;

 private:
  using Clock = std::chrono::steady_clock;
  void WriteMarks(const std::vector<PendingMark>& marks) override;
  /// Writes `ops` in transactions fenced by the lock (within etcd's limits on operations and
  /// bytes per request); throws LockLost and writes nothing more once the lock is gone.
  void Write(const std::vector<nlohmann::json>& ops);
  [[noreturn]] void Lose(const std::string& why);
  void KeepAlive();
  void StopKeepAlive();
  std::string RunKey(int64_t id) const;
  int64_t LastRun();
  /// The put of a head of a run that was `running` and whose holder is gone, as interrupted.
  std::vector<nlohmann::json> InterruptLastRun(int64_t last);
  std::vector<nlohmann::json> HostOps();

  etcd::Client client_;
  std::string prefix_;
  std::chrono::seconds ttl_wanted_;

  // The lock this process holds (lock_rev_ != 0).
  int64_t lease_ = 0;
  std::chrono::seconds ttl_{0};
  int64_t lock_rev_ = 0;
  std::string lock_id_;
  std::atomic<bool> lost_{false};
  std::atomic<int64_t> valid_until_{0};  // steady_clock ticks: the lease surely lives until then
  std::mutex lost_mu_;
  std::string lost_why_;
  std::thread keepalive_;
  std::mutex ka_mu_;
  std::condition_variable ka_cv_;
  bool stop_ = false;

  // The current run (written under write_mu_).
  int64_t run_ = 0;
  nlohmann::json head_;
  int64_t seq_ = 0;
  std::vector<StepStatus> status_;
  std::mutex hosts_mu_;
  std::map<std::string, KnownHost> hosts_;  // recorded, not yet written
};

}  // namespace egov::orchestrator
