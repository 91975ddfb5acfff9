#include "orchestrator/etcd_journal.h"

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <tuple>

#include "common/clock.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator {
namespace {

using nlohmann::json;

// etcd's defaults: at most 128 operations in a transaction (--max-txn-ops) and 1.5 MiB a
// request (--max-request-bytes). Values are Base64 in the JSON, a third bigger.
constexpr size_t kOpsPerTxn = 100;
constexpr size_t kBytesPerTxn = 1u << 20;
constexpr size_t kBytesPerValue = 192u << 10;
constexpr size_t kMaxErrorBytes = 1024;
// Transactions of one write in flight at once (a run's steps at its start).
constexpr size_t kWritersInFlight = 4;

std::string NowUtc() { return FormatTimestamp(std::chrono::system_clock::now()); }

std::string Padded(int64_t n, int width) {
  char b[32];
  std::snprintf(b, sizeof b, "%0*" PRId64, width, n);
  return b;
}

std::string Hex(int64_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%016" PRIx64, static_cast<uint64_t>(n));
  return b;
}

json HolderJson(const LockHolder& h) {
  return {{"holder", h.holder},       {"machine", h.machine}, {"pid", h.pid},
          {"operation", h.operation}, {"since", h.since},     {"id", h.id}};
}

LockHolder ParseHolder(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {"(unreadable lock)", 0, "", "", "", ""};
  return {j.value("holder", ""), j.value("pid", 0L), j.value("operation", ""),
          j.value("since", ""),  j.value("id", ""),  j.value("machine", "")};
}

std::map<std::string, int64_t> Counts(const std::vector<StepStatus>& status) {
  std::map<std::string, int64_t> out;
  for (StepStatus s : status) ++out[StatusName(s)];
  return out;
}

RunSummary ParseHead(const json& j) {
  RunSummary r;
  r.id = j.value("id", int64_t{0});
  r.operation = j.value("operation", "");
  r.started = j.value("started", "");
  r.finished = j.value("finished", "");
  r.status = j.value("status", "");
  r.holder = j.value("holder", "");
  r.pid = j.value("pid", 0L);
  r.fingerprint = j.value("fingerprint", "");
  r.mode = j.value("mode", "");
  r.note = j.value("note", "");
  if (j.contains("counts")) r.steps = j["counts"].get<std::map<std::string, int64_t>>();
  return r;
}

json HeadJson(const RunSummary& r, size_t steps) {
  return {{"id", r.id},           {"operation", r.operation},
          {"started", r.started}, {"finished", r.finished},
          {"status", r.status},   {"holder", r.holder},
          {"pid", r.pid},         {"fingerprint", r.fingerprint},
          {"mode", r.mode},       {"note", r.note},
          {"steps", steps}};
}

// The step records as values of at most kBytesPerValue, keyed by their first index.
std::vector<std::pair<size_t, std::string>> StepChunks(const std::vector<StepRecord>& steps) {
  std::vector<std::pair<size_t, std::string>> out;
  json chunk = json::array();
  size_t first = 0, bytes = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepRecord& s = steps[i];
    json row = {s.host, s.domain, s.uuid, s.action, s.detail};
    bytes += row.dump().size();
    chunk.push_back(std::move(row));
    if (bytes >= kBytesPerValue || i + 1 == steps.size()) {
      out.emplace_back(first, chunk.dump());
      chunk = json::array();
      first = i + 1;
      bytes = 0;
    }
  }
  return out;
}

// Marks as values of at most kBytesPerValue: {"updated": T, "marks": [[index, status, error]]}.
std::vector<std::string> MarkValues(
    const std::vector<std::tuple<size_t, StepStatus, std::string>>& marks,
    const std::string& updated) {
  std::vector<std::string> out;
  json list = json::array();
  size_t bytes = 0;
  for (size_t i = 0; i < marks.size(); ++i) {
    const auto& [index, status, error] = marks[i];
    json m = {index, StatusName(status), error.substr(0, kMaxErrorBytes)};
    bytes += m.dump().size();
    list.push_back(std::move(m));
    if (bytes >= kBytesPerValue || i + 1 == marks.size()) {
      out.push_back(json{{"updated", updated}, {"marks", list}}.dump());
      list = json::array();
      bytes = 0;
    }
  }
  return out;
}

// A host's record: {"updated": T, "domains": [[name, uuid, workload, replica, spec_hash]]}.
KnownHost ParseHost(const std::string& host, const std::string& text) {
  KnownHost out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  out.read = j.value("updated", "");
  for (const auto& d : j.value("domains", json::array())) {
    if (!d.is_array() || d.size() != 5) continue;
    out.domains.push_back({host, d[0].get<std::string>(), d[1].get<std::string>(),
                           d[2].get<std::string>(), d[3].get<int>(), d[4].get<std::string>()});
  }
  return out;
}

// The keys of `keys` that exist, read a transaction of gets at a time.
std::vector<etcd::KeyValue> Gets(etcd::Client& client, const std::vector<std::string>& keys) {
  std::vector<etcd::KeyValue> out;
  for (size_t i = 0; i < keys.size(); i += kOpsPerTxn) {
    json gets = json::array();
    for (size_t k = i; k < std::min(keys.size(), i + kOpsPerTxn); ++k) {
      gets.push_back(etcd::Client::Get(keys[k]));
    }
    for (const auto& resp : client.Txn(json::array(), gets).responses) {
      const json range = resp.value("response_range", json::object());
      for (const auto& kv : range.value("kvs", json::array())) {
        out.push_back(etcd::ParseKeyValue(kv));
      }
    }
  }
  return out;
}

}  // namespace

EtcdJournal::EtcdJournal(etcd::ClientOptions client, std::string prefix,
                         std::chrono::seconds lock_ttl)
    : client_(std::move(client)), prefix_(std::move(prefix)), ttl_wanted_(lock_ttl) {}

EtcdJournal::~EtcdJournal() {
  try {
    if (lock_rev_ && !lost_) {
      Flush();
      if (auto ops = HostOps(); !ops.empty()) Write(ops);
    }
  } catch (...) {
    // Unwinding (a lost lock, etcd gone): the next holder marks the run interrupted.
  }
  try {
    Unlock();
  } catch (...) {
    // The lease then ends the lock by itself within its TTL.
  }
}

std::string EtcdJournal::path() const { return client_.Describe() + prefix_; }

std::string EtcdJournal::RunKey(int64_t id) const { return prefix_ + "runs/" + Padded(id, 16); }

int64_t EtcdJournal::LastRun() {
  const auto kvs = client_.Range(prefix_ + "last-run");
  return kvs.empty() ? 0 : std::stoll(kvs[0].value);
}

void EtcdJournal::Lose(const std::string& why) {
  {
    std::lock_guard lock(lost_mu_);
    if (!lost_) lost_why_ = why;
    lost_ = true;
  }
  ka_cv_.notify_all();
  std::lock_guard lock(lost_mu_);
  throw LockLost("lost the lock on " + path() + " (lock ID " + lock_id_ + "): " + lost_why_ +
                 "; stopped before changing anything more (see 'egovctl history')");
}

void EtcdJournal::Fence() {
  if (!lock_rev_) return;
  if (lost_) Lose("");
  if (Clock::now().time_since_epoch().count() >= valid_until_) {
    Lose("no keepalive reached etcd within the lease's " + std::to_string(ttl_.count()) +
         " s, so it may have expired (was this process stopped, or etcd unreachable?)");
  }
}

std::optional<LockHolder> EtcdJournal::Lock(const std::string& operation,
                                            std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  const std::string key = prefix_ + "lock";
  for (;;) {
    int64_t ttl = 0;
    const auto sent = Clock::now();
    const int64_t lease = client_.Grant(ttl_wanted_, &ttl);
    LockHolder me{ThisHolder(), static_cast<long>(::getpid()), operation, NowUtc(), Hex(lease),
                  ThisMachine()};
    const auto r = client_.Txn(json::array({etcd::Client::CreateRevisionIs(key, 0)}),
                               json::array({etcd::Client::Put(key, HolderJson(me).dump(), lease)}),
                               json::array({etcd::Client::Get(key)}));
    etcd::KeyValue held;
    if (!r.succeeded) {
      const json kvs =
          r.responses.at(0).value("response_range", json::object()).value("kvs", json::array());
      if (!kvs.empty()) held = etcd::ParseKeyValue(kvs[0]);
    }
    if (r.succeeded || (held.lease == lease && lease)) {  // a retried request that had succeeded
      lease_ = lease;
      ttl_ = std::chrono::seconds(ttl);
      lock_rev_ = r.succeeded ? r.revision : held.create_revision;
      lock_id_ = me.id;
      lost_ = false;
      valid_until_ = (sent + ttl_ - ttl_ / 10).time_since_epoch().count();
      stop_ = false;
      keepalive_ = std::thread([this] { KeepAlive(); });
      if (auto ops = InterruptLastRun(LastRun()); !ops.empty()) Write(ops);
      return std::nullopt;
    }
    try {
      client_.Revoke(lease);
    } catch (const etcd::Error&) {
      // It expires by itself.
    }
    if (held.key.empty()) continue;  // deleted meanwhile: try again
    const LockHolder holder = ParseHolder(held.value);
    if (Clock::now() >= deadline ||
        client_.WaitForDelete(key, r.revision, deadline) == etcd::WatchEnd::kTimedOut) {
      return holder;
    }
  }
}

void EtcdJournal::KeepAlive() {
  const auto interval = std::chrono::duration_cast<Clock::duration>(ttl_) / 3;
  std::unique_lock lock(ka_mu_);
  while (!stop_ && !lost_) {
    ka_cv_.wait_for(lock, interval, [&] { return stop_ || lost_.load(); });
    if (stop_ || lost_) return;
    lock.unlock();
    const auto sent = Clock::now();
    try {
      if (client_.KeepAlive(lease_) <= 0) {
        Lose("its lease expired");
      }
      const auto kvs = client_.Range(prefix_ + "lock");
      if (kvs.empty() || kvs[0].create_revision != lock_rev_) {
        Lose("the lock was removed (egovctl force-unlock) or taken by another operator");
      }
      valid_until_ = (sent + ttl_ - ttl_ / 10).time_since_epoch().count();
    } catch (const LockLost&) {
      return;
    } catch (const std::exception& e) {
      if (Clock::now().time_since_epoch().count() >= valid_until_) {
        try {
          Lose(std::string("etcd could not renew the lease in time: ") + e.what());
        } catch (const LockLost&) {
          return;
        }
      }
    }
    lock.lock();
  }
}

void EtcdJournal::StopKeepAlive() {
  {
    std::lock_guard lock(ka_mu_);
    stop_ = true;
  }
  ka_cv_.notify_all();
  if (keepalive_.joinable()) keepalive_.join();
}

void EtcdJournal::Unlock() {
  StopKeepAlive();
  if (!lock_rev_) return;
  const int64_t rev = lock_rev_, lease = lease_;
  lock_rev_ = 0;
  lease_ = 0;
  if (lost_) return;  // whoever holds it now is not to be disturbed
  client_.Txn(json::array({etcd::Client::CreateRevisionIs(prefix_ + "lock", rev)}),
              json::array({etcd::Client::Delete(prefix_ + "lock")}));
  client_.Revoke(lease);
}

std::optional<LockHolder> EtcdJournal::Holder() {
  const auto kvs = client_.Range(prefix_ + "lock");
  if (kvs.empty()) return std::nullopt;
  return ParseHolder(kvs[0].value);
}

std::vector<json> EtcdJournal::InterruptLastRun(int64_t last) {
  if (!last) return {};
  const auto kvs = client_.Range(RunKey(last));
  if (kvs.empty()) return {};
  json head = json::parse(kvs[0].value, nullptr, false);
  if (!head.is_object() || head.value("status", "") != "running") return {};
  head["status"] = "interrupted";
  return {etcd::Client::Put(kvs[0].key, head.dump())};
}

bool EtcdJournal::RemoveLock(const LockHolder& holder) {
  const std::string key = prefix_ + "lock";
  const auto kvs = client_.Range(key);
  if (kvs.empty() || ParseHolder(kvs[0].value).id != holder.id) return false;
  const int64_t last = LastRun();
  std::vector<json> ops = InterruptLastRun(last);
  ops.push_back(etcd::Client::Delete(key));
  RunSummary rec = ForceUnlockRun(holder);
  rec.id = last + 1;
  ops.push_back(etcd::Client::Put(RunKey(rec.id), HeadJson(rec, 0).dump()));
  ops.push_back(etcd::Client::Put(prefix_ + "last-run", std::to_string(rec.id)));
  const auto r = client_.Txn(
      json::array({etcd::Client::CreateRevisionIs(key, kvs[0].create_revision)}), json(ops));
  if (!r.succeeded) return false;
  try {
    client_.Revoke(static_cast<int64_t>(std::stoull(holder.id, nullptr, 16)));
  } catch (const std::exception&) {
    // Gone already, or not a lease of ours: the key is deleted all the same.
  }
  return true;
}

void EtcdJournal::Write(const std::vector<json>& ops) {
  Fence();
  if (!lock_rev_) throw LockLost("the journal on " + path() + " is written only under its lock");
  std::vector<json> txns;
  json current = json::array();
  size_t bytes = 0;
  for (const auto& op : ops) {
    const size_t n = op.dump().size();
    if (!current.empty() && (current.size() >= kOpsPerTxn || bytes + n > kBytesPerTxn)) {
      txns.push_back(std::move(current));
      current = json::array();
      bytes = 0;
    }
    current.push_back(op);
    bytes += n;
  }
  if (!current.empty()) txns.push_back(std::move(current));
  const json fence = json::array({etcd::Client::CreateRevisionIs(prefix_ + "lock", lock_rev_)});
  std::atomic<bool> refused{false};
  try {
    ParallelFor(txns.size(), kWritersInFlight, [&](size_t i) {
      if (refused) return;
      if (!client_.Txn(fence, txns[i]).succeeded) refused = true;
    });
  } catch (const etcd::Error& e) {
    Lose(std::string("cannot write the journal: ") + e.what());
  }
  if (refused) Lose("another operator holds it now (this process's lease expired)");
}

int64_t EtcdJournal::BeginRun(const std::string& operation, const std::string& fingerprint,
                              const std::string& mode, const std::vector<StepRecord>& steps) {
  std::lock_guard lock(write_mu_);
  RunSummary r = NewRun(operation, fingerprint, mode);
  r.id = LastRun() + 1;
  std::vector<json> ops = {etcd::Client::Put(prefix_ + "last-run", std::to_string(r.id))};
  head_ = HeadJson(r, steps.size());
  ops.push_back(etcd::Client::Put(RunKey(r.id), head_.dump()));
  if (r.id > kKeepRuns) {  // the older runs, with their steps and marks
    ops.push_back(etcd::Client::Delete(prefix_ + "runs/", RunKey(r.id - kKeepRuns + 1)));
  }
  for (auto& [first, value] : StepChunks(steps)) {
    ops.push_back(etcd::Client::Put(RunKey(r.id) + "/steps/" + Padded(int64_t(first), 8), value));
  }
  Write(ops);
  run_ = r.id;
  seq_ = 0;
  status_.assign(steps.size(), StepStatus::kPending);
  ResetMarks();
  return run_;
}

void EtcdJournal::WriteMarks(const std::vector<PendingMark>& marks) {
  if (!run_) return;
  std::vector<std::tuple<size_t, StepStatus, std::string>> list;
  for (const auto& m : marks) {
    list.emplace_back(m.index, m.status, m.error);
    if (m.index < status_.size()) status_[m.index] = m.status;
  }
  std::vector<json> ops;
  for (auto& value : MarkValues(list, NowUtc())) {
    ops.push_back(etcd::Client::Put(RunKey(run_) + "/marks/" + Padded(seq_++, 8), value));
  }
  Write(ops);
}

std::vector<json> EtcdJournal::HostOps() {
  std::map<std::string, KnownHost> hosts;
  {
    std::lock_guard lock(hosts_mu_);
    hosts.swap(hosts_);
  }
  std::vector<json> ops;
  for (const auto& [host, known] : hosts) {
    json list = json::array();
    for (const auto& d : known.domains) {
      list.push_back({d.name, d.uuid, d.workload, d.replica, d.spec_hash});
    }
    const json value = {{"updated", known.read}, {"domains", std::move(list)}};
    ops.push_back(etcd::Client::Put(prefix_ + "hosts/" + host, value.dump()));
  }
  return ops;
}

void EtcdJournal::FinishRun(const std::string& status) {
  Flush();
  std::lock_guard lock(write_mu_);
  std::vector<json> ops = HostOps();
  if (run_) {
    head_["status"] = status;
    head_["finished"] = NowUtc();
    head_["counts"] = Counts(status_);
    ops.push_back(etcd::Client::Put(RunKey(run_), head_.dump()));
  }
  Write(ops);
}

void EtcdJournal::RecordHost(const std::string& host, const std::vector<KnownDomain>& domains) {
  {
    std::lock_guard lock(hosts_mu_);
    hosts_[host] = {NowUtc(), domains};
    // During a run, a transaction's worth at a time: apply records its hosts from many threads,
    // so the others go on reading theirs while one is written.
    if (run_ && hosts_.size() < kOpsPerTxn) return;
  }
  std::lock_guard lock(write_mu_);
  if (auto ops = HostOps(); !ops.empty()) Write(ops);
}

std::map<std::string, KnownHost> EtcdJournal::KnownHosts(const std::vector<std::string>& hosts) {
  const std::string base = prefix_ + "hosts/";
  std::vector<std::string> keys;
  for (const auto& host : hosts) keys.push_back(base + host);
  std::map<std::string, KnownHost> out;
  for (const auto& kv : hosts.empty() ? client_.RangePrefix(base) : Gets(client_, keys)) {
    const std::string host = kv.key.substr(base.size());
    out[host] = ParseHost(host, kv.value);
  }
  return out;
}

std::vector<RunSummary> EtcdJournal::Runs(size_t limit) {
  std::vector<RunSummary> out;
  // Newest first, a transaction of gets at a time, until `limit` or a batch finds none (the
  // runs before it were deleted).
  for (int64_t id = LastRun(); id > 0 && out.size() < limit;) {
    std::vector<std::string> keys;
    for (; id > 0 && keys.size() < kOpsPerTxn && out.size() + keys.size() < limit; --id) {
      keys.push_back(RunKey(id));
    }
    const auto heads = Gets(client_, keys);
    for (const auto& kv : heads) {
      const json head = json::parse(kv.value, nullptr, false);
      if (head.is_object()) out.push_back(ParseHead(head));
    }
    if (heads.empty()) break;
  }
  for (auto& r : out) {
    if (!r.steps.empty()) continue;  // a run that did not finish: counted from its steps
    for (const auto& e : Steps(r.id)) ++r.steps[StatusName(e.status)];
  }
  return out;
}

std::vector<StepEntry> EtcdJournal::Steps(int64_t id) {
  const std::string base = RunKey(id) + "/";
  std::vector<StepEntry> out;
  std::vector<json> marks;  // in key order = the order they were written
  std::string started;
  if (const auto head = client_.Range(RunKey(id)); !head.empty()) {
    started = json::parse(head[0].value, nullptr, false).value("started", "");
  }
  for (const auto& kv : client_.RangePrefix(base)) {
    const std::string rest = kv.key.substr(base.size());
    const json j = json::parse(kv.value, nullptr, false);
    if (rest.rfind("marks/", 0) == 0) {
      marks.push_back(j);
    } else if (rest.rfind("steps/", 0) == 0 && j.is_array()) {
      const size_t first = std::stoull(rest.substr(6));
      if (out.size() < first + j.size()) out.resize(first + j.size());
      for (size_t i = 0; i < j.size(); ++i) {
        const json& s = j[i];
        out[first + i].record = {s.at(0).get<std::string>(), s.at(1).get<std::string>(),
                                 s.at(2).get<std::string>(), s.at(3).get<std::string>(),
                                 s.at(4).get<std::string>()};
        out[first + i].updated = started;
      }
    }
  }
  for (const auto& batch : marks) {
    if (!batch.is_object()) continue;
    const std::string updated = batch.value("updated", "");
    for (const auto& m : batch.value("marks", json::array())) {
      const size_t index = m.at(0).get<size_t>();
      if (index >= out.size()) continue;
      out[index].status = ParseStatus(m.at(1).get<std::string>()).value_or(StepStatus::kPending);
      out[index].error = m.at(2).get<std::string>();
      out[index].updated = updated;
    }
  }
  return out;
}

void EtcdJournal::ImportRun(const RunSummary& run, const std::vector<StepEntry>& steps) {
  std::lock_guard lock(write_mu_);
  std::vector<StepRecord> records;
  std::vector<StepStatus> status;
  for (const auto& s : steps) {
    records.push_back(s.record);
    status.push_back(s.status);
  }
  json head = HeadJson(run, steps.size());
  head["counts"] = Counts(status);
  std::vector<json> ops = {etcd::Client::Put(RunKey(run.id), head.dump())};
  if (run.id > LastRun())
    ops.push_back(etcd::Client::Put(prefix_ + "last-run", std::to_string(run.id)));
  for (auto& [first, value] : StepChunks(records)) {
    ops.push_back(etcd::Client::Put(RunKey(run.id) + "/steps/" + Padded(int64_t(first), 8), value));
  }
  // One group of marks per time of update, in order.
  int64_t seq = 0;
  for (size_t i = 0; i < steps.size();) {
    std::vector<std::tuple<size_t, StepStatus, std::string>> group;
    const std::string updated = steps[i].updated;
    for (; i < steps.size() && steps[i].updated == updated; ++i) {
      if (steps[i].status != StepStatus::kPending)
        group.emplace_back(i, steps[i].status, steps[i].error);
    }
    if (group.empty()) continue;
    for (auto& value : MarkValues(group, updated)) {
      ops.push_back(etcd::Client::Put(RunKey(run.id) + "/marks/" + Padded(seq++, 8), value));
    }
  }
  Write(ops);
}

}  // namespace egov::orchestrator
