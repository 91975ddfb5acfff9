#include "orchestrator/drift.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "common/loader.h"

namespace egov::orchestrator {
namespace {

constexpr uint64_t kGi = 1ULL << 30;

const char* kInventory = R"(
kind: Provider
name: p
display_name: P
certification: {scheme: MIC-1145, certificate: C, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 5}
residency: VN
zones:
  - name: z
    hosts:
      - {name: a, uri: "test:///a.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
      - {name: b, uri: "test:///b.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
)";

// Two reachable hosts that run nothing, and one desired workload `web` of one replica.
struct World {
  Inventory inv = LoadInventoryText("inventory.yaml", kInventory);
  std::vector<ObservedHost> hosts;
  std::vector<PlacementWorkload> desired;
  std::map<std::string, std::vector<KnownDomain>> known;

  World() {
    for (const FleetHost& f : ListHosts(inv)) hosts.push_back({f, true, "", {}, {}, {}, {}});
    PlacementWorkload w;
    w.name = "web";
    w.replicas = 1;
    w.resources = {2, 4 * kGi, 0};
    w.spec_hash = "sha256:web";
    desired.push_back(w);
  }

  ObservedHost& Host(const std::string& name) { return hosts[name == "a" ? 0 : 1]; }

  // A domain of `workload` replica `r` on `host`, as apply defines it.
  ObservedDomain& Run(const std::string& host, const std::string& workload, int r) {
    ObservedDomain d;
    d.name = DomainName(workload, r);
    d.uuid = ReplicaUuid(workload, r);
    d.state = RunState::kRunning;
    d.vcpus = 2;
    d.memory_bytes = 4 * kGi;
    d.metadata = DomainMetadata{};
    d.metadata->workload = workload;
    d.metadata->replica = r;
    d.metadata->spec_hash = "sha256:" + workload;
    Host(host).domains.push_back(d);
    return Host(host).domains.back();
  }
};

struct Case {
  const char* name;
  std::function<void(World&)> setup;
  std::vector<Drift> expected;
};

TEST(Drift, ClassifiesWhatDiffersFromTheDesiredState) {
  const std::vector<Case> cases = {
      {"in place and running", [](World& w) { w.Run("a", "web", 0); }, {}},
      {"missing", [](World&) {}, {{"missing", "", "web-0", "web", "no domain on any host"}}},
      {"older spec",
       [](World& w) { w.Run("a", "web", 0).metadata->spec_hash = "sha256:old"; },
       {{"modified", "a", "web-0", "web",
         "defined from an older spec (sha256:old, now sha256:web)"}}},
      {"resized",
       [](World& w) { w.Run("a", "web", 0).vcpus = 4; },
       {{"modified", "a", "web-0", "web",
         "resized outside egovctl: 4 vCPUs, 4Gi (spec: 2 vCPUs, 4Gi)"}}},
      {"memory resized",
       [](World& w) { w.Run("b", "web", 0).memory_bytes = 2 * kGi; },
       {{"modified", "b", "web-0", "web",
         "resized outside egovctl: 2 vCPUs, 2Gi (spec: 2 vCPUs, 4Gi)"}}},
      {"shut off",
       [](World& w) { w.Run("a", "web", 0).state = RunState::kShutoff; },
       {{"modified", "a", "web-0", "web", "domain is shutoff"}}},
      {"unmanaged",
       [](World& w) {
         w.Run("a", "web", 0);
         w.Run("b", "other", 0).metadata.reset();
       },
       {{"unmanaged", "b", "other-0", "", "not managed by egovctl (left alone)"}}},
      {"undeclared workload",
       [](World& w) {
         w.Run("a", "web", 0);
         w.Run("a", "gone", 0);
       },
       {{"extra", "a", "gone-0", "gone", "workload not declared in the inputs"}}},
      {"replica beyond the count",
       [](World& w) {
         w.Run("a", "web", 0);
         w.Run("b", "web", 1);
       },
       {{"extra", "b", "web-1", "web", "replica beyond the desired count"}}},
      {"duplicate",
       [](World& w) {
         w.Run("a", "web", 0);
         w.Run("b", "web", 0);
       },
       {{"extra", "b", "web-0", "web", "duplicate of another replica"}}},
      {"unreachable host with a replica last seen there",
       [](World& w) {
         w.Host("a").reachable = false;
         w.Host("a").error = "connection refused";
         w.known["a"] = {{"a", "web-0", ReplicaUuid("web", 0), "web", 0, "sha256:web"}};
       },
       {{"unknown", "a", "", "",
         "host unreachable: connection refused; 1 managed domain(s) were last seen there"}}},
      {"unreachable host never read",
       [](World& w) {
         w.Host("b").reachable = false;
         w.Host("b").error = "timeout";
       },
       {{"unknown", "b", "", "", "host unreachable: timeout"},
        {"missing", "", "web-0", "web", "no domain on any host"}}},
  };
  for (const Case& c : cases) {
    World w;
    c.setup(w);
    EXPECT_EQ(DetectDrift(w.desired, w.hosts, w.known), c.expected) << c.name;
  }
}

TEST(Drift, RendersCountsPerKindAndJson) {
  const std::vector<Drift> drift = {
      {"missing", "", "web-0", "web", "no domain on any host"},
      {"unmanaged", "b", "stranger", "", "not managed by egovctl (left alone)"},
      {"missing", "", "web-1", "web", "no domain on any host"}};
  std::ostringstream text;
  PrintDrift(drift, text);
  EXPECT_EQ(text.str(),
            "  missing   web-0: no domain on any host\n"
            "  unmanaged stranger on b: not managed by egovctl (left alone)\n"
            "  missing   web-1: no domain on any host\n"
            "\nDrift: 2 missing; 1 unmanaged; run 'egovctl plan' to see the repair.\n");
  const nlohmann::json j = DriftToJson(drift);
  EXPECT_EQ(j["count"], 3);
  EXPECT_EQ(j["drift"][1]["class"], "unmanaged");
  EXPECT_EQ(j["drift"][1]["host"], "b");
  std::ostringstream none;
  PrintDrift({}, none);
  EXPECT_EQ(none.str(), "No drift: every host matches the desired state.\n");
}

}  // namespace
}  // namespace egov::orchestrator
