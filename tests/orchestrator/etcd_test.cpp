// egovctl's journal and lock on a real 3-member etcd cluster on loopback (label "etcd"):
// the store's semantics in process, then egovctl applies in processes of their own, frozen
// (SIGSTOP), killed (SIGKILL), with an etcd member killed or the whole cluster stopped.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/libvirt.h"
#include "orchestrator/cli.h"
#include "orchestrator/etcd.h"
#include "orchestrator/etcd_journal.h"
#include "orchestrator/sqlite_journal.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace egov::testing;  // the plumbing every test shares (tests/support)
using std::chrono::milliseconds;
using std::chrono::seconds;

// What apply and destroy need to run without a terminal; issue 19's --auto-approve goes here.
const std::vector<std::string> kApprove = {"--auto-approve"};

// Waits until `done()` holds (a condition of the store or the hosts, polled), at most `limit`.
bool WaitUntil(const std::function<bool()>& done, seconds limit = seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// Waits until `child` holds the lock, as `probe` sees it.
bool WaitForHolder(Journal& probe, const Child& child) {
  return WaitUntil([&] {
    const auto h = probe.Holder();
    return h && h->pid == child.pid();
  });
}

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = EtcdCluster::Unavailable(tls_); !why.empty()) GTEST_SKIP() << why;
    cluster_ = std::make_unique<EtcdCluster>(3, fs::path(), tls_);
    ASSERT_TRUE(cluster_->Start()) << cluster_->error();
    sim_ = (dir_ / "sim").string();
    ::setenv("EGOV_SIM_DIR", sim_.c_str(), 1);
  }
  void TearDown() override { ::unsetenv("EGOV_SIM_DIR"); }

  StateOptions State(seconds ttl = seconds(10)) const {
    StateOptions s;
    s.url = cluster_->Url();
    s.lock_ttl = ttl;
    if (tls_) {
      s.cacert = cluster_->ca();
      s.cert = cluster_->client_cert();
      s.key = cluster_->client_key();
    }
    return s;
  }
  std::unique_ptr<Journal> Open(seconds ttl = seconds(10)) const {
    return OpenJournal(State(ttl), true);
  }

  // One provider, up to 10 zones, `hosts` hosts; `workloads` workloads of `replicas` diskless
  // replicas each.
  void WriteFleet(size_t hosts, size_t workloads, size_t replicas) {
    std::ostringstream inv;
    inv << "kind: Provider\nname: fleet\ndisplay_name: Fleet\ncertification: {scheme: s, "
           "certificate: c, issued: 2024-01-01, expires: 2030-01-01, max_security_level: 5}\n"
           "residency: VN\nzones:\n";
    const size_t zones = std::min<size_t>(10, hosts);
    for (size_t z = 0; z < zones; ++z) {
      inv << "  - name: z" << z << "\n    hosts:\n";
      for (size_t h = z; h < hosts; h += zones) {
        inv << "      - {name: h" << h << ", uri: \"test://${EGOV_SIM_DIR}/h" << h
            << ".xml\", capacity: {vcpus: 512, memory: 2Ti, disk: 100Ti}}\n";
      }
    }
    for (size_t w = 0; w < workloads; ++w) {
      inv << "---\nkind: Workload\nname: w" << w << "\nagency: \"Bộ Tài chính\"\nsystem: s" << w
          << "\nsecurity_level: 1\nreplicas: " << replicas
          << "\nresources: {vcpus: 1, memory: 64Mi}\n";
    }
    dir_.Write("in/fleet.yaml", inv.str());
    expected_ = workloads * replicas;
  }

  // egovctl COMMAND as an operator types it against the cluster, in a process of its own.
  std::vector<std::string> Egovctl(const std::string& command, std::vector<std::string> extra,
                                   seconds ttl = seconds(10)) const {
    std::vector<std::string> argv = {EGOVCTL_PATH,
                                     command,
                                     "-q",
                                     "-f",
                                     (dir_ / "in").string(),
                                     "--state",
                                     cluster_->Url(),
                                     "--lock-ttl",
                                     std::to_string(ttl.count()) + "s"};
    if (command == "apply" || command == "destroy") {
      argv.insert(argv.end(), kApprove.begin(), kApprove.end());
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  CliRun Run(const std::string& command, std::vector<std::string> extra = {},
             seconds ttl = seconds(10)) const {
    return egov::testing::RunProcess(Egovctl(command, std::move(extra), ttl), "", seconds(240));
  }
  std::unique_ptr<Child> Spawn(const std::string& command, const std::string& log,
                               std::vector<std::string> extra = {},
                               seconds ttl = seconds(10)) const {
    return std::make_unique<Child>(Egovctl(command, std::move(extra), ttl), dir_ / log);
  }

  // Managed domains on the simulated hosts: name -> how many hosts have it.
  std::map<std::string, int> Domains() const {
    std::map<std::string, int> out;
    if (!fs::exists(sim_)) return out;
    for (const auto& entry : fs::directory_iterator(sim_)) {
      if (entry.path().extension() != ".xml") continue;
      auto conn = libvirt::Connection::Open("test://" + entry.path().string());
      for (const auto& dom : conn->ListAllDomains()) ++out[libvirt::GetDomainInfo(dom.get()).name];
    }
    return out;
  }
  // Every replica exactly once.
  void ExpectConverged() const {
    const auto domains = Domains();
    EXPECT_EQ(domains.size(), expected_);
    for (const auto& [name, n] : domains) EXPECT_EQ(n, 1) << name << " runs " << n << " times";
  }
  // The bytes of every host file, to see whether anyone wrote one.
  std::string HostFiles() const {
    std::string all;
    if (!fs::exists(sim_)) return all;
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::directory_iterator(sim_)) {
      files[entry.path().filename()] = Sha256Hex(egov::testing::ReadFile(entry.path()));
    }
    for (const auto& [name, digest] : files) all += name + " " + digest + "\n";
    return all;
  }
  // The store's revision: it moves with every write, and only with writes.
  int64_t Revision() const {
    etcd::ClientOptions o;
    const StateOptions s = State();
    o.cacert = s.cacert;
    o.cert = s.cert;
    o.key = s.key;
    const std::string url = cluster_->Url().substr(7);
    for (size_t start = 0, comma; start <= url.size(); start = comma + 1) {
      comma = url.find(',', start);
      o.endpoints.push_back(url.substr(start, comma - start));
      if (comma == std::string::npos) break;
    }
    etcd::Client c(o);
    int64_t rev = 0;
    c.Range("/egov-cloud/last-run", "", 0, &rev);
    return rev;
  }
  // The newest run has started and marked `at_least` steps done.
  bool RunMarked(Journal& j, int64_t at_least) const {
    const auto runs = j.Runs(1);
    if (runs.empty() || runs[0].status != "running") return false;
    auto it = runs[0].steps.find("done");
    return it != runs[0].steps.end() && it->second >= at_least;
  }

  // An apply (lease 3 s) frozen with SIGSTOP once it has marked a step done, as `probe` sees,
  // and seen again once stopped: its run is still running with steps left, so the next apply
  // has work of its own (an apply with nothing to do records no run). Marks are written in
  // groups every 200 ms, so the fleet must take the apply well over that: a run whose steps all
  // fit in its first group could be stopped after its last step (the next apply then had nothing
  // to do) or after it ended.
  struct Frozen {
    std::unique_ptr<Child> child;
    std::chrono::steady_clock::time_point at;  // when it was stopped
  };
  Frozen FrozenApply(Journal& probe) const {
    auto frozen = Spawn("apply", "frozen.log", {}, seconds(3));
    EXPECT_TRUE(WaitUntil([&] { return RunMarked(probe, 1); }))
        << egov::testing::ReadFile(dir_ / "frozen.log");
    ::kill(frozen->pid(), SIGSTOP);
    const auto at = std::chrono::steady_clock::now();
    const auto runs = probe.Runs(1);
    EXPECT_TRUE(!runs.empty() && runs[0].status == "running" && runs[0].steps.count("pending") &&
                runs[0].steps.at("pending") > 0)
        << "the apply was stopped with no step left: the fleet is too small to freeze it mid-run";
    return {std::move(frozen), at};
  }
  // Resumes `frozen` after another operator took over: it exits 1 saying why, and writes
  // neither the store nor any host.
  void ResumedWritesNothing(Child& frozen) const {
    const int64_t revision = Revision();
    const std::string files = HostFiles();
    ::kill(frozen.pid(), SIGCONT);
    EXPECT_EQ(frozen.Wait(), 1);
    const std::string log = egov::testing::ReadFile(dir_ / "frozen.log");
    EXPECT_NE(log.find("lost the lock on etcd://"), std::string::npos) << log;
    EXPECT_NE(log.find("stopped before changing anything more"), std::string::npos) << log;
    EXPECT_EQ(Revision(), revision);
    EXPECT_EQ(HostFiles(), files);
  }

  bool tls_ = false;  // the cluster serves clients over TLS with client certificates
  egov::testing::TempDir dir_;
  std::unique_ptr<EtcdCluster> cluster_;
  std::string sim_;
  size_t expected_ = 0;
};

TEST_F(EtcdTest, OneHolderAtATimeAndItIsNamed) {
  auto a = Open(), b = Open();
  EXPECT_FALSE(a->Lock("apply", milliseconds(0)));
  const auto held = b->Lock("destroy", milliseconds(0));
  ASSERT_TRUE(held);
  EXPECT_EQ(held->operation, "apply");
  EXPECT_EQ(held->pid, ::getpid());
  EXPECT_EQ(held->holder, ThisHolder());
  EXPECT_EQ(held->machine, ThisMachine());
  EXPECT_EQ(held->id.size(), 16u);
  EXPECT_FALSE(held->since.empty());
  EXPECT_EQ(b->Holder()->id, held->id);
  a->Unlock();
  EXPECT_FALSE(b->Holder());
  EXPECT_FALSE(b->Lock("destroy", milliseconds(0)));
}

// A waiter is woken by the watch as soon as the holder lets go, and gives up at its deadline.
TEST_F(EtcdTest, WaitingWatchesTheLock) {
  auto a = Open(), b = Open();
  ASSERT_FALSE(a->Lock("apply", milliseconds(0)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(b->Lock("apply", milliseconds(1500)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(1400));
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = !b->Lock("apply", milliseconds(60000)); });
  a->Unlock();
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(30));
  EXPECT_EQ(a->Holder()->pid, ::getpid());
}

// Steps and marks go in transactions of at most 100 operations and 1 MiB; read back they are
// the same as the SQLite journal's.
TEST_F(EtcdTest, RunsStepsAndKnownDomainsRoundTrip) {
  auto j = Open();
  ASSERT_FALSE(j->Lock("apply", milliseconds(0)));
  std::vector<StepRecord> steps;
  for (int i = 0; i < 3000; ++i) {
    steps.push_back({"h" + std::to_string(i % 7), "w-" + std::to_string(i), "u" + std::to_string(i),
                     "create", "new replica " + std::string(200, 'x')});
  }
  const int64_t run = j->BeginRun("apply", "sha256:f", "best-effort", steps);
  for (size_t i = 0; i < 3000; i += 2) j->Mark(i, StepStatus::kDone);
  j->Mark(1, StepStatus::kFailed, "boom");
  j->Flush();
  auto entries = j->Steps(run);
  ASSERT_EQ(entries.size(), 3000u);
  EXPECT_EQ(entries[0].status, StepStatus::kDone);
  EXPECT_EQ(entries[1].status, StepStatus::kFailed);
  EXPECT_EQ(entries[1].error, "boom");
  EXPECT_EQ(entries[3].status, StepStatus::kPending);
  EXPECT_EQ(entries[2999].record.domain, "w-2999");
  auto runs = j->Runs(5);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_EQ(runs[0].steps["done"], 1500);
  // During a run the hosts are written a transaction's worth (100) at a time, the rest with
  // its end.
  std::vector<std::string> names;
  for (int h = 0; h < 250; ++h) {
    names.push_back("x" + std::to_string(h));
    j->RecordHost(names.back(), {{names.back(), "d" + std::to_string(h), "u", "a", h, "s"}});
  }
  auto other = Open();
  EXPECT_EQ(other->KnownHosts(names).size(), 200u);
  j->RecordHost("h1", {{"h1", "a-0", "u0", "a", 0, "s"}, {"h1", "a-1", "u1", "a", 1, "s"}});
  j->RecordHost("h1", {{"h1", "a-1", "u1", "a", 1, "s2"}});
  j->FinishRun("failed");
  const auto known = other->KnownHosts(names);
  ASSERT_EQ(known.size(), 250u);
  EXPECT_EQ(known.at("x249").domains.at(0).name, "d249");
  EXPECT_EQ(known.at("x249").domains.at(0).replica, 249);
  EXPECT_FALSE(known.at("x0").read.empty());
  EXPECT_EQ(other->KnownHosts({}).size(), 251u);
  runs = j->Runs(5);
  EXPECT_EQ(runs[0].status, "failed");
  EXPECT_EQ(runs[0].fingerprint, "sha256:f");
  EXPECT_EQ(runs[0].steps["pending"], 1499);
  const auto h1 = j->KnownDomains("h1");
  ASSERT_EQ(h1.size(), 1u);
  EXPECT_EQ(h1[0].spec_hash, "s2");
  EXPECT_TRUE(j->KnownDomains("h2").empty());
}

// A holder whose lock was forced open writes nothing more and is told so.
TEST_F(EtcdTest, AHolderWhoseLockIsRemovedWritesNothing) {
  auto a = Open(), b = Open();
  ASSERT_FALSE(a->Lock("apply", milliseconds(0)));
  const int64_t run = a->BeginRun("apply", "f", "best-effort", {{"h", "d", "u", "create", ""}});
  const auto holder = b->Holder();
  ASSERT_TRUE(holder);
  LockHolder wrong = *holder;
  wrong.id = "0000000000000001";
  EXPECT_FALSE(b->RemoveLock(wrong));
  ASSERT_TRUE(b->RemoveLock(*holder));
  const int64_t before = Revision();
  a->Mark(0, StepStatus::kDone);
  EXPECT_THROW(a->Flush(), LockLost);
  EXPECT_THROW(a->Fence(), LockLost);
  EXPECT_EQ(Revision(), before);
  EXPECT_EQ(b->Steps(run)[0].status, StepStatus::kPending);
  const auto runs = b->Runs(2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].operation, "force-unlock");
  EXPECT_NE(runs[0].note.find("removed lock " + holder->id), std::string::npos) << runs[0].note;
  EXPECT_EQ(runs[1].status, "interrupted");
}

// force-unlock on etcd: the ID, and a live holder on this machine only with --force.
TEST_F(EtcdTest, ForceUnlockNamesTheLockAndSparesALiveHolder) {
  auto a = Open();
  ASSERT_FALSE(a->Lock("apply", milliseconds(0)));
  const std::string id = a->Holder()->id;
  std::ostringstream out, err;
  const std::vector<std::string> state = {"--state", cluster_->Url()};
  auto force_unlock = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "force-unlock");
    args.insert(args.end(), state.begin(), state.end());
    return RunEgovctl(args, out, err);
  };
  EXPECT_EQ(force_unlock({id}), 1);
  EXPECT_NE(err.str().find("is still running on this machine"), std::string::npos) << err.str();
  EXPECT_TRUE(a->Holder());
  EXPECT_EQ(force_unlock({id, "--force"}), 0) << err.str();
  EXPECT_FALSE(a->Holder());
  // Its keepalive finds out within a third of the TTL; a write finds out at once.
  EXPECT_THROW(a->BeginRun("apply", "f", "best-effort", {}), LockLost);
  EXPECT_THROW(a->Fence(), LockLost);
  std::ostringstream hist;
  EXPECT_EQ(RunEgovctl({"history", "--state", cluster_->Url()}, hist, err), 0);
  EXPECT_NE(hist.str().find("removed lock " + id), std::string::npos) << hist.str();
}

TEST_F(EtcdTest, StateMigrateCopiesTheHistory) {
  WriteFleet(4, 3, 2);
  const std::string db = (dir_ / "journal.db").string();
  std::ostringstream out, err;
  std::vector<std::string> apply = {"apply", "-q", "-f", (dir_ / "in").string(), "--journal", db};
  apply.insert(apply.end(), kApprove.begin(), kApprove.end());
  ASSERT_EQ(RunEgovctl(apply, out, err), 0) << err.str();
  ASSERT_EQ(RunEgovctl({"state", "migrate", "--from", "sqlite://" + db, "--to", cluster_->Url()},
                       out, err),
            0)
      << err.str();
  EXPECT_NE(out.str().find("Copied 1 runs (6 steps) and what 4 hosts ran"), std::string::npos)
      << out.str();
  auto j = Open();
  SqliteJournal sqlite(db);
  const auto runs = j->Runs(10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "done");
  EXPECT_EQ(runs[0].steps.at("done"), 6);
  EXPECT_EQ(runs[0].started, sqlite.Runs(1)[0].started);
  const auto known = j->KnownHosts({}), was = sqlite.KnownHosts({});
  ASSERT_EQ(known.size(), 4u);
  ASSERT_EQ(was.size(), 4u);
  for (const auto& [host, k] : was) {
    EXPECT_FALSE(k.read.empty()) << host;
    EXPECT_EQ(k.domains.size(), known.at(host).domains.size()) << host;
    EXPECT_EQ(sqlite.KnownHosts({host}).at(host).domains.size(), k.domains.size()) << host;
  }
  const auto a = sqlite.Steps(runs[0].id), b = j->Steps(runs[0].id);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].record.domain, b[i].record.domain);
    EXPECT_EQ(a[i].status, b[i].status);
    EXPECT_EQ(a[i].updated, b[i].updated);
  }
  // Into a journal that has runs: refused.
  EXPECT_EQ(RunEgovctl({"state", "migrate", "--from", "sqlite://" + db, "--to", cluster_->Url()},
                       out, err),
            1);
  EXPECT_NE(err.str().find("already holds runs"), std::string::npos) << err.str();
  // The history reads the same from either store.
  std::ostringstream h1, h2;
  EXPECT_EQ(RunEgovctl({"history", "--journal", db}, h1, err), 0);
  EXPECT_EQ(RunEgovctl({"history", "--state", cluster_->Url()}, h2, err), 0);
  EXPECT_EQ(h1.str().substr(0, h1.str().find("Journal:")),
            h2.str().substr(0, h2.str().find("Journal:")));
}

// With etcd's auth enabled, the user comes from EGOV_STATE_USER and EGOV_STATE_PASSWORD.
TEST_F(EtcdTest, AuthTakesTheUserFromTheEnvironment) {
  ASSERT_EQ(cluster_->Etcdctl({"user", "add", "root", "--new-user-password=s3cret"}).code, 0);
  ASSERT_EQ(cluster_->Etcdctl({"auth", "enable"}).code, 0);
  std::ostringstream out, err;
  EXPECT_EQ(RunEgovctl({"history", "--state", cluster_->Url()}, out, err), 1);
  EXPECT_NE(err.str().find("egovctl history: etcd 127.0.0.1:"), std::string::npos) << err.str();
  ::setenv("EGOV_STATE_USER", "root", 1);
  ::setenv("EGOV_STATE_PASSWORD", "wrong", 1);
  EXPECT_EQ(RunEgovctl({"history", "--state", cluster_->Url()}, out, err), 1);
  EXPECT_NE(err.str().find("authentication failed"), std::string::npos) << err.str();
  ::setenv("EGOV_STATE_PASSWORD", "s3cret", 1);
  EXPECT_EQ(RunEgovctl({"history", "--state", cluster_->Url()}, out, err), 0) << err.str();
  auto j = Open();
  EXPECT_FALSE(j->Lock("apply", milliseconds(0)));
  EXPECT_EQ(j->Holder()->pid, ::getpid());
  j->Unlock();
  ::unsetenv("EGOV_STATE_USER");
  ::unsetenv("EGOV_STATE_PASSWORD");
}

// Two applies from two processes at once: the second refuses and names the first; a third
// that waits proceeds when the first is done.
TEST_F(EtcdTest, TwoAppliesAtOnce) {
  // 1,000 replicas: the first apply holds the lock for seconds, so that the probe (a request to
  // etcd every 20 ms, slower on a loaded machine) surely sees it before it ends.
  WriteFleet(40, 100, 10);
  auto probe = Open();
  auto first = Spawn("apply", "first.log", {}, seconds(30));
  ASSERT_TRUE(WaitForHolder(*probe, *first)) << egov::testing::ReadFile(dir_ / "first.log");
  ::kill(first->pid(), SIGSTOP);  // so that it surely still holds the lock
  const CliRun second = Run("apply");
  EXPECT_EQ(second.code, 1) << second.out << second.err;
  EXPECT_NE(second.err.find("the journal is locked by "), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("(pid " + std::to_string(first->pid()) + ", apply since"),
            std::string::npos)
      << second.err;
  auto third = Spawn("apply", "third.log", {"--lock-wait", "120s"});
  ::kill(first->pid(), SIGCONT);
  EXPECT_EQ(first->Wait(), 0) << egov::testing::ReadFile(dir_ / "first.log");
  EXPECT_EQ(third->Wait(), 0) << egov::testing::ReadFile(dir_ / "third.log");
  ExpectConverged();
}

// A holder frozen past its lease: another operator takes over and converges; the frozen one,
// resumed, writes nothing (neither the store nor any host) and exits 1, saying why.
TEST_F(EtcdTest, AFrozenHolderLosesTheLockAndWritesNothing) {
  WriteFleet(20, 100, 12);
  auto probe = Open();
  auto frozen = FrozenApply(*probe);
  ASSERT_FALSE(HasFailure());
  const CliRun other = Run("apply", {"--lock-wait", "120s"}, seconds(3));
  ASSERT_EQ(other.code, 0) << other.out << other.err;
  EXPECT_GE(std::chrono::steady_clock::now() - frozen.at, seconds(1));  // waited for the lease
  ExpectConverged();
  const auto runs = probe->Runs(2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, "done");
  EXPECT_EQ(runs[1].status, "interrupted");
  ResumedWritesNothing(*frozen.child);
  ExpectConverged();
}

// A holder killed with SIGKILL: its lease keeps others out until its TTL, then the next apply
// proceeds without force-unlock and converges.
TEST_F(EtcdTest, AKilledHolderIsReplacedAfterItsLease) {
  WriteFleet(20, 50, 6);
  auto probe = Open();
  auto killed = Spawn("apply", "killed.log", {}, seconds(6));
  ASSERT_TRUE(WaitUntil([&] { return RunMarked(*probe, 1); }));
  const pid_t pid = killed->pid();
  ::kill(pid, SIGKILL);
  killed->Wait();
  const CliRun refused = Run("apply");
  EXPECT_EQ(refused.code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("(pid " + std::to_string(pid) + ", apply"), std::string::npos)
      << refused.err;
  const CliRun next = Run("apply", {"--lock-wait", "120s"});
  ASSERT_EQ(next.code, 0) << next.out << next.err;
  ExpectConverged();
  EXPECT_EQ(probe->Runs(2).at(1).status, "interrupted");
}

// An etcd member killed during an apply: the client goes on with the others; the run finishes
// or fails cleanly, and a rerun converges.
TEST_F(EtcdTest, AMemberKilledDuringAnApply) {
  WriteFleet(40, 100, 6);
  auto probe = Open();
  auto apply = Spawn("apply", "apply.log");
  ASSERT_TRUE(WaitUntil([&] { return RunMarked(*probe, 1); }));
  cluster_->Kill(0);  // the first endpoint, which the client was using
  const int code = apply->Wait();
  const std::string log = egov::testing::ReadFile(dir_ / "apply.log");
  EXPECT_TRUE(code == 0 || (code == 1 && log.find("etcd") != std::string::npos)) << code << log;
  const CliRun rerun = Run("apply");
  EXPECT_EQ(rerun.code, 0) << rerun.out << rerun.err;
  ExpectConverged();
  const auto runs = probe->Runs(2);
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs[0].status, "done");
}

// The whole cluster stopped during an apply: a clear error, and no host is written after the
// loss; once etcd is back a rerun converges.
TEST_F(EtcdTest, TheWholeClusterStoppedDuringAnApply) {
  WriteFleet(40, 100, 10);
  auto probe = Open();
  auto apply = Spawn("apply", "apply.log");
  ASSERT_TRUE(WaitUntil([&] { return RunMarked(*probe, 1); }));
  const std::string files = HostFiles();
  cluster_->StopAll();
  EXPECT_EQ(apply->Wait(), 1);
  const std::string log = egov::testing::ReadFile(dir_ / "apply.log");
  EXPECT_NE(log.find("etcd"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped before changing anything more"), std::string::npos) << log;
  EXPECT_EQ(HostFiles(), files);
  ASSERT_TRUE(cluster_->Start()) << cluster_->error();
  const CliRun rerun = Run("apply", {"--lock-wait", "60s"});
  EXPECT_EQ(rerun.code, 0) << rerun.out << rerun.err;
  ExpectConverged();
}

// etcd serving clients over TLS only, with client certificates (--client-cert-auth). TLS is
// on when --state-cacert or --state-cert is given.
class EtcdTlsTest : public EtcdTest {
 protected:
  EtcdTlsTest() { tls_ = true; }
};

// With etcd's CA and a client certificate egovctl applies and reads the history. Without the
// CA it does not trust etcd; with a client certificate etcd does not trust, or none, etcd
// refuses it; without any TLS option it speaks plain HTTP to a TLS port: each time an error
// that says what to give, exit 1, and no host touched.
TEST_F(EtcdTlsTest, ApplyNeedsTheCaAndAClientCertificate) {
  WriteFleet(4, 3, 2);
  const std::vector<std::string> ca = {"--state-cacert", cluster_->ca()};
  const std::vector<std::string> cert = {"--state-cert", cluster_->client_cert(), "--state-key",
                                         cluster_->client_key()};
  const auto both = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // Refused at once: a handshake that fails is not tried again (plain HTTP is, for 5 s).
  const auto refused = [&](const std::vector<std::string>& tls, const std::string& says,
                           seconds within = seconds(4)) {
    const auto start = std::chrono::steady_clock::now();
    const CliRun r = Run("apply", tls);
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_EQ(r.err.rfind("egovctl apply: etcd", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, within) << r.err;
    EXPECT_EQ(HostFiles(), "");
  };
  refused(cert,
          "TLS: etcd's certificate is not trusted (SSL certificate problem: unable to get "
          "local issuer certificate; give its CA with --state-cacert)");
  refused(both({"--state-cacert", cluster_->client_cert()}, cert),
          "is --state-cacert " + cluster_->client_cert().string() + " its CA?");
  refused(ca, "TLS: etcd refused the connection (");
  refused(ca, "etcd asks for a client certificate: give --state-cert and --state-key)");
  // A certificate of a CA etcd does not know (here self-signed).
  const std::string stranger = (dir_ / "stranger").string();
  ASSERT_EQ(egov::testing::RunProcess({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                       "ec_paramgen_curve:prime256v1", "-noenc", "-days", "1",
                                       "-subj", "/CN=stranger", "-keyout", stranger + ".key",
                                       "-out", stranger + ".crt"})
                .code,
            0);
  refused(both(ca, {"--state-cert", stranger + ".crt", "--state-key", stranger + ".key"}),
          "is --state-cert " + stranger + ".crt signed by a CA etcd trusts?");

  // Files that are not there.
  const std::string missing = (dir_ / "missing.pem").string();
  refused(both({"--state-cacert", missing}, cert), "TLS: cannot use --state-cacert (");
  refused(both(ca, {"--state-cert", missing, "--state-key", missing}),
          "TLS: cannot use the client certificate --state-cert/--state-key (");
  refused({}, "Empty reply from server (if etcd serves TLS: give --state-cacert)", seconds(20));

  const CliRun apply = Run("apply", both(ca, cert));
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  ExpectConverged();
  std::ostringstream out, err;
  ASSERT_EQ(
      RunEgovctl(both({"history", "--format", "json", "--state", cluster_->Url()}, both(ca, cert)),
                 out, err),
      0)
      << err.str();
  const auto history = nlohmann::json::parse(out.str());
  EXPECT_EQ(history["journal"], cluster_->Url() + "/egov-cloud/");
  ASSERT_EQ(history["runs"].size(), 1u) << out.str();
  EXPECT_EQ(history["runs"][0]["operation"], "apply");
  EXPECT_EQ(history["runs"][0]["status"], "done");
  EXPECT_EQ(history["runs"][0]["steps"]["done"], 6);
  // history, too, needs the client certificate.
  EXPECT_EQ(RunEgovctl(both({"history", "--state", cluster_->Url()}, ca), out, err), 1);
  EXPECT_NE(err.str().find("etcd asks for a client certificate"), std::string::npos) << err.str();
}

// A TLS failure while an operator waits for the lock (--lock-wait, on etcd's watch) ends the
// wait at once with the error and exit 1, touching no host: here the cluster comes back with
// certificates of a CA this operator does not know, while another holds the lock.
TEST_F(EtcdTlsTest, ATlsFailureEndsTheWaitForTheLock) {
  WriteFleet(4, 3, 2);
  const fs::path old = dir_ / "old";  // the operator's copies, made before the renewal
  fs::create_directories(old);
  for (const fs::path& f : {cluster_->ca(), cluster_->client_cert(), cluster_->client_key()}) {
    fs::copy_file(f, old / f.filename());
  }
  auto holder = Open();
  ASSERT_FALSE(holder->Lock("apply", milliseconds(0)));
  const int64_t watchers = cluster_->Watchers();
  ASSERT_GE(watchers, 0);
  auto waiter =
      Spawn("apply", "waiter.log",
            {"--lock-wait", "600s", "--state-cacert", (old / "ca.crt").string(), "--state-cert",
             (old / "client.crt").string(), "--state-key", (old / "client.key").string()});
  ASSERT_TRUE(WaitUntil([&] { return cluster_->Watchers() > watchers; }))
      << egov::testing::ReadFile(dir_ / "waiter.log");

  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(cluster_->RenewCertificates()) << cluster_->error();
  cluster_->StopAll();  // ends the watch's stream; the waiter looks again, with its old CA
  ASSERT_TRUE(cluster_->Start()) << cluster_->error();
  EXPECT_EQ(waiter->Wait(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(30));
  const std::string log = egov::testing::ReadFile(dir_ / "waiter.log");
  EXPECT_NE(log.find("egovctl apply: etcd"), std::string::npos) << log;
  EXPECT_NE(log.find("TLS: etcd's certificate is not trusted"), std::string::npos) << log;
  EXPECT_NE(log.find("is --state-cacert " + (old / "ca.crt").string() + " its CA?"),
            std::string::npos)
      << log;
  EXPECT_EQ(HostFiles(), "");
}

}  // namespace
}  // namespace egov::orchestrator

namespace egov::orchestrator {
namespace {

// Issue 22's acceptance on a simulated fleet of 200 hosts and 3,000 replicas: an operator frozen
// while holding the lock blocks the next only until its lease expires; that apply converges
// (3,000 domains, none twice); the frozen one, resumed, exits 1 without writing; then an etcd
// member killed during a destroy loses nothing, and a rerun converges.
TEST_F(EtcdTest, AFleetOf3000Replicas) {
  WriteFleet(200, 300, 10);
  auto probe = Open();
  auto frozen = FrozenApply(*probe);
  ASSERT_FALSE(HasFailure());
  auto other = Spawn("apply", "other.log", {"--lock-wait", "120s"}, seconds(3));
  ASSERT_TRUE(WaitForHolder(*probe, *other));
  const double blocked =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - frozen.at).count();
  EXPECT_LT(blocked, 3 + 10);  // the lease, and the start of a process
  ASSERT_EQ(other->Wait(), 0) << egov::testing::ReadFile(dir_ / "other.log");
  std::cout << "frozen holder blocked the next operator for " << blocked << " s (lease 3 s)\n";
  ExpectConverged();
  ResumedWritesNothing(*frozen.child);

  // Deletions on simulated hosts are quick: the destroy is held (SIGSTOP) once it has the lock,
  // so that the member dies while it runs.
  auto destroy = Spawn("destroy", "destroy.log", {"--all"});
  ASSERT_TRUE(WaitForHolder(*probe, *destroy));
  ::kill(destroy->pid(), SIGSTOP);
  cluster_->Kill(0);  // the first endpoint, which the destroy was using
  ::kill(destroy->pid(), SIGCONT);
  const int code = destroy->Wait();
  const std::string log = egov::testing::ReadFile(dir_ / "destroy.log");
  EXPECT_TRUE(code == 0 || (code == 1 && log.find("etcd") != std::string::npos)) << code << log;
  // Nothing lost: every step the journal says is done is a domain gone, and none is pending.
  const auto runs = probe->Runs(1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].operation, "apply");  // destroy runs record as apply runs do
  const auto steps = probe->Steps(runs[0].id);
  EXPECT_EQ(steps.size(), 3000u);
  const auto left = Domains();
  size_t done = 0;
  for (const auto& s : steps) {
    if (s.status != StepStatus::kDone) continue;
    ++done;
    EXPECT_FALSE(left.count(s.record.domain)) << s.record.domain << " is done but still there";
  }
  std::cout << "destroy with member m0 killed: exit " << code << ", " << done
            << " steps done in the journal, " << left.size() << " domains left\n";
  if (code == 0) {
    EXPECT_EQ(done, 3000u);
    EXPECT_EQ(runs[0].status, "done");
  }
  const CliRun rerun = Run("destroy", {"--all"});
  EXPECT_EQ(rerun.code, 0) << rerun.out << rerun.err;
  EXPECT_TRUE(Domains().empty());
}

}  // namespace
}  // namespace egov::orchestrator
