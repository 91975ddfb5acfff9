#include "orchestrator/status.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/clock.h"

#include "tests/orchestrator/observed_fleet.h"

namespace egov::orchestrator {
namespace {

TEST(Status, AggregatesReplicasPerWorkloadAndUsagePerProviderAndZone) {
  ObservedFleet f;
  f.Run("a3", "web", 1, "", RunState::kShutoff);
  f.Run("a1", "web", 0, "sha256:old");
  f.Run("b1", "old-system", 0);
  f.Run("b1", "stranger", 0).metadata.reset();

  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.observed.hosts);
  ASSERT_EQ(s.workloads.size(), 3u);  // web and db as declared, then the undeclared one
  const WorkloadStatus& web = s.workloads[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_TRUE(web.declared);
  EXPECT_EQ(web.level, 2);
  EXPECT_EQ(web.desired, 2);
  EXPECT_EQ(web.agency, "Sở Thông tin và Truyền thông");
  ASSERT_EQ(web.replicas.size(), 2u);
  EXPECT_EQ(web.replicas[0].host, "a1");  // by replica index, not host order
  EXPECT_FALSE(web.replicas[0].current);
  EXPECT_EQ(web.replicas[1].state, "shutoff");
  EXPECT_TRUE(web.replicas[1].current);
  EXPECT_EQ(s.workloads[1].name, "db");
  EXPECT_TRUE(s.workloads[1].replicas.empty());
  EXPECT_EQ(s.workloads[2].name, "old-system");
  EXPECT_FALSE(s.workloads[2].declared);
  EXPECT_EQ(s.workloads[2].desired, 0);

  const Usage& alpha = s.providers.at("alpha");
  EXPECT_EQ(alpha.hosts, 3u);
  EXPECT_EQ(alpha.domains, 2u);
  EXPECT_EQ(alpha.vcpus, 4u);
  EXPECT_EQ(alpha.vcpu_capacity, 48u);
  const Usage& beta = s.providers.at("beta");
  EXPECT_EQ(beta.domains, 2u);  // managed or not, every domain takes capacity
  EXPECT_EQ(beta.memory, 2ULL << 30);
  EXPECT_EQ(s.zones.at("alpha/z1").memory, 4ULL << 30);
  EXPECT_EQ(s.zones.at("alpha/z2").domains, 1u);
  EXPECT_TRUE(s.unreachable.empty());
}

TEST(Status, UnreachableHostsCountAsHostsNotAsUsage) {
  ObservedFleet f;
  f.Run("b1", "db", 0);
  f.Unreachable("b1", "connection refused");
  f.Unreachable("a1", "timeout");
  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.observed.hosts);
  EXPECT_TRUE(s.workloads[1].replicas.empty());
  EXPECT_EQ(s.providers.at("beta").hosts, 1u);
  EXPECT_EQ(s.providers.at("beta").reachable, 0u);
  EXPECT_EQ(s.providers.at("beta").domains, 0u);
  EXPECT_EQ(s.providers.at("alpha").reachable, 2u);
  const std::vector<std::pair<std::string, std::string>> unreachable = {
      {"a1", "timeout"}, {"b1", "connection refused"}};
  EXPECT_EQ(s.unreachable, unreachable);  // in host order
}

TEST(Status, RendersTextAndJson) {
  ObservedFleet f;
  f.Run("a1", "web", 0);
  f.Run("a3", "web", 1, "sha256:old", RunState::kPaused);
  f.Unreachable("b1", "timeout");
  f.observed.compliance["a1"]["decree85-level3"] = {Compliance::kPass, ""};
  for (const char* profile : {"decree85-level3", "decree85-level4"}) {
    f.observed.compliance["a2"][profile] = {Compliance::kUnknown,
                                            "the agent refused the credentials (HTTP 401)"};
  }
  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.observed.hosts, f.observed.compliance);
  std::ostringstream text;
  PrintStatus(s, text);
  EXPECT_EQ(text.str(),
            "Workloads:\n"
            "  web (level 2, Sở Thông tin và Truyền thông): 1/2 running\n"
            "    web-0 on a1: running\n"
            "    web-1 on a3: paused (spec out of date)\n"
            "  db (level 1, Bộ Tài chính): 0/1 running\n"
            "\nCapacity by provider and zone (vCPUs used/capacity, memory used/capacity):\n"
            "  alpha: 3/3 hosts up, 2 domains, vCPUs 4/48 (8%), memory 8Gi/192Gi (4%)\n"
            "    z1: 2/2 hosts up, 1 domains, vCPUs 2/32, memory 4Gi/128Gi\n"
            "    z2: 1/1 hosts up, 1 domains, vCPUs 2/16, memory 4Gi/64Gi\n"
            "  beta: 0/1 hosts up, 0 domains, vCPUs 0/16 (0%), memory 0/64Gi (0%)\n"
            "    z1: 0/1 hosts up, 0 domains, vCPUs 0/16, memory 0/64Gi\n"
            "\nCertification expires:\n"
            "  alpha: 2030-01-01\n"
            "  beta: 2030-01-01\n"
            "\nUnreachable hosts (state unknown):\n"
            "  b1: timeout\n"
            "\nHosts that do not pass the policy's profiles:\n"
            "  a2: decree85-level3, decree85-level4 unknown: the agent refused the credentials "
            "(HTTP 401)\n");
  const nlohmann::json j = ToJson(s);
  EXPECT_EQ(j["workloads"][0]["desired"], 2);
  EXPECT_EQ(j["workloads"][0]["level"], 2);
  EXPECT_EQ(j["workloads"][0]["replicas"][1]["spec_current"], false);
  EXPECT_EQ(j["providers"]["alpha"]["vcpus_used"], 4);
  EXPECT_EQ(j["zones"]["alpha/z2"]["memory_bytes"], 64ULL << 30);
  EXPECT_EQ(j["unreachable"]["b1"], "timeout");
  EXPECT_EQ(j["providers"]["beta"]["certification_expires"], "2030-01-01");
  EXPECT_EQ(j["compliance"], nlohmann::json::parse(R"j([
              {"host": "a1", "profile": "decree85-level3", "status": "pass", "reason": ""},
              {"host": "a2", "profile": "decree85-level3", "status": "unknown",
               "reason": "the agent refused the credentials (HTTP 401)"},
              {"host": "a2", "profile": "decree85-level4", "status": "unknown",
               "reason": "the agent refused the credentials (HTTP 401)"}])j"));
}

TEST(Status, ReplicasOnUnreachableHostsAreListedWithHowLongAgoTheHostWasRead) {
  ObservedFleet f;
  f.Run("a3", "web", 1);
  f.Unreachable("a1", "connection refused");
  f.observed.known["a1"] = {{"a1", "web-0", ReplicaUuid("web", 0), "web", 0, f.Spec("web")}};
  f.observed.last_read["a1"] = "2026-12-07T10:00:00Z";
  const auto now = std::chrono::sys_seconds(*ParseTimestamp("2026-12-07T13:05:09Z"));
  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.observed, now);
  const WorkloadStatus& web = s.workloads[0];
  ASSERT_EQ(web.replicas.size(), 2u);
  EXPECT_EQ(web.replicas[0].host, "a1");
  EXPECT_EQ(web.replicas[0].state, "unknown");
  EXPECT_TRUE(web.replicas[0].current);
  EXPECT_EQ(s.last_read.at("a1").second, "3h 5m");
  std::ostringstream text;
  PrintStatus(s, text);
  EXPECT_NE(text.str().find("web-0 on a1: unknown (host unreachable, last read 3h 5m ago)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("a1: connection refused; last read by apply 2026-12-07T10:00:00Z"),
            std::string::npos)
      << text.str();
  EXPECT_EQ(ToJson(s)["last_read"]["a1"], "2026-12-07T10:00:00Z");
  // Without the journal's record the replica is not listed, as before.
  f.observed.known.clear();
  EXPECT_EQ(AggregateStatus(f.inv, f.policy, f.observed, now).workloads[0].replicas.size(), 1u);
}

TEST(Status, AgoShowsTheTwoLargestUnits) {
  EXPECT_EQ(Ago(std::chrono::seconds(0)), "0s");
  EXPECT_EQ(Ago(std::chrono::seconds(40)), "40s");
  EXPECT_EQ(Ago(std::chrono::seconds(137)), "2m 17s");
  EXPECT_EQ(Ago(std::chrono::seconds(3 * 3600 + 5 * 60 + 9)), "3h 5m");
  EXPECT_EQ(Ago(std::chrono::seconds(2 * 86400 + 4 * 3600)), "2d 4h");
  EXPECT_EQ(Ago(std::chrono::seconds(-5)), "0s");  // a clock that went back
}

}  // namespace
}  // namespace egov::orchestrator
