// egovctl against real libvirtd daemons running QEMU (TCG), one reached over its unix socket,
// one over TCP on loopback; faults: the daemon killed or frozen during an apply, two applies
// at once. Each daemon is private (scripts/libvirtd-sandbox) and stopped by PID.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/domain_metadata.h"
#include "common/file_digest.h"
#include "common/libvirt.h"
#include "orchestrator/journal.h"
#include "tests/orchestrator/journal_runs.h"
#include "tests/support/egovctl.h"
#include "tests/support/libvirtd.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/serving.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using namespace egov::testing;  // the plumbing every test shares (tests/support)

// Domains as the daemon at `uri` sees them: name -> running.
std::map<std::string, bool> DomainsAt(const std::string& uri) {
  std::map<std::string, bool> out;
  auto conn = libvirt::Connection::Open(uri);
  for (const auto& d : conn->ListAllDomains()) {
    const auto info = libvirt::GetDomainInfo(d.get());
    out[info.name] = info.state == VIR_DOMAIN_RUNNING;
  }
  return out;
}

class RealLibvirt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { skip_ = Libvirtd::Unavailable(); }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    fs::create_directories(dir_ / "in");
    const std::vector<int> ports = FreePorts(2);
    a_ = std::make_unique<Libvirtd>(dir_ / "daemon-a", ports[0]);
    b_ = std::make_unique<Libvirtd>(dir_ / "daemon-b", ports[1]);
    ASSERT_TRUE(a_->Start());
    ASSERT_TRUE(b_->Start());
    journal_ = (dir_ / "journal.db").string();
    WriteInventory(2);
  }

  // Host A over the unix socket, host B over TCP; a level-1 workload of tiny diskless domains.
  void WriteInventory(int replicas) {
    std::ofstream(dir_ / "in" / "fleet.yaml")
        << "kind: Provider\nname: lab\ndisplay_name: \"Phòng thí nghiệm\"\n"
           "certification: {scheme: MIC-1145, certificate: LAB-1, issued: 2024-01-01, "
           "expires: 2030-01-01, max_security_level: 2}\nresidency: VN\nzones:\n"
           "  - name: z1\n    hosts:\n      - {name: host-a, uri: \""
        << a_->UnixUri()
        << "\", capacity: {vcpus: 8, memory: 4Gi, disk: 10Gi}}\n"
           "  - name: z2\n    hosts:\n      - {name: host-b, uri: \""
        << b_->TcpUri()
        << "\", capacity: {vcpus: 8, memory: 4Gi, disk: 10Gi}}\n"
           "---\nkind: Workload\nname: tiny\nagency: \"Sở Khoa học và Công nghệ\"\n"
           "system: \"Máy ảo thử nghiệm\"\nsecurity_level: 2\nreplicas: "
        << replicas << "\nresources: {vcpus: 1, memory: 64Mi}\nplacement: {spread: zone}\n";
  }

  std::vector<std::string> Args(std::vector<std::string> args) {
    args.insert(args.begin() + 1,
                {"-f", (dir_ / "in").string(), "--journal", journal_, "--keepalive", "1"});
    return args;
  }

  CliRun Run(const std::vector<std::string>& args) { return egov::testing::Egovctl(Args(args)); }

  // egovctl in its own process, output to `log`.
  std::unique_ptr<Child> Spawn(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> all = Args(args);
    all.insert(all.begin(), EGOVCTL_PATH);
    return std::make_unique<Child>(all, log);
  }

  // Adds a workload `more` of `replicas` tiny domains to the inventory.
  void AddWorkload(int replicas) {
    std::ofstream(dir_ / "in" / "fleet.yaml", std::ios::app)
        << "---\nkind: Workload\nname: more\nagency: a\nsystem: s\nsecurity_level: 1\n"
           "replicas: "
        << replicas << "\nresources: {vcpus: 1, memory: 64Mi}\n";
  }

  // Waits until the spawned apply has started its run (steps are in the journal).
  void AwaitRun() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(journal_) && !JournalRuns(journal_, 1).empty()) return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "the apply never started";
  }

  struct Fault {
    int code;
    std::chrono::steady_clock::duration reported;  // from the signal to the apply's exit
    std::string out;
  };

  // Adds a second workload, starts an apply in its own process, and signals daemon B while
  // the apply is under way.
  Fault SignalDuringApply(int sig) {
    AddWorkload(6);
    const fs::path log = dir_ / "apply1.log";
    const auto apply = Spawn({"apply", "--auto-approve"}, log);
    AwaitRun();
    std::this_thread::sleep_for(300ms);
    const auto at = std::chrono::steady_clock::now();
    b_->Signal(sig);
    const int code = apply->Wait();
    return {code, std::chrono::steady_clock::now() - at, ReadFile(log)};
  }

  static inline std::string skip_;
  egov::testing::TempDir dir_;
  std::unique_ptr<Libvirtd> a_, b_;
  std::string journal_;
};

TEST_F(RealLibvirt, ApplyStatusPlanDestroyOverUnixSocketAndTcp) {
  CliRun apply = Run({"apply", "--auto-approve"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_EQ(DomainsAt(a_->TcpUri()).size(), 1u);
  EXPECT_EQ(DomainsAt(b_->TcpUri()).size(), 1u);
  for (const auto& [name, running] : DomainsAt(b_->TcpUri())) EXPECT_TRUE(running) << name;
  CliRun status = Run({"status", "--format", "json"});
  ASSERT_EQ(status.code, 0) << status.err;
  const auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["workloads"][0]["replicas"].size(), 2u);
  CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 0) << plan.out << plan.err;
  EXPECT_EQ(Run({"drift"}).code, 0);
  // The metadata came back from QEMU's libvirt byte for byte.
  auto conn = libvirt::Connection::Open(b_->TcpUri());
  auto doms = conn->ListAllDomains();
  ASSERT_EQ(doms.size(), 1u);
  auto meta = libvirt::GetDomainMetadata(doms[0].get(), kMetadataNamespace);
  ASSERT_TRUE(meta);
  auto parsed = ParseMetadataElement(*meta);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->agency, "Sở Khoa học và Công nghệ");
  CliRun destroy = Run({"destroy", "--auto-approve", "--all"});
  EXPECT_EQ(destroy.code, 0) << destroy.out << destroy.err;
  EXPECT_TRUE(DomainsAt(a_->TcpUri()).empty());
  EXPECT_TRUE(DomainsAt(b_->TcpUri()).empty());
}

TEST_F(RealLibvirt, KilledDaemonDuringApplyIsReportedAndARerunConverges) {
  WriteInventory(6);  // spread zone with two zones: two placed, four reported unplaceable
  const Fault f = SignalDuringApply(SIGKILL);
  EXPECT_EQ(f.code, 1) << f.out;
  EXPECT_NE(f.out.find("host host-b failed"), std::string::npos) << f.out;
  EXPECT_LT(f.reported, 20s) << f.out;
  // The journal is consistent: every step ended one way or another.
  const auto runs = JournalRuns(journal_, 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "failed");
  EXPECT_EQ(runs[0].pending, 0);
  // While host B is down its replicas are unknown, never re-created elsewhere or deleted.
  CliRun plan = Run({"plan", "--format", "json"});
  const auto pj = nlohmann::json::parse(plan.out);
  EXPECT_TRUE(pj["unreachable"].contains("host-b")) << plan.out;
  for (const auto& a : pj["actions"]) EXPECT_NE(a["action"], "delete") << a.dump();
  // Back up: reruns converge. One limit is libvirt's own: a guest whose QEMU was being started
  // when the daemon died can stay locked inside the restarted daemon (libvirt 9.0 reconnecting
  // to a QEMU that never finished starting), so that even virDomainDestroy gives up with
  // "cannot acquire state change lock". egovctl must then say so for that domain, and
  // everything else must converge; an operator kills that QEMU process and reruns.
  ASSERT_TRUE(b_->Start());
  CliRun again;
  std::string reruns;
  for (int attempt = 0; attempt < 2; ++attempt) {
    CliRun rerun = Run({"apply", "--auto-approve"});
    reruns += rerun.out + rerun.err;
    again = Run({"plan", "--format", "json"});
    if (rerun.code == 0 && again.code == 0) break;
  }
  const auto left = nlohmann::json::parse(again.out);
  for (const auto& a : left["actions"]) {
    if (a["action"] == "unchanged") continue;
    EXPECT_EQ(a["action"], "start") << a.dump() << "\nthe reruns:\n" << reruns;
    const std::string wedged = "start " + a["domain"].get<std::string>() + " on host-b: FAILED: ";
    const auto at = reruns.find(wedged);
    ASSERT_NE(at, std::string::npos) << a.dump() << "\nthe reruns:\n" << reruns;
    EXPECT_NE(reruns.substr(at, 200).find("cannot acquire state change lock"), std::string::npos)
        << reruns;
  }
  EXPECT_EQ(DomainsAt(a_->TcpUri()).size() + DomainsAt(b_->TcpUri()).size(), 8u);
}

TEST_F(RealLibvirt, FrozenDaemonIsDetectedByKeepalive) {
  const Fault f = SignalDuringApply(SIGSTOP);
  b_->Signal(SIGCONT);
  EXPECT_EQ(f.code, 1) << f.out;
  EXPECT_NE(f.out.find("host host-b failed"), std::string::npos) << f.out;
  // Keepalive every second, three missed probes: well under 20 s (QEMU start-up included).
  EXPECT_LT(f.reported, 20s) << f.out;
  EXPECT_EQ(JournalRuns(journal_, 1)[0].pending, 0);
  // Thawed, the daemon first finishes the calls it had received from the dead client.
  std::this_thread::sleep_for(2s);
  CliRun rerun = Run({"apply", "--auto-approve"});
  EXPECT_EQ(rerun.code, 0) << rerun.out << rerun.err;
  CliRun plan = Run({"plan"});
  if (plan.code == 3) {
    // A domain the thawed daemon was still starting may need one more pass.
    CliRun more = Run({"apply", "--auto-approve"});
    EXPECT_EQ(more.code, 0) << plan.out << more.out << more.err;
    plan = Run({"plan"});
  }
  EXPECT_EQ(plan.code, 0) << plan.out << plan.err;
}

TEST_F(RealLibvirt, TwoAppliesAtOnceTheSecondNamesTheFirst) {
  AddWorkload(4);
  const fs::path log = dir_ / "apply1.log";
  const auto first = Spawn({"apply", "--auto-approve"}, log);
  AwaitRun();
  CliRun second = Run({"apply", "--auto-approve"});
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("the journal is locked by "), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("pid " + std::to_string(first->pid())), std::string::npos)
      << second.err;
  EXPECT_EQ(first->Wait(), 0) << ReadFile(log);
  CliRun waited = Run({"apply", "--auto-approve", "--lock-wait", "1m"});
  EXPECT_EQ(waited.code, 0) << waited.out << waited.err;  // nothing left to do
}

// Samples, until the spawned apply ends, how many domains of `workload` run on both daemons at
// once; returns the fewest seen (and how many samples were taken). Running is active: a live
// migration's switchover pauses the guest for milliseconds (paused "migration" at the source,
// paused "incoming" at the destination, both active), while a replace shuts it off. A move's
// source goes first in `uris`: once it is gone its destination runs, so a sample never misses
// both.
std::pair<size_t, size_t> FewestRunning(Child& apply, const std::vector<std::string>& uris,
                                        const std::string& workload) {
  std::atomic<bool> done{false};
  size_t fewest = SIZE_MAX, samples = 0;
  std::thread sampler([&] {
    std::vector<std::unique_ptr<libvirt::Connection>> conns;
    for (const auto& uri : uris) conns.push_back(libvirt::Connection::Open(uri));
    while (!done) {
      size_t running = 0;
      for (const auto& c : conns) {
        for (const auto& d : c->ListAllDomains(VIR_CONNECT_LIST_DOMAINS_ACTIVE)) {
          try {
            if (libvirt::GetDomainInfo(d.get()).name.rfind(workload + "-", 0) == 0) ++running;
          } catch (const libvirt::Error&) {
            // gone since the listing: no longer running (a migrated source, after its switch)
          }
        }
      }
      fewest = std::min(fewest, running);
      ++samples;
    }
  });
  apply.Wait();
  done = true;
  sampler.join();
  return {fewest, samples};
}

TEST_F(RealLibvirt, RollingReplaceKeepsAllButMaxUnavailableRunningAndStopsAnUnhealthyOne) {
  // roll answers its health URL, sick never does: sick's rollout stops after its first batch,
  // roll's goes on.
  httplib::Server server;
  server.Get("/ok", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  server.Get("/sick", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  egov::testing::Serving serving(server);
  auto write = [&](const char* memory) {
    WriteInventory(2);
    std::ofstream out(dir_ / "in" / "fleet.yaml", std::ios::app);
    for (const auto& [name, replicas, url] :
         {std::tuple{"roll", 3, serving.Url("/ok")}, std::tuple{"sick", 2, serving.Url("/sick")}}) {
      out << "---\nkind: Workload\nname: " << name
          << "\nagency: a\nsystem: s\nsecurity_level: 1\nreplicas: " << replicas
          << "\nresources: {vcpus: 1, memory: " << memory << "}\nhealth: {url: \"" << url
          << "\", interval: 1s, timeout: 1s}\n";
    }
  };
  write("64Mi");
  CliRun first = Run({"apply", "--auto-approve", "-q"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  write("96Mi");
  const fs::path log = dir_ / "roll.log";
  const auto apply =
      Spawn({"apply", "--auto-approve", "--format", "json", "--health-wait", "3s"}, log);
  const auto [fewest, samples] = FewestRunning(*apply, {a_->TcpUri(), b_->TcpUri()}, "roll");
  EXPECT_GT(samples, 3u);
  EXPECT_GE(fewest, 2u) << "replicas 3, max_unavailable 1";
  const auto j = nlohmann::json::parse(ReadFile(log), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << ReadFile(log);
  std::map<std::string, std::map<std::string, int>> status;  // workload -> status -> steps
  for (const auto& s : j["steps"]) ++status[s["workload"]][s["status"]];
  EXPECT_EQ(status["roll"]["done"], 3) << j["steps"].dump(2);
  EXPECT_EQ(status["sick"]["done"], 1) << j["steps"].dump(2);
  EXPECT_EQ(status["sick"]["skipped"], 1) << j["steps"].dump(2);
  const std::string errors = j["result"]["errors"].dump();
  EXPECT_NE(errors.find("rollout of sick stopped"), std::string::npos) << errors;
  EXPECT_NE(errors.find("status 503, expected 200"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("rollout of roll"), std::string::npos) << errors;
}

TEST_F(RealLibvirt, MaintenanceMovesARunningReplicaByLiveMigrationWithItsDisk) {
  // Each daemon's pools in a directory of its own (egovctl would use /var/lib/egov/pools,
  // which both daemons on this one machine would share).
  for (const auto& [daemon, name] :
       std::vector<std::pair<Libvirtd*, std::string>>{{a_.get(), "a"}, {b_.get(), "b"}}) {
    auto conn = libvirt::Connection::Open(daemon->TcpUri());
    for (const std::string pool : {"egov-images", "egov-app"}) {
      const fs::path path = dir_ / ("pools-" + name) / pool;
      fs::create_directories(path);
      libvirt::PoolPtr p =
          conn->DefineStoragePool("<pool type='dir'><name>" + pool + "</name><target><path>" +
                                  path.string() + "</path></target></pool>");
      libvirt::StartStoragePool(p.get());
    }
  }
  // A base image with 4 MiB of data, so the copied disk shows it.
  const fs::path raw = dir_ / "base.raw", image = dir_ / "base.qcow2";
  ASSERT_EQ(RunProcess({"dd", "if=/dev/urandom", "of=" + raw.string(), "bs=1M", "count=4"}).code,
            0);
  ASSERT_EQ(RunProcess({"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.string(),
                        image.string()})
                .code,
            0);
  const std::string sha = Sha256OfFile(image.string());
  auto write = [&](const std::string& maintenance) {
    auto host = [&](const char* name, const std::string& uri) {
      return std::string("      - {name: ") + name + ", uri: \"" + uri +
             "\", capacity: {vcpus: 8, memory: 4Gi, disk: 10Gi}" +
             (maintenance == name ? ", state: maintenance" : "") + "}\n";
    };
    std::ofstream(dir_ / "in" / "fleet.yaml")
        << "kind: Provider\nname: lab\ndisplay_name: Lab\n"
           "certification: {scheme: MIC-1145, certificate: LAB-1, issued: 2024-01-01, "
           "expires: 2030-01-01, max_security_level: 2}\nresidency: VN\nzones:\n"
           "  - name: z1\n    hosts:\n"
        << host("host-a", a_->UnixUri()) << host("host-b", b_->TcpUri())
        << "---\nkind: Image\nname: base\ndisplay_name: Base\nformat: qcow2\nsource: "
        << image.string() << "\nsha256: " << sha
        << "\n---\nkind: Workload\nname: app\nagency: Lab\nsystem: App\nsecurity_level: 1\n"
           "resources: {vcpus: 1, memory: 64Mi, disk: 1Gi}\nimage: base\n";
  };
  write("");
  CliRun first = Run({"apply", "--auto-approve", "-q"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  const bool on_a = DomainsAt(a_->TcpUri()).count("app-0") > 0;
  const std::string from = on_a ? "host-a" : "host-b";
  Libvirtd& dest = on_a ? *b_ : *a_;

  write(from);
  const fs::path log = dir_ / "move.log";
  const auto apply = Spawn({"apply", "--auto-approve", "--format", "json"}, log);
  const auto [fewest, samples] =
      FewestRunning(*apply, {(on_a ? a_ : b_)->TcpUri(), dest.TcpUri()}, "app");
  EXPECT_GT(samples, 3u);
  EXPECT_GE(fewest, 1u) << "app-0 stopped running during the move";
  const auto j = nlohmann::json::parse(ReadFile(log), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << ReadFile(log);
  std::string note;
  for (const auto& s : j["steps"]) {
    if (s["action"] == "create") note = s.value("note", "");
  }
  EXPECT_EQ(note, "live migration from " + from) << j["steps"].dump(2);
  const auto there = DomainsAt(dest.TcpUri());
  ASSERT_TRUE(there.count("app-0"));
  EXPECT_TRUE(there.at("app-0"));
  EXPECT_FALSE(DomainsAt((on_a ? a_ : b_)->TcpUri()).count("app-0"));
  // The root disk on the destination holds the data (copied, not only made empty).
  const fs::path root =
      dir_ / (std::string("pools-") + (on_a ? "b" : "a")) / "egov-app" / "app-0-root";
  const CliRun info =
      RunProcess({"qemu-img", "info", "--force-share", "--output=json", root.string()});
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_GE(nlohmann::json::parse(info.out)["actual-size"].get<uint64_t>(), 4u << 20) << info.out;
  EXPECT_EQ(Run({"plan"}).code, 0);
}

}  // namespace
}  // namespace egov::orchestrator
