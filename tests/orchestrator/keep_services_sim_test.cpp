// Issue 19 on simulated hosts (libvirt's test driver, one file per host), each command a
// separate run as an operator types it: confirmation, field-level changes, replicas that have
// nowhere to go, and room made for level 4.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "orchestrator/commands.h"
#include "tests/support/egovctl.h"
#include "tests/support/sim_hosts.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using egov::testing::CliRun;

// Provider `hanoi` certified to level 4 until the end of 2027, with three hosts; provider `le`
// certified to level 1 only, with one. The policy: level 1 anywhere, level 3 spread over hosts,
// level 4 on hosts of its own, no live compliance asked.
const char* kInputs = R"yaml(
kind: Provider
name: hanoi
display_name: Ha Noi
certification: {scheme: MIC-1145, certificate: T-1, issued: 2024-01-01, expires: 2027-12-31,
                max_security_level: 4}
residency: VN
zones:
  - name: z1
    hosts:
      - {name: h1, uri: "test://${EGOV_SIM_DIR}/h1.xml", capacity: {vcpus: 16, memory: 32Gi, disk: 1Ti}}
      - {name: h2, uri: "test://${EGOV_SIM_DIR}/h2.xml", capacity: {vcpus: 16, memory: 32Gi, disk: 1Ti}}
      - {name: h3, uri: "test://${EGOV_SIM_DIR}/h3.xml", capacity: {vcpus: 16, memory: 32Gi, disk: 1Ti}}
---
kind: Provider
name: le
display_name: Level one
certification: {scheme: MIC-1145, certificate: T-2, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 1}
residency: VN
zones:
  - name: z1
    hosts:
      - {name: l1, uri: "test://${EGOV_SIM_DIR}/l1.xml", capacity: {vcpus: 16, memory: 32Gi, disk: 1Ti}}
---
kind: Policy
name: test
description: "for the tests"
levels:
  - {level: 1, min_replicas: 1, spread: none, separation: none, residency: [VN]}
  - {level: 2, min_replicas: 1, spread: none, separation: none, residency: [VN]}
  - {level: 3, min_replicas: 1, spread: host, separation: none, residency: [VN]}
  - {level: 4, min_replicas: 1, spread: host, separation: physical, residency: [VN]}
  - {level: 5, min_replicas: 1, spread: host, separation: physical, residency: [VN]}
)yaml";

std::string Workload(const std::string& name, int level, int replicas,
                     const std::string& memory = "2Gi") {
  return "---\nkind: Workload\nname: " + name + "\nagency: \"Sở Nội vụ\"\nsystem: \"Hệ thống\"\n" +
         "security_level: " + std::to_string(level) + "\nreplicas: " + std::to_string(replicas) +
         "\nresources: {vcpus: 1, memory: " + memory + "}\n";
}

// Runs `argv` with a terminal (a pseudo-terminal) as its standard input and output, answers
// `answer` once the question appears, and returns its exit code and everything it printed.
// Bounded: the child is killed by its PID after 60 s.
CliRun OnATerminal(const std::vector<std::string>& argv, const std::string& answer) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return {};
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  CliRun run;
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has gone
    run.out.append(buf, static_cast<size_t>(n));
    if (!answered && run.out.find("Only 'yes' will be accepted:") != std::string::npos) {
      answered =
          ::write(master, answer.data(), answer.size()) == static_cast<ssize_t>(answer.size());
    }
  }
  if (std::chrono::steady_clock::now() >= deadline) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class KeepServices : public egov::testing::SimulatedHosts {
 protected:
  void SetUp() override {
    SimulatedHosts::SetUp();
    dir_.Write("in/inputs.yaml", kInputs);
  }
  void TearDown() override {
    SimulatedHosts::TearDown();
    ::unsetenv("EGOV_TODAY");
  }

  void Workloads(const std::string& yaml) { dir_.Write("in/workloads.yaml", yaml); }

  // The managed domains on the simulated hosts: name -> host.
  std::map<std::string, std::string> Domains() {
    std::map<std::string, std::string> out;
    if (!fs::exists(sim_)) return out;
    for (const auto& entry : fs::directory_iterator(sim_)) {
      if (entry.path().extension() != ".xml") continue;
      auto conn = libvirt::Connection::Open("test://" + entry.path().string());
      for (const auto& dom : conn->ListAllDomains()) {
        if (libvirt::GetDomainMetadata(dom.get(), kMetadataNamespace)) {
          out[libvirt::GetDomainInfo(dom.get()).name] = entry.path().stem().string();
        }
      }
    }
    return out;
  }
};

TEST(Approval, OnlyYesOnATerminalOrAutoApproveLetsItGoOn) {
  std::istringstream yes("yes\n"), no("no\n"), y("y\n"), nothing("");
  std::ostringstream out;
  EXPECT_EQ(AskApproval(false, true, yes, out, "apply"), Approval::kApproved);
  EXPECT_NE(out.str().find("Only 'yes' will be accepted"), std::string::npos) << out.str();
  EXPECT_EQ(AskApproval(false, true, no, out, "apply"), Approval::kDeclined);
  EXPECT_EQ(AskApproval(false, true, y, out, "apply"), Approval::kDeclined);
  EXPECT_EQ(AskApproval(false, true, nothing, out, "apply"), Approval::kDeclined);
  std::istringstream yes_again("yes\n");
  EXPECT_EQ(AskApproval(false, false, yes_again, out, "apply"), Approval::kNoTerminal);
  std::ostringstream quiet;
  EXPECT_EQ(AskApproval(true, false, nothing, quiet, "destroy"), Approval::kApproved);
  EXPECT_EQ(quiet.str(), "");  // approved in advance: nothing asked
}

// Standard input is a pipe here, never a terminal: even "yes" on it is refused.
TEST_F(KeepServices, ApplyAndDestroyWithoutATerminalRefuseAndChangeNothing) {
  Workloads(Workload("cong-tt", 1, 2));
  std::vector<std::string> apply = WithInputs({"apply"});
  apply.insert(apply.begin(), EGOVCTL_PATH);
  const CliRun refused = egov::testing::RunProcess(apply, "yes\n");
  EXPECT_EQ(refused.code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("--auto-approve"), std::string::npos) << refused.err;
  EXPECT_NE(refused.out.find("2 to create"), std::string::npos) << refused.out;  // plan shown
  EXPECT_TRUE(Domains().empty());

  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  ASSERT_EQ(Domains().size(), 2u);
  std::vector<std::string> destroy = WithInputs({"destroy", "--all"});
  destroy.insert(destroy.begin(), EGOVCTL_PATH);
  const CliRun kept = egov::testing::RunProcess(destroy, "yes\n");
  EXPECT_EQ(kept.code, 2) << kept.out << kept.err;
  EXPECT_EQ(Domains().size(), 2u);
}

TEST_F(KeepServices, OnATerminalOnlyYesApplies) {
  Workloads(Workload("cong-tt", 1, 2));
  std::vector<std::string> apply = WithInputs({"apply"});
  apply.insert(apply.begin(), EGOVCTL_PATH);
  const CliRun no = OnATerminal(apply, "no\n");
  EXPECT_EQ(no.code, 1) << no.out;
  EXPECT_NE(no.out.find("Do you want to carry out this apply plan?"), std::string::npos) << no.out;
  EXPECT_NE(no.out.find("cancelled; nothing was changed"), std::string::npos) << no.out;
  EXPECT_TRUE(Domains().empty());
  const CliRun yes = OnATerminal(apply, "yes\n");
  EXPECT_EQ(yes.code, 0) << yes.out;
  EXPECT_EQ(Domains().size(), 2u);

  std::vector<std::string> destroy = WithInputs({"destroy", "--all"});
  destroy.insert(destroy.begin(), EGOVCTL_PATH);
  const CliRun gone = OnATerminal(destroy, "yes\n");
  EXPECT_EQ(gone.code, 0) << gone.out;
  EXPECT_NE(gone.out.find("Do you want to carry out this destroy plan?"), std::string::npos);
  EXPECT_TRUE(Domains().empty());
}

TEST_F(KeepServices, MemoryChangeShowsEachFieldThatChanges) {
  Workloads(Workload("dvc-tinh", 3, 3, "2Gi"));
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  Workloads(Workload("dvc-tinh", 3, 3, "3Gi"));
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3) << plan.err;
  for (int r = 0; r < 3; ++r) {
    const std::string line = "dvc-tinh-" + std::to_string(r) + " on ";
    const auto at = plan.out.find(line);
    ASSERT_NE(at, std::string::npos) << plan.out;
    const std::string rest = plan.out.substr(at, plan.out.find('\n', at) - at);
    EXPECT_NE(rest.find(": memory 2Gi -> 3Gi"), std::string::npos) << rest;
  }
  const CliRun json = Run({"plan", "--format", "json"});
  const auto j = nlohmann::json::parse(json.out);
  size_t replaces = 0;
  for (const auto& a : j["actions"]) {
    if (a["action"] != "replace") continue;
    ++replaces;
    EXPECT_EQ(a["changes"],
              nlohmann::json::parse(R"([{"field": "memory", "from": "2Gi", "to": "3Gi"}])"));
  }
  EXPECT_EQ(replaces, 3u);
  // Drift says the same.
  const CliRun drift = Run({"drift"});
  EXPECT_EQ(drift.code, 3);
  EXPECT_NE(drift.out.find("memory 2Gi -> 3Gi"), std::string::npos) << drift.out;
}

TEST_F(KeepServices, ApplyWithUnplaceableReplicasExitsOneAndPlanNeverSaysNoChanges) {
  Workloads(Workload("dvc", 3, 5));  // spread over hosts: 3 hosts for level 3, 5 replicas
  const CliRun apply = Run({"apply", "--auto-approve", "-q"});
  EXPECT_EQ(apply.code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("2 replica(s) not placed, so the desired state is not reached: dvc "
                           "replica 3, dvc replica 4"),
            std::string::npos)
      << apply.out;
  EXPECT_EQ(Domains().size(), 3u);
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3) << plan.out;
  EXPECT_EQ(plan.out.find("No changes"), std::string::npos) << plan.out;
  // Listed last, each reason with its count, apart.
  const auto cannot = plan.out.find("Cannot be placed:");
  ASSERT_NE(cannot, std::string::npos) << plan.out;
  EXPECT_EQ(plan.out.find('\n', plan.out.find("dvc replica 4:")) + 1 +
                plan.out.substr(plan.out.find('\n', plan.out.find("dvc replica 4:")) + 1)
                    .find("\n0 to create"),
            plan.out.find("\n0 to create"))
      << plan.out;  // nothing but its own lines after the last one
  EXPECT_NE(plan.out.find("0/4 hosts: 3 same host as replicas 0, 1, 2; 1 certification below "
                          "level 3"),
            std::string::npos)
      << plan.out;
  EXPECT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 1);
}

TEST_F(KeepServices, LevelFourGetsDedicatedHostsOnceLevelOneReplicasMove) {
  Workloads(Workload("cong-tt", 1, 4));  // one on each host: least allocated first
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  Workloads(Workload("cong-tt", 1, 4) + Workload("csdl", 4, 2));
  const CliRun explain = Run({"explain", "--workload", "csdl"});
  EXPECT_EQ(explain.code, 0) << explain.err;
  EXPECT_NE(explain.out.find("in the way: cong-tt-"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("(level 1, moves to "), std::string::npos) << explain.out;

  const CliRun first = Run({"apply", "--auto-approve"});
  EXPECT_EQ(first.code, 1) << first.out << first.err;  // room made; csdl-1 not placed yet
  EXPECT_NE(first.out.find("makes room for csdl: level 4 needs a dedicated host"),
            std::string::npos)
      << first.out;
  const CliRun second = Run({"apply", "--auto-approve", "-q"});
  EXPECT_EQ(second.code, 0) << second.out << second.err;

  const auto doms = Domains();
  ASSERT_EQ(doms.size(), 6u);
  const std::string a = doms.at("csdl-0"), b = doms.at("csdl-1");
  EXPECT_NE(a, b);
  for (const auto& [name, host] : doms) {
    if (name.rfind("cong-tt", 0) == 0) {
      EXPECT_NE(host, a) << name;
      EXPECT_NE(host, b) << name;
    }
  }
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 0) << plan.out;
}

TEST_F(KeepServices, ExpiredCertificationWithNowhereToGoDeletesNothing) {
  Workloads(Workload("thong-ke", 3, 2));
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  const auto before = Domains();
  ASSERT_EQ(before.size(), 2u);
  ::setenv("EGOV_TODAY", "2028-01-05", 1);  // hanoi's certification expired; le is level 1
  const CliRun plan = Run({"plan"});
  EXPECT_EQ(plan.code, 3) << plan.out;
  EXPECT_EQ(plan.out.find("- delete"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("must move (certification expired), no host qualifies; it stays on"),
            std::string::npos)
      << plan.out;

  const CliRun apply = Run({"apply", "--auto-approve"});
  EXPECT_EQ(apply.code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("thong-ke replica 0, thong-ke replica 1"), std::string::npos)
      << apply.out;
  EXPECT_EQ(Domains(), before);  // nothing deleted

  const CliRun drift = Run({"drift"});
  EXPECT_EQ(drift.code, 3);
  EXPECT_NE(drift.out.find("misplaced thong-ke-0"), std::string::npos) << drift.out;
  EXPECT_NE(drift.out.find("must move (certification expired), but no host qualifies"),
            std::string::npos)
      << drift.out;
}

TEST_F(KeepServices, ExpiredCertificationMovesReplicasWhereAHostQualifies) {
  Workloads(Workload("cong-tt", 1, 2));
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  ::setenv("EGOV_TODAY", "2028-01-05", 1);
  const CliRun drift = Run({"drift"});
  EXPECT_EQ(drift.code, 3);
  EXPECT_NE(drift.out.find("the plan moves it to l1"), std::string::npos) << drift.out;
  ASSERT_EQ(Run({"apply", "--auto-approve", "-q"}).code, 0);
  for (const auto& [name, host] : Domains()) EXPECT_EQ(host, "l1") << name;
  EXPECT_EQ(Run({"drift"}).code, 0);
}

}  // namespace
}  // namespace egov::orchestrator
