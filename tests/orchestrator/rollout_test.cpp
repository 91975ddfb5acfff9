// Rolling replace, host maintenance and failed hosts, end to end on simulated hosts (libvirt's
// test driver, one file per host), and the health probe against a loopback HTTP server.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "orchestrator/health.h"
#include "tests/support/egovctl.h"
#include "tests/support/serving.h"
#include "tests/support/sim_hosts.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using egov::testing::CliRun;

std::string Workload(const std::string& memory, const std::string& update = "") {
  return "kind: Workload\nname: dvc\nagency: \"Bộ Nội vụ\"\nsystem: \"Cổng\"\n"
         "security_level: 1\nreplicas: 3\nresources: {vcpus: 1, memory: " +
         memory + ", disk: 10Gi}\nplacement: {spread: host}\n" + update;
}

class Rollout : public egov::testing::SimulatedHosts {
 protected:
  void SetUp() override {
    SimulatedHosts::SetUp();
    dir_.Write("in/providers.yaml", egov::testing::SimulatedProviders());
    dir_.Write("in/workloads.yaml", Workload("1Gi"));
  }

  CliRun Run(std::vector<std::string> args) {
    if (args[0] == "apply") args.insert(args.begin() + 1, "--auto-approve");
    return egov::testing::Egovctl(WithInputs(args, args[0] == "images" ? 2 : 1));
  }

  nlohmann::json ApplyJson() {
    const CliRun r = Run({"apply", "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  // Replica name -> the hosts whose files define it, skipping `except` (a file not to read).
  std::map<std::string, std::vector<std::string>> Replicas(const std::string& except = "") {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& entry : fs::directory_iterator(sim_)) {
      const std::string host = entry.path().stem().string();
      if (entry.path().extension() != ".xml" || host == except) continue;
      auto conn = libvirt::Connection::Open("test://" + entry.path().string());
      for (const auto& dom : conn->ListAllDomains()) {
        if (!libvirt::GetDomainMetadata(dom.get(), kMetadataNamespace)) continue;
        const auto info = libvirt::GetDomainInfo(dom.get());
        EXPECT_EQ(info.state, VIR_DOMAIN_RUNNING) << info.name << " on " << host;
        out[info.name].push_back(host);
      }
    }
    return out;
  }

  // The host running `domain` now.
  std::string HostOf(const std::string& domain) {
    const auto r = Replicas();
    return r.count(domain) ? r.at(domain).front() : "";
  }
};

// The steps of `action` in the apply's JSON, in the order they started.
std::vector<nlohmann::json> Steps(const nlohmann::json& j, const std::string& action) {
  std::vector<nlohmann::json> out;
  for (const auto& s : j["steps"]) {
    if (s["action"] == action) out.push_back(s);
  }
  return out;
}

std::chrono::sys_seconds::duration::rep Micros(const nlohmann::json& t) {
  // RFC 3339 with microseconds: the seconds parse, the fraction is read here.
  const std::string s = t.get<std::string>();
  const auto whole = ParseTimestamp(s);
  EXPECT_TRUE(whole.has_value()) << s;
  const size_t dot = s.find('.');
  EXPECT_NE(dot, std::string::npos) << s;
  return whole->time_since_epoch().count() * 1000000 + std::stoll(s.substr(dot + 1, 6));
}

TEST_F(Rollout, MemoryChangeReplacesOneReplicaAtATime) {
  ASSERT_EQ(Run({"apply", "-q"}).code, 0);
  dir_.Write("in/workloads.yaml", Workload("2Gi"));
  const nlohmann::json j = ApplyJson();
  const auto replaces = Steps(j, "replace");
  ASSERT_EQ(replaces.size(), 3u) << j.dump(2);
  for (size_t i = 0; i + 1 < replaces.size(); ++i) {
    EXPECT_EQ(replaces[i]["status"], "done");
    EXPECT_LE(Micros(replaces[i]["finished"]), Micros(replaces[i + 1]["started"]))
        << "replaces overlap: " << replaces[i].dump() << " " << replaces[i + 1].dump();
  }
  for (const auto& s : replaces) EXPECT_LE(Micros(s["started"]), Micros(s["finished"]));
  EXPECT_EQ(Replicas().size(), 3u);
}

TEST_F(Rollout, MaxUnavailableTwoRunsTheThirdAfterTheFirstTwo) {
  ASSERT_EQ(Run({"apply", "-q"}).code, 0);
  dir_.Write("in/workloads.yaml", Workload("2Gi", "update: {max_unavailable: 2}\n"));
  const auto replaces = Steps(ApplyJson(), "replace");
  ASSERT_EQ(replaces.size(), 3u);
  // The third is the second batch: it starts once both of the first have finished.
  EXPECT_LE(std::max(Micros(replaces[0]["finished"]), Micros(replaces[1]["finished"])),
            Micros(replaces[2]["started"]));
}

TEST_F(Rollout, MaxUnavailableAboveThePolicyLimitIsRefusedWithItsLine) {
  dir_.Write("in/policy.yaml", R"yaml(kind: Policy
name: strict
levels:
  - {level: 1, update: {max_unavailable: 1, limit: 1}}
  - {level: 2}
  - {level: 3}
  - {level: 4}
  - {level: 5}
)yaml");
  dir_.Write("in/workloads.yaml", Workload("1Gi", "update: {max_unavailable: 2}\n"));
  const CliRun r = Run({"plan"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("workloads.yaml:9:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected at most 1"), std::string::npos) << r.err;

  dir_.Write("in/workloads.yaml", Workload("1Gi", "update: {max_unavailable: 1}\n"));
  EXPECT_EQ(Run({"plan"}).code, 3);
}

TEST_F(Rollout, UnknownUpdateKeyAndHostStateAreRefused) {
  dir_.Write("in/workloads.yaml", Workload("1Gi", "update: {max_surge: 1}\n"));
  CliRun r = Run({"plan"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("workloads.yaml:9:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key 'max_surge'"), std::string::npos) << r.err;

  dir_.Write("in/workloads.yaml", Workload("1Gi"));
  dir_.Write("in/providers.yaml", egov::testing::SimulatedProviders("hn-02", "draining"));
  r = Run({"plan"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("providers.yaml:11:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("active, maintenance, failed"), std::string::npos) << r.err;
}

TEST_F(Rollout, MaintenanceEmptiesTheHostNewCopyFirst) {
  ASSERT_EQ(Run({"apply", "-q"}).code, 0);
  const std::string host = HostOf("dvc-0");
  dir_.Write("in/providers.yaml", egov::testing::SimulatedProviders(host, "maintenance"));
  const nlohmann::json j = ApplyJson();
  const auto creates = Steps(j, "create");
  const auto deletes = Steps(j, "delete");
  ASSERT_EQ(deletes.size(), 1u) << j.dump(2);
  ASSERT_EQ(creates.size(), 1u) << j.dump(2);
  EXPECT_EQ(deletes[0]["host"], host);
  EXPECT_EQ(deletes[0]["domain"], "dvc-0");
  EXPECT_EQ(creates[0]["domain"], "dvc-0");
  EXPECT_LE(Micros(creates[0]["finished"]), Micros(deletes[0]["started"]));
  EXPECT_NE(creates[0]["note"].get<std::string>().find("re-created (simulated hosts"),
            std::string::npos)
      << creates[0].dump();
  const auto replicas = Replicas();
  EXPECT_EQ(replicas.size(), 3u);
  for (const auto& [name, hosts] : replicas) {
    EXPECT_EQ(hosts.size(), 1u) << name;
    EXPECT_NE(hosts.front(), host) << name;
  }
  // Written back new host first: a kill between the two writes leaves dvc-0 on both, not on
  // neither.
  const std::string to = creates[0]["host"];
  EXPECT_LE(fs::last_write_time(HostFile(to)), fs::last_write_time(HostFile(host)));
  // Nothing goes back while it stays in maintenance.
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 0) << plan.out;
}

TEST_F(Rollout, FailedHostIsEvacuatedThenItsStaleCopiesGoFirst) {
  ASSERT_EQ(Run({"apply", "-q"}).code, 0);
  const std::string host = HostOf("dvc-0");
  const fs::path file = HostFile(host);
  const std::string saved = egov::testing::ReadFile(file);
  egov::testing::WriteFile(file, "not a libvirt host file");

  // Unreadable but not declared failed: its replica is unknown, never re-created.
  CliRun r = Run({"apply", "-q"});
  EXPECT_NE(r.out.find("Unreachable hosts"), std::string::npos) << r.out;
  EXPECT_EQ(Replicas(host).size(), 2u);

  dir_.Write("in/providers.yaml", egov::testing::SimulatedProviders(host, "failed"));
  // Until apply re-creates them, status lists its replicas as fenced, not unreachable.
  const std::string status = Run({"status"}).out;
  EXPECT_NE(status.find(": unknown (host declared failed: not asked; re-created elsewhere)"),
            std::string::npos)
      << status;
  r = Run({"apply", "-q"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto replicas = Replicas(host);
  EXPECT_EQ(replicas.size(), 3u);
  EXPECT_EQ(egov::testing::ReadFile(file), "not a libvirt host file");  // never called
  // Back, with what it ran when it failed: the stale copy goes before anything else.
  egov::testing::WriteFile(file, saved);
  dir_.Write("in/providers.yaml", egov::testing::SimulatedProviders());
  dir_.Write("in/workloads.yaml", Workload("2Gi"));  // and a rollout in the same run
  const nlohmann::json j = ApplyJson();
  const auto deletes = Steps(j, "delete");
  ASSERT_EQ(deletes.size(), 1u) << j.dump(2);
  EXPECT_EQ(deletes[0]["host"], host);
  EXPECT_EQ(j["steps"][0], deletes[0]) << j.dump(2);
  for (const auto& s : Steps(j, "replace")) EXPECT_NE(s["host"], host);
  replicas = Replicas();
  EXPECT_EQ(replicas.size(), 3u);
  for (const auto& [name, hosts] : replicas) EXPECT_EQ(hosts.size(), 1u) << name;
}

// Every command that reaches hosts leaves a host declared failed alone: its file stays
// readable and holds a running replica, which any read would show and `destroy` would delete.
TEST_F(Rollout, NoCommandCallsAFailedHost) {
  ASSERT_EQ(Run({"apply", "-q"}).code, 0);
  const std::string host = HostOf("dvc-0");
  const fs::path file = sim_ / (host + ".xml");
  const std::string saved = egov::testing::ReadFile(file);
  // Its agent is up and counts what it is asked (the default policy needs compliance for
  // levels 3 to 5, so every command that reads compliance would ask it).
  httplib::Server server;
  std::atomic<int> asked{0};
  server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
    ++asked;
    res.status = 404;
  });
  egov::testing::Serving agent(server);
  dir_.Write("in/providers.yaml",
             egov::testing::SimulatedProviders(host, "failed, agent: \"" + agent.Url("/") + "\""));
  const std::string fenced = "failed in the inventory (fenced)", explained = "host failed (fenced)";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"status"},
                                             {"status", "--format", "json"},
                                             {"drift"},
                                             {"plan"},
                                             {"explain", "--workload", "dvc"},
                                             {"explain", "--workload", "dvc", "--host", host},
                                             {"images", "list"},
                                             {"destroy", "--all", "--auto-approve"}}) {
    const CliRun r = Run(args);
    const std::string said = r.out + r.err;
    SCOPED_TRACE(args[0] + " (exit " + std::to_string(r.code) + "):\n" + said);
    EXPECT_NE(said.find(args[0] == "explain" ? explained : fenced), std::string::npos);
    EXPECT_EQ(egov::testing::ReadFile(file), saved);
    if (args[0] == "images") {
      EXPECT_EQ(r.code, 0);
    }
  }
  EXPECT_EQ(asked.load(), 0) << "the failed host's agent was asked";
  const CliRun status = Run({"status"});
  EXPECT_NE(status.out.find(host + ": decree85-level3, decree85-level4, decree85-level5 unknown: "
                                   "declared failed in the inventory (fenced): its agent is not "
                                   "asked"),
            std::string::npos)
      << status.out;
  // What it ran is still there, untouched, for when it comes back.
  EXPECT_EQ(Replicas().at("dvc-0"), std::vector<std::string>{host});
}

TEST(Health, WaitsUntilTheUrlAnswersAsDeclared) {
  httplib::Server server;
  std::atomic<int> calls{0};
  server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    res.status = ++calls < 3 ? 503 : 200;
  });
  egov::testing::Serving serving(server);
  Health h;
  h.url = serving.Url("/healthz");
  h.interval = 10ms;
  h.timeout = 1s;
  EXPECT_EQ(WaitForHealth(h, 10s), "");
  EXPECT_EQ(calls.load(), 3);
}

TEST(Health, GivesUpAfterTheWaitWithTheLastAnswer) {
  httplib::Server server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  egov::testing::Serving serving(server);
  Health h;
  h.url = serving.Url("/healthz");
  h.interval = 10ms;
  h.timeout = 1s;
  const auto start = std::chrono::steady_clock::now();
  const std::string why = WaitForHealth(h, 300ms);
  EXPECT_NE(why.find("status 503, expected 200"), std::string::npos) << why;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace egov::orchestrator
