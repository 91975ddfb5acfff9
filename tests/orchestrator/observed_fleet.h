#pragma once

// A fleet as egovctl observes it, for the tests of the pure planner, status and drift: the
// hosts of an inventory as plain data, no connection.
#include <stdexcept>
#include <string>
#include <vector>

#include "common/loader.h"
#include "orchestrator/desired.h"
#include "orchestrator/plan.h"

namespace egov::orchestrator {

// Two providers, four zones: alpha (certified to level 4) with a1 and a2 in z1 and a3 in z2,
// beta (level 2) with b1; a level-2 workload `web` of two replicas spread over hosts and a
// level-1 workload `db` of one.
inline const char* kFleetInventory = R"(
kind: Provider
name: alpha
display_name: Alpha
certification: {scheme: MIC-1145, certificate: A-1, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 4}
residency: VN
zones:
  - name: z1
    hosts:
      - {name: a1, uri: "test:///a1.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
      - {name: a2, uri: "test:///a2.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
  - name: z2
    hosts:
      - {name: a3, uri: "test:///a3.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
---
kind: Provider
name: beta
display_name: Beta
certification: {scheme: MIC-1145, certificate: B-1, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 2}
residency: VN
zones:
  - name: z1
    hosts:
      - {name: b1, uri: "test:///b1.xml", capacity: {vcpus: 16, memory: 64Gi, disk: 1Ti}}
---
kind: Workload
name: web
agency: "Sở Thông tin và Truyền thông"
system: "Cổng thông tin"
security_level: 2
replicas: 2
resources: {vcpus: 2, memory: 4Gi, disk: 20Gi}
placement: {spread: host}
---
kind: Workload
name: db
agency: "Bộ Tài chính"
system: "CSDL"
security_level: 1
replicas: 1
resources: {vcpus: 2, memory: 4Gi, disk: 20Gi}
)";

struct ObservedFleet {
  Inventory inv;
  Policy policy;
  Observation observed;

  explicit ObservedFleet(const std::string& yaml = kFleetInventory) {
    inv = LoadInventoryText("inventory.yaml", yaml);
    policy = SelectPolicy(inv, std::string(EGOV_SOURCE_DIR) + "/profiles/policy-default.yaml");
    for (const FleetHost& f : ListHosts(inv)) {
      ObservedHost h;
      h.ref = f;
      h.reachable = true;
      observed.hosts.push_back(std::move(h));
    }
  }

  ObservedHost& Host(const std::string& name) {
    for (auto& h : observed.hosts) {
      if (h.ref.host->name == name) return h;
    }
    throw std::runtime_error("no host " + name);
  }

  // Marks `host` as one that could not be read, with `error` as the reason.
  void Unreachable(const std::string& host, const std::string& error) {
    Host(host).reachable = false;
    Host(host).error = error;
  }

  // The workload's spec hash with the policy applied.
  std::string Spec(const std::string& workload) const {
    return Effective(*inv.FindWorkload(workload), policy).spec_hash;
  }

  // Every workload as the planner and drift detection take it, with the policy applied.
  std::vector<PlacementWorkload> Desired() const {
    std::vector<PlacementWorkload> desired;
    for (const auto& w : inv.workloads) desired.push_back(Effective(w, policy));
    return desired;
  }

  // Puts a managed domain of `workload` replica `r` on `host`, as apply would have (1 vCPU and
  // 1 GiB for a workload not in the inventory).
  ObservedDomain& Run(const std::string& host, const std::string& workload, int r,
                      const std::string& spec_hash = "", RunState state = RunState::kRunning) {
    const Workload* w = inv.FindWorkload(workload);
    ObservedDomain d;
    d.name = DomainName(workload, r);
    d.uuid = ReplicaUuid(workload, r);
    d.state = state;
    d.vcpus = w ? static_cast<unsigned>(w->resources.vcpus) : 1;
    d.memory_bytes = w ? w->resources.memory : 1 << 30;
    DomainMetadata m;
    m.workload = workload;
    m.replica = r;
    m.security_level = w ? w->security_level : 1;
    if (w) {  // what apply writes (Define in plan.cpp)
      m.agency = w->agency;
      m.system = w->system;
      m.health_url = w->health ? w->health->url : "";
    }
    m.spec_hash = !spec_hash.empty() ? spec_hash : w ? Spec(workload) : "x";
    d.metadata = m;
    Host(host).domains.push_back(d);
    return Host(host).domains.back();
  }

  // Every replica where it belongs, running: web-0 on a1, web-1 on a3, db-0 on b1.
  void RunInPlace() {
    Run("a1", "web", 0);
    Run("a3", "web", 1);
    Run("b1", "db", 0);
  }

  Plan MakePlan() {
    PlacementOptions o;
    o.today = *ParseDate("2026-11-23");
    return orchestrator::MakePlan(inv, policy, observed, o).plan;
  }
};

}  // namespace egov::orchestrator
