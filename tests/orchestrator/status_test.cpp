#include "orchestrator/status.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/loader.h"
#include "orchestrator/desired.h"

namespace egov::orchestrator {
namespace {

const std::string kSource = EGOV_SOURCE_DIR;

const char* kInventory = R"(
kind: Provider
name: p
display_name: P
certification: {scheme: MIC-1145, certificate: C, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 5}
residency: VN
zones:
  - name: z1
    hosts:
      - {name: a, uri: "test:///a.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
      - {name: b, uri: "test:///b.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
  - name: z2
    hosts:
      - {name: c, uri: "test:///c.xml", capacity: {vcpus: 8, memory: 32Gi, disk: 1Ti}}
---
kind: Workload
name: web
agency: "Sở Y tế"
system: "Cổng"
security_level: 1
replicas: 2
resources: {vcpus: 2, memory: 4Gi, disk: 20Gi}
)";

struct Fleet {
  Inventory inv = LoadInventoryText("inventory.yaml", kInventory);
  Policy policy = SelectPolicy(inv, kSource + "/profiles/policy-default.yaml");
  std::vector<ObservedHost> hosts;

  Fleet() {
    for (const FleetHost& f : ListHosts(inv)) hosts.push_back({f, true, "", {}, {}, {}, {}});
  }

  void Run(size_t host, const std::string& workload, int r, const std::string& spec_hash,
           RunState state = RunState::kRunning) {
    ObservedDomain d;
    d.name = DomainName(workload, r);
    d.state = state;
    d.vcpus = 2;
    d.memory_bytes = 4ULL << 30;
    d.metadata = DomainMetadata{};
    d.metadata->workload = workload;
    d.metadata->replica = r;
    d.metadata->spec_hash = spec_hash;
    hosts[host].domains.push_back(d);
  }
  std::string Spec() const { return Effective(inv.workloads[0], policy).spec_hash; }
};

TEST(Status, AggregatesReplicasPerWorkloadAndUsagePerProviderAndZone) {
  Fleet f;
  f.Run(1, "web", 1, f.Spec(), RunState::kShutoff);
  f.Run(0, "web", 0, "sha256:old");
  f.Run(2, "old-system", 0, "sha256:x");
  ObservedDomain stranger;
  stranger.name = "stranger";
  stranger.vcpus = 1;
  stranger.memory_bytes = 1ULL << 30;
  f.hosts[2].domains.push_back(stranger);

  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.hosts);
  ASSERT_EQ(s.workloads.size(), 2u);
  const WorkloadStatus& web = s.workloads[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_TRUE(web.declared);
  EXPECT_EQ(web.desired, 2);
  EXPECT_EQ(web.agency, "Sở Y tế");
  ASSERT_EQ(web.replicas.size(), 2u);
  EXPECT_EQ(web.replicas[0].host, "a");  // by replica index, not host order
  EXPECT_FALSE(web.replicas[0].current);
  EXPECT_EQ(web.replicas[1].state, "shutoff");
  EXPECT_TRUE(web.replicas[1].current);
  EXPECT_EQ(s.workloads[1].name, "old-system");
  EXPECT_FALSE(s.workloads[1].declared);
  EXPECT_EQ(s.workloads[1].desired, 0);

  const Usage& p = s.providers.at("p");
  EXPECT_EQ(p.hosts, 3u);
  EXPECT_EQ(p.domains, 4u);  // managed or not, every domain takes capacity
  EXPECT_EQ(p.vcpus, 7u);
  EXPECT_EQ(p.vcpu_capacity, 40u);
  EXPECT_EQ(s.zones.at("p/z2").domains, 2u);
  EXPECT_EQ(s.zones.at("p/z1").memory, 8ULL << 30);
  EXPECT_TRUE(s.unreachable.empty());
}

TEST(Status, UnreachableHostsCountAsHostsNotAsUsage) {
  Fleet f;
  f.Run(2, "web", 0, f.Spec());
  f.hosts[2].reachable = false;
  f.hosts[2].error = "connection refused";
  f.hosts[0].reachable = false;
  f.hosts[0].error = "timeout";
  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.hosts);
  EXPECT_TRUE(s.workloads[0].replicas.empty());
  EXPECT_EQ(s.providers.at("p").hosts, 3u);
  EXPECT_EQ(s.providers.at("p").reachable, 1u);
  EXPECT_EQ(s.providers.at("p").domains, 0u);
  const std::vector<std::pair<std::string, std::string>> unreachable = {
      {"a", "timeout"}, {"c", "connection refused"}};
  EXPECT_EQ(s.unreachable, unreachable);  // in host order
}

TEST(Status, RendersTextAndJson) {
  Fleet f;
  f.Run(0, "web", 0, f.Spec());
  f.Run(1, "web", 1, "sha256:old", RunState::kPaused);
  f.hosts[2].reachable = false;
  f.hosts[2].error = "timeout";
  const FleetStatus s = AggregateStatus(f.inv, f.policy, f.hosts);
  std::ostringstream text;
  PrintStatus(s, text);
  EXPECT_EQ(text.str(),
            "Workloads:\n"
            "  web (level 1, Sở Y tế): 1/2 running\n"
            "    web-0 on a: running\n"
            "    web-1 on b: paused (spec out of date)\n"
            "\nCapacity by provider and zone (vCPUs used/capacity, memory used/capacity):\n"
            "  p: 2/3 hosts up, 2 domains, vCPUs 4/40 (10%), memory 8Gi/160Gi (5%)\n"
            "    z1: 2/2 hosts up, 2 domains, vCPUs 4/32, memory 8Gi/128Gi\n"
            "    z2: 0/1 hosts up, 0 domains, vCPUs 0/8, memory 0/32Gi\n"
            "\nUnreachable hosts (state unknown):\n"
            "  c: timeout\n");
  const nlohmann::json j = ToJson(s);
  EXPECT_EQ(j["workloads"][0]["desired"], 2);
  EXPECT_EQ(j["workloads"][0]["level"], 1);
  EXPECT_EQ(j["workloads"][0]["replicas"][1]["spec_current"], false);
  EXPECT_EQ(j["providers"]["p"]["vcpus_used"], 4);
  EXPECT_EQ(j["zones"]["p/z2"]["memory_bytes"], 32ULL << 30);
  EXPECT_EQ(j["unreachable"]["c"], "timeout");
}

}  // namespace
}  // namespace egov::orchestrator
