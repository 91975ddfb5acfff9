// egovctl's commands end to end on simulated hosts (libvirt's test driver, one file per host),
// each command a separate run as an operator would type them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "orchestrator/cli.h"
#include "orchestrator/hosts.h"
#include "orchestrator/sqlite_journal.h"
#include "tests/orchestrator/journal_runs.h"
#include "tests/support/egovctl.h"
#include "tests/support/sim_hosts.h"

extern char** environ;

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

using egov::testing::CliRun;

// The domain called `name` (egovctl itself finds domains by UUID); nullptr when there is none.
libvirt::DomainPtr DomainByName(const libvirt::Connection& conn, const std::string& name) {
  for (auto& dom : conn.ListAllDomains()) {
    if (libvirt::GetDomainInfo(dom.get()).name == name) return std::move(dom);
  }
  return nullptr;
}

const char* kWorkloads = R"yaml(
kind: Workload
name: dvc-tinh
agency: "Ủy ban nhân dân tỉnh Thừa Thiên Huế — Sở Thông tin & Truyền thông <\"ký số\">"
system: "Cổng dịch vụ công </title><devices><hostdev mode='subsystem'/></devices>"
security_level: 3
replicas: 2
resources: {vcpus: 2, memory: 2Gi, disk: 20Gi}
network: dvc-net
health: {url: "https://dvc.example/healthz?a=1&b=2", interval: 30s, timeout: 5s}
---
kind: Workload
name: cong-tt
agency: "Bộ Nội vụ"
system: "Cổng thông tin"
security_level: 1
replicas: 1
resources: {vcpus: 1, memory: 1Gi, disk: 10Gi}
)yaml";

class SimCloud : public egov::testing::SimulatedHosts {
 protected:
  void SetUp() override {
    SimulatedHosts::SetUp();
    Write("in/providers.yaml", egov::testing::SimulatedProviders());
    Write("in/workloads.yaml", kWorkloads);
  }

  void Write(const std::string& name, const std::string& text) { dir_.Write(name, text); }

  // Every domain on the simulated hosts, read through libvirt: name -> (host, metadata).
  std::map<std::string, std::pair<std::string, std::optional<DomainMetadata>>> Domains() {
    std::map<std::string, std::pair<std::string, std::optional<DomainMetadata>>> out;
    for (const auto& entry : fs::directory_iterator(sim_)) {
      if (entry.path().extension() != ".xml") continue;
      auto conn = libvirt::Connection::Open("test://" + entry.path().string());
      for (const auto& dom : conn->ListAllDomains()) {
        const auto info = libvirt::GetDomainInfo(dom.get());
        std::optional<DomainMetadata> meta;
        if (auto xml = libvirt::GetDomainMetadata(dom.get(), kMetadataNamespace)) {
          meta = ParseMetadataElement(*xml);
        }
        EXPECT_FALSE(out.count(info.name)) << info.name << " exists twice";
        out[info.name] = {entry.path().stem().string(), meta};
      }
    }
    return out;
  }
};

TEST_F(SimCloud, ApplyStatusPlanDestroyAsSeparateCommands) {
  CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3) << plan.err;
  EXPECT_NE(plan.out.find("3 to create"), std::string::npos) << plan.out;

  CliRun apply = Run({"apply", "--auto-approve", "-q"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("Apply: 3 done, 0 failed"), std::string::npos) << apply.out;
  auto doms = Domains();
  EXPECT_EQ(doms.size(), 3u);

  CliRun status = Run({"status", "--format", "json"});
  ASSERT_EQ(status.code, 0) << status.err;
  const auto j = nlohmann::json::parse(status.out);
  for (const auto& w : j["workloads"]) {
    EXPECT_EQ(w["replicas"].size(), w["desired"].get<size_t>()) << w.dump();
    for (const auto& r : w["replicas"]) EXPECT_EQ(r["state"], "running");
  }

  CliRun again = Run({"plan"});
  EXPECT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("No changes"), std::string::npos) << again.out;
  EXPECT_EQ(Run({"drift"}).code, 0);

  CliRun destroy = Run({"destroy", "--auto-approve", "--all", "-q"});
  ASSERT_EQ(destroy.code, 0) << destroy.out << destroy.err;
  for (const auto& [name, where] : Domains()) {
    EXPECT_FALSE(where.second.has_value()) << name << " is still managed";
  }
  // The level-3 workload's own network and pool went with it.
  std::ifstream f(HostFile(doms.begin()->second.first));
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str().find("egov-dvc-tinh"), std::string::npos);
}

TEST_F(SimCloud, VietnameseTextSurvivesAndMarkupIsData) {
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  bool seen = false;
  for (const auto& [name, where] : Domains()) {
    if (!where.second || where.second->workload != "dvc-tinh") continue;
    seen = true;
    EXPECT_EQ(where.second->agency,
              "Ủy ban nhân dân tỉnh Thừa Thiên Huế — Sở Thông tin & Truyền thông <\"ký số\">");
    EXPECT_EQ(where.second->health_url, "https://dvc.example/healthz?a=1&b=2");
    EXPECT_EQ(where.second->network, "egov-dvc-tinh");  // level 3: its own network
    auto conn = libvirt::Connection::Open(Uri(where.first));
    const std::string xml =
        libvirt::GetDomainXml(DomainByName(*conn, name).get(), VIR_DOMAIN_XML_INACTIVE);
    EXPECT_EQ(xml.find("<hostdev"), std::string::npos) << xml;  // the title stayed text
    EXPECT_NE(xml.find("<seclabel type='dynamic'"), std::string::npos) << xml;
    EXPECT_EQ(xml.find("<graphics"), std::string::npos) << xml;
  }
  EXPECT_TRUE(seen);
}

TEST_F(SimCloud, MarkupInANameIsRejectedBeforeAnyHostIsTouched) {
  Write("in/workloads.yaml",
        "kind: Workload\nname: \"x'/><hostdev\"\nagency: a\nsystem: s\n"
        "security_level: 1\nresources: {vcpus: 1, memory: 1Gi}\n");
  CliRun r = Run({"apply", "--auto-approve"});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("workloads.yaml:2:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(sim_));  // nothing was created, not even empty hosts
}

TEST_F(SimCloud, SavedPlanIsAppliedOnlyWhileTheHostsAreUnchanged) {
  const std::string saved = (dir_ / "plan.json").string();
  CliRun plan = Run({"plan", "-o", saved});
  ASSERT_EQ(plan.code, 3) << plan.err;
  CliRun apply = Run({"apply", "--auto-approve", saved, "-q"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_EQ(Domains().size(), 3u);
  // The same plan again: the hosts changed (they now run what it created), so it is refused.
  CliRun stale = Run({"apply", "--auto-approve", saved});
  EXPECT_EQ(stale.code, 1);
  EXPECT_NE(stale.err.find("the hosts changed since the plan was made"), std::string::npos)
      << stale.err;
  EXPECT_EQ(Domains().size(), 3u);
  Write("bad.json", "{\"schema\": \"egov.plan/v1\"}");
  EXPECT_EQ(Run({"apply", "--auto-approve", (dir_ / "bad.json").string()}).code, 2);
}

TEST_F(SimCloud, ASecondApplyRefusesAndNamesTheHolder) {
  SqliteJournal other(journal_);
  ASSERT_FALSE(other.Lock("apply", std::chrono::milliseconds(0)));
  CliRun r = Run({"apply", "--auto-approve"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the journal is locked by "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(::getpid())), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(sim_));  // refused before reading any host
  // Waiting works once the holder lets go.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other.Unlock();
  });
  CliRun waited = Run({"apply", "--auto-approve", "--lock-wait", "10s", "-q"});
  release.join();
  EXPECT_EQ(waited.code, 0) << waited.err;
}

// force-unlock takes the lock ID the lock message prints, and refuses while the holder still
// runs on this machine (here: this test process) unless --force.
TEST_F(SimCloud, ForceUnlockTakesTheLockIdAndSparesALiveHolder) {
  SqliteJournal other(journal_);
  ASSERT_FALSE(other.Lock("apply", std::chrono::milliseconds(0)));
  CliRun locked = Run({"apply", "--auto-approve"});
  ASSERT_EQ(locked.code, 1);
  const std::string id = other.Holder()->id;
  ASSERT_EQ(id.size(), 16u);
  EXPECT_NE(locked.err.find("lock ID " + id), std::string::npos) << locked.err;
  EXPECT_NE(locked.err.find("'egovctl force-unlock " + id + "'"), std::string::npos) << locked.err;
  std::ostringstream out, err;
  EXPECT_EQ(RunEgovctl({"force-unlock", "--journal", journal_}, out, err), 2);  // no ID
  EXPECT_NE(err.str().find("expected the lock ID"), std::string::npos) << err.str();
  EXPECT_EQ(RunEgovctl({"force-unlock", "0123456789abcdef", "--journal", journal_}, out, err), 1);
  EXPECT_NE(err.str().find("not under ID 0123456789abcdef"), std::string::npos) << err.str();
  EXPECT_EQ(RunEgovctl({"force-unlock", id, "--journal", journal_}, out, err), 1);
  EXPECT_NE(err.str().find("is still running on this machine"), std::string::npos) << err.str();
  EXPECT_TRUE(other.Holder());
  EXPECT_EQ(RunEgovctl({"force-unlock", id, "--force", "--journal", journal_}, out, err), 0);
  EXPECT_NE(out.str().find("Removed the lock held by"), std::string::npos) << out.str();
  EXPECT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  // The removal is in the history, newest runs first.
  std::ostringstream hist, herr;
  EXPECT_EQ(RunEgovctl({"history", "--journal", journal_}, hist, herr), 0) << herr.str();
  EXPECT_NE(hist.str().find("force-unlock"), std::string::npos) << hist.str();
  EXPECT_NE(hist.str().find("removed lock " + id), std::string::npos) << hist.str();
  EXPECT_LT(hist.str().find("apply "), hist.str().find("force-unlock")) << hist.str();
}

TEST_F(SimCloud, DriftFindsMissingModifiedAndUnmanaged) {
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  auto doms = Domains();
  // Behind egovctl's back: stop one replica, delete another, add a stranger.
  std::string victim_host = doms.at("cong-tt-0").first;
  {
    HostSession s;
    s.uri = Uri(victim_host);
    IsSimulatedUri(s.uri, s.sim_path);
    s.conn = libvirt::Connection::Open(s.uri);
    auto dom = DomainByName(*s.conn, "cong-tt-0");
    libvirt::StopDomain(dom.get());
    libvirt::UndefineDomain(dom.get());
    s.conn->DefineDomain(
        "<domain type='test'><name>stranger</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>",
        true);
    SaveSimulatedHost(s);
  }
  const std::string other_host = doms.at("dvc-tinh-0").first;
  {
    HostSession s;
    s.uri = Uri(other_host);
    IsSimulatedUri(s.uri, s.sim_path);
    s.conn = libvirt::Connection::Open(s.uri);
    libvirt::StopDomain(DomainByName(*s.conn, "dvc-tinh-0").get());
    SaveSimulatedHost(s);
  }
  CliRun drift = Run({"drift", "--format", "json"});
  EXPECT_EQ(drift.code, 3) << drift.err;
  std::map<std::string, std::string> classes;
  const auto report = nlohmann::json::parse(drift.out);
  for (const auto& d : report["drift"]) {
    classes[d["domain"]] = d["class"];
  }
  EXPECT_EQ(classes["cong-tt-0"], "missing");
  EXPECT_EQ(classes["dvc-tinh-0"], "modified");
  EXPECT_EQ(classes["stranger"], "unmanaged");
  // plan repairs it without touching the stranger.
  CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3);
  EXPECT_NE(plan.out.find("+ create    cong-tt-0"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("> start     dvc-tinh-0"), std::string::npos) << plan.out;
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  EXPECT_EQ(Run({"drift"}).code, 3);  // only the stranger is left
  EXPECT_TRUE(Domains().count("stranger"));
}

// A host written back keeps every domain's state: the ones defined since the host was loaded
// (written as text) and the ones loaded from the file, which carry the test namespace already.
TEST_F(SimCloud, SavedHostKeepsRunningAndShutOffDomains) {
  const std::string uri = Uri("state");
  auto open = [&] {
    HostSession s;
    s.uri = uri;
    EXPECT_TRUE(IsSimulatedUri(s.uri, s.sim_path));
    Host host;
    host.capacity.vcpus = 4;
    host.capacity.memory = 8ull << 30;
    EnsureSimulatedHostFile(s.sim_path, host);
    s.conn = libvirt::Connection::Open(s.uri);
    return s;
  };
  auto state = [](HostSession& s, const char* name) {
    return libvirt::GetDomainInfo(DomainByName(*s.conn, name).get()).state;
  };
  {
    HostSession s = open();
    for (const char* name : {"up", "down"}) {
      s.conn->DefineDomain(std::string("<domain type='test'><name>") + name +
                               "</name><title>Sở &lt;Tư&gt; pháp</title><memory>65536</memory>"
                               "<os><type>hvm</type></os></domain>",
                           true);
    }
    libvirt::StartDomain(DomainByName(*s.conn, "up").get());
    SaveSimulatedHost(s);
  }
  {
    HostSession s = open();
    EXPECT_EQ(state(s, "up"), VIR_DOMAIN_RUNNING);
    EXPECT_EQ(state(s, "down"), VIR_DOMAIN_SHUTOFF);
    EXPECT_NE(libvirt::GetDomainXml(DomainByName(*s.conn, "up").get(), 0)
                  .find("<title>Sở &lt;Tư&gt; pháp</title>"),
              std::string::npos);
    libvirt::StopDomain(DomainByName(*s.conn, "up").get());
    libvirt::StartDomain(DomainByName(*s.conn, "down").get());
    SaveSimulatedHost(s);
  }
  HostSession s = open();
  EXPECT_EQ(state(s, "up"), VIR_DOMAIN_SHUTOFF);
  EXPECT_EQ(state(s, "down"), VIR_DOMAIN_RUNNING);
}

TEST_F(SimCloud, ExplainAnswersWhyNotHere) {
  CliRun r = Run({"explain", "--workload", "dvc-tinh", "--host", "hn-01", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replicas"].size(), 2u);
  EXPECT_EQ(Run({"explain", "--workload", "nope", "--host", "hn-01"}).code, 2);
}

TEST_F(SimCloud, SpecChangeReplacesInPlace) {
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  const auto before = Domains();
  std::string text = kWorkloads;
  text.replace(text.find("memory: 1Gi"), 11, "memory: 2Gi");
  Write("in/workloads.yaml", text);
  CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3);
  EXPECT_NE(plan.out.find("~ replace   cong-tt-0"), std::string::npos) << plan.out;
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  const auto after = Domains();
  EXPECT_EQ(after.at("cong-tt-0").first, before.at("cong-tt-0").first);  // same host
  EXPECT_EQ(Run({"plan"}).code, 0);
}

// Resized behind egovctl's back: drift says so, and the plan repairs it.
TEST_F(SimCloud, ResizedOutsideEgovctlIsReplaced) {
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  const std::string host = Domains().at("cong-tt-0").first;
  {
    HostSession s;
    s.uri = Uri(host);
    IsSimulatedUri(s.uri, s.sim_path);
    s.conn = libvirt::Connection::Open(s.uri);
    auto dom = DomainByName(*s.conn, "cong-tt-0");
    std::string xml = libvirt::GetDomainXml(dom.get(), VIR_DOMAIN_XML_INACTIVE);
    const size_t at = xml.find("<vcpu");
    ASSERT_NE(at, std::string::npos) << xml;
    xml.replace(xml.find('>', at) + 1, 1, "4");  // 1 vCPU -> 4
    s.conn->DefineDomain(xml, false);
    SaveSimulatedHost(s);
  }
  CliRun drift = Run({"drift"});
  EXPECT_EQ(drift.code, 3);
  EXPECT_NE(drift.out.find("cong-tt-0 on " + host + ": resized outside egovctl: 4 vCPUs"),
            std::string::npos)
      << drift.out;
  CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3);
  EXPECT_NE(
      plan.out.find("~ replace   cong-tt-0 on " + host + ": resized outside egovctl: vcpus 4 -> 1"),
      std::string::npos)
      << plan.out;
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  EXPECT_EQ(Run({"drift"}).code, 0);
  EXPECT_EQ(Run({"plan"}).code, 0);
}

// A saved plan whose definition was edited is refused before any host is read.
TEST_F(SimCloud, EditedSavedPlanIsRefusedNamingTheDomain) {
  const std::string saved = (dir_ / "plan.json").string();
  ASSERT_EQ(Run({"plan", "-o", saved}).code, 3);
  std::ifstream in(saved);
  nlohmann::json j = nlohmann::json::parse(in);
  for (auto& a : j["actions"]) {
    if (a["domain"] != "dvc-tinh-1") continue;
    std::string xml = a["xml"];
    xml.insert(xml.find("</devices>"), "<graphics type='vnc' autoport='yes' listen='0.0.0.0'/>");
    a["xml"] = xml;
  }
  Write("plan.json", j.dump(2));
  fs::remove_all(sim_);
  CliRun r = Run({"apply", "--auto-approve", saved});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("dvc-tinh-1 on "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("has <graphics>, which egovctl never defines"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(sim_));  // refused before any host was read
}

// An apply killed with SIGKILL at any moment, then run again, converges: every replica exactly
// once, nothing lost, the journal says the first run was interrupted.
TEST_F(SimCloud, KilledApplyThenRerunConverges) {
  std::string many =
      "kind: Workload\nname: bulk\nagency: a\nsystem: s\nsecurity_level: 1\n"
      "replicas: 200\nresources: {vcpus: 1, memory: 64Mi}\n";
  Write("in/workloads.yaml", many);
  std::string big = egov::testing::SimulatedProviders();
  for (size_t at = big.find("vcpus: 32"); at != std::string::npos;
       at = big.find("vcpus: 32", at + 1)) {
    big.replace(at, 9, "vcpus: 999");
  }
  Write("in/providers.yaml", big);
  int killed = 0;
  for (int delay_ms : {0, 40, 120}) {
    fs::remove_all(sim_);
    fs::remove(journal_);
    const std::string in = (dir_ / "in").string();
    std::vector<std::string> args = {EGOVCTL_PATH, "apply", "--auto-approve", "-q",
                                     "-f",         in,      "--journal",      journal_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    posix_spawn_file_actions_t quiet;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(posix_spawn(&pid, EGOVCTL_PATH, &quiet, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&quiet);
    // Wait until the run has started (its steps are in the journal), then kill it a little later.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(journal_) && !JournalRuns(journal_, 1).empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CliRun rerun = Run({"apply", "--auto-approve", "-q"});
    ASSERT_EQ(rerun.code, 0) << "after kill at " << delay_ms << " ms: " << rerun.out << rerun.err;
    const auto doms = Domains();
    size_t managed = 0;
    std::set<int> replicas;
    for (const auto& [name, where] : doms) {
      if (!where.second) continue;
      ++managed;
      EXPECT_TRUE(replicas.insert(where.second->replica).second) << name;
    }
    EXPECT_EQ(managed, 200u) << "after kill at " << delay_ms << " ms";
    EXPECT_EQ(Run({"plan"}).code, 0);
    const auto runs = JournalRuns(journal_, 5);
    ASSERT_FALSE(runs.empty());
    EXPECT_EQ(runs[0].status, "done");
    if (WIFSIGNALED(status)) {
      ++killed;
      ASSERT_EQ(runs.size(), 2u);
      EXPECT_EQ(runs[1].status, "interrupted") << "killed at " << delay_ms << " ms";
    }
  }
  EXPECT_GE(killed, 1);  // at least one kill landed mid-apply
}

}  // namespace
}  // namespace egov::orchestrator
