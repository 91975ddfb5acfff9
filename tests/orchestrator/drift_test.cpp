#include "orchestrator/drift.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "tests/orchestrator/observed_fleet.h"

namespace egov::orchestrator {
namespace {

// Every replica in place, and a domain of `workload` replica `r` on `host` besides.
std::function<void(ObservedFleet&)> InPlaceAnd(const char* host, const char* workload, int r) {
  return [=](ObservedFleet& f) {
    f.RunInPlace();
    f.Run(host, workload, r);
  };
}

struct Case {
  const char* name;
  std::function<void(ObservedFleet&)> setup;
  std::vector<Drift> expected;  ///< "{web}" in a detail stands for web's spec hash
};

TEST(Drift, ClassifiesWhatDiffersFromTheDesiredState) {
  const std::vector<Case> cases = {
      {"in place and running", &ObservedFleet::RunInPlace, {}},
      {"missing",
       [](ObservedFleet& f) {
         f.Run("a1", "web", 0);
         f.Run("b1", "db", 0);
       },
       {{"missing", "", "web-1", "web", "no domain on any host"}}},
      {"older spec",
       [](ObservedFleet& f) {
         f.RunInPlace();
         f.Host("a1").domains[0].metadata->spec_hash = "sha256:old";
       },
       {{"modified", "a1", "web-0", "web", "defined from an older spec (sha256:old, now {web})"}}},
      {"more vCPUs",
       [](ObservedFleet& f) {
         f.RunInPlace();
         f.Host("a1").domains[0].vcpus = 4;
       },
       {{"modified", "a1", "web-0", "web",
         "resized outside egovctl: 4 vCPUs, 4Gi (spec: 2 vCPUs, 4Gi)"}}},
      {"less memory",
       [](ObservedFleet& f) {
         f.RunInPlace();
         f.Host("a3").domains[0].memory_bytes = 2ULL << 30;
       },
       {{"modified", "a3", "web-1", "web",
         "resized outside egovctl: 2 vCPUs, 2Gi (spec: 2 vCPUs, 4Gi)"}}},
      {"shut off",
       [](ObservedFleet& f) {
         f.RunInPlace();
         f.Host("b1").domains[0].state = RunState::kShutoff;
       },
       {{"modified", "b1", "db-0", "db", "domain is shutoff"}}},
      {"unmanaged",
       [](ObservedFleet& f) {
         f.RunInPlace();
         f.Run("a2", "stranger", 0).metadata.reset();
       },
       {{"unmanaged", "a2", "stranger-0", "", "not managed by egovctl (left alone)"}}},
      {"undeclared workload",
       InPlaceAnd("a2", "gone", 0),
       {{"extra", "a2", "gone-0", "gone", "workload not declared in the inputs"}}},
      {"replica beyond the count",
       InPlaceAnd("a2", "db", 1),
       {{"extra", "a2", "db-1", "db", "replica beyond the desired count"}}},
      {"duplicate",
       InPlaceAnd("a2", "web", 0),
       {{"extra", "a2", "web-0", "web", "duplicate of another replica"}}},
      {"unreachable host with a replica last seen there",
       [](ObservedFleet& f) {
         f.Run("a3", "web", 1);
         f.Run("b1", "db", 0);
         f.Unreachable("a1", "connection refused");
         f.observed.known["a1"] = {{"a1", "web-0", ReplicaUuid("web", 0), "web", 0, "x"}};
       },
       {{"unknown", "a1", "", "",
         "host unreachable: connection refused; 1 managed domain(s) were last seen there"}}},
      {"unreachable host never read",
       [](ObservedFleet& f) {
         f.Run("a1", "web", 0);
         f.Run("a3", "web", 1);
         f.Unreachable("b1", "timeout");
       },
       {{"unknown", "b1", "", "", "host unreachable: timeout"},
        {"missing", "", "db-0", "db", "no domain on any host"}}},
  };
  for (const Case& c : cases) {
    ObservedFleet f;
    c.setup(f);
    std::vector<Drift> expected = c.expected;
    for (auto& d : expected) {
      if (auto at = d.detail.find("{web}"); at != std::string::npos) {
        d.detail.replace(at, 5, f.Spec("web"));
      }
    }
    EXPECT_EQ(DetectDrift(f.Desired(), f.observed.hosts, f.observed.known), expected) << c.name;
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

TEST(Drift, ReplicasOnHostsThatNoLongerQualifyAreMisplaced) {
  ObservedFleet f;
  f.RunInPlace();
  Plan plan;
  Action create;
  create.kind = ActionKind::kCreate;
  create.host = "a2";
  create.workload = "db";
  create.domain = "db-0";
  Action del = create;
  del.kind = ActionKind::kDelete;
  del.host = "b1";
  del.reason = "certification expired";
  plan.actions = {create, del};
  Unplaced stuck;
  stuck.workload = "web";
  stuck.replica = 1;
  stuck.summary = "0/4 hosts: 4 certification expired";
  stuck.host = "a3";
  stuck.must_move = "certification expired";
  plan.unplaced = {stuck};
  const std::vector<Drift> expected = {
      {"misplaced", "a3", "web-1", "web",
       "must move (certification expired), but no host qualifies: 0/4 hosts: 4 certification "
       "expired"},
      {"misplaced", "b1", "db-0", "db",
       "must move (certification expired); the plan moves it to a2, new copy first"}};
  EXPECT_EQ(DetectDrift(f.Desired(), f.observed.hosts, {}, ViewOfPlan(plan)), expected);
  // Without the plan's view (as before issue 19) nothing was reported.
  EXPECT_TRUE(DetectDrift(f.Desired(), f.observed.hosts, {}).empty());
}

TEST(Drift, AnOlderSpecNamesTheFieldsThatChange) {
  ObservedFleet f;
  f.Run("a1", "web", 0, "sha256:old").memory_bytes = 2ULL << 30;
  f.Run("a3", "web", 1);
  f.Run("b1", "db", 0);
  const auto drift = DetectDrift(f.Desired(), f.observed.hosts, {}, ViewOfPlan(f.MakePlan()));
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].detail, "defined from an older spec (sha256:old, now " + f.Spec("web") +
                                 "): memory 2Gi -> 4Gi");
}

TEST(Drift, AReplicaThatCannotBePlacedSaysWhy) {
  ObservedFleet f;
  f.Run("a1", "web", 0);
  f.Run("a3", "web", 1);
  Plan plan;
  Unplaced u;
  u.workload = "db";
  u.summary = "0/4 hosts: 4 insufficient memory";
  plan.unplaced = {u};
  const auto drift = DetectDrift(f.Desired(), f.observed.hosts, {}, ViewOfPlan(plan));
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].detail,
            "no domain on any host; cannot be placed: 0/4 hosts: 4 insufficient memory");
}

}  // namespace
}  // namespace egov::orchestrator
