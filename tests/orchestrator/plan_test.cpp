#include "orchestrator/plan.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <sstream>

#include "orchestrator/drift.h"
#include "tests/orchestrator/observed_fleet.h"

namespace egov::orchestrator {
namespace {

using Fixture = ObservedFleet;
const char* kInventory = kFleetInventory;

const Action* Find(const Plan& p, const std::string& domain, ActionKind kind) {
  for (const auto& a : p.actions) {
    if (a.domain == domain && a.kind == kind) return &a;
  }
  return nullptr;
}

TEST(PlanDiff, EmptyHostsGetEveryReplicaCreated) {
  Fixture f;
  const Plan p = f.MakePlan();
  EXPECT_EQ(p.Count(ActionKind::kCreate), 3u);
  EXPECT_TRUE(p.HasChanges());
  const Action* web0 = Find(p, "web-0", ActionKind::kCreate);
  ASSERT_NE(web0, nullptr);
  EXPECT_EQ(web0->uuid, ReplicaUuid("web", 0));
  EXPECT_NE(web0->xml.find("<uuid>" + web0->uuid + "</uuid>"), std::string::npos);
  EXPECT_NE(web0->xml.find("Sở Thông tin và Truyền thông"), std::string::npos);
  EXPECT_EQ(web0->reason, "new replica");
}

TEST(PlanDiff, MatchingHostsGiveNoChanges) {
  Fixture f;
  f.RunInPlace();
  const Plan p = f.MakePlan();
  EXPECT_FALSE(p.HasChanges());
  EXPECT_EQ(p.Count(ActionKind::kUnchanged), 3u);
}

TEST(PlanDiff, StickyReplicasStayOnTheirHosts) {
  Fixture f;
  f.Run("a2", "web", 0);  // not where a fresh plan would put it, but valid
  const Plan p = f.MakePlan();
  const Action* kept = Find(p, "web-0", ActionKind::kUnchanged);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->host, "a2");
  const Action* other = Find(p, "web-1", ActionKind::kCreate);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->host, "a2");  // spread: host
}

TEST(PlanDiff, SpecChangeMeansReplaceInPlace) {
  Fixture f;
  f.Run("a1", "web", 0, "sha256:old");
  f.Run("a3", "web", 1);
  f.Run("b1", "db", 0);
  const Plan p = f.MakePlan();
  const Action* r = Find(p, "web-0", ActionKind::kReplace);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->host, "a1");
  EXPECT_NE(r->reason.find("spec changed (sha256:old -> "), std::string::npos) << r->reason;
  EXPECT_FALSE(r->xml.empty());
  EXPECT_EQ(p.Count(ActionKind::kReplace), 1u);
  EXPECT_EQ(p.Count(ActionKind::kUnchanged), 2u);
}

TEST(PlanDiff, ShutOffReplicaIsStarted) {
  Fixture f;
  f.Run("a1", "web", 0, "", RunState::kShutoff);
  const Plan p = f.MakePlan();
  const Action* s = Find(p, "web-0", ActionKind::kStart);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->reason, "domain is shutoff");
}

// Whatever drift reports as modified, the plan repairs, saying what differs: it is never shown
// unchanged.
TEST(PlanDiff, RepairsWhatDriftReports) {
  const struct {
    const char* name;
    std::function<void(ObservedDomain&)> change;
    ActionKind kind;
    std::string reason;
  } cases[] = {
      {"older spec", [](ObservedDomain& d) { d.metadata->spec_hash = "sha256:old"; },
       ActionKind::kReplace, "spec changed (sha256:old -> "},
      {"more vCPUs", [](ObservedDomain& d) { d.vcpus = 4; }, ActionKind::kReplace,
       "resized outside egovctl: vcpus 4 -> 2"},
      {"less memory", [](ObservedDomain& d) { d.memory_bytes = 2ULL << 30; }, ActionKind::kReplace,
       "resized outside egovctl: memory 2Gi -> 4Gi"},
      {"both",
       [](ObservedDomain& d) {
         d.vcpus = 1;
         d.memory_bytes = 8ULL << 30;
       },
       ActionKind::kReplace, "resized outside egovctl: vcpus 1 -> 2, memory 8Gi -> 4Gi"},
      {"resized and shut off",
       [](ObservedDomain& d) {
         d.vcpus = 4;
         d.state = RunState::kShutoff;
       },
       ActionKind::kReplace, "resized outside egovctl: vcpus 4 -> 2"},
      {"shut off", [](ObservedDomain& d) { d.state = RunState::kShutoff; }, ActionKind::kStart,
       "domain is shutoff"},
      {"paused", [](ObservedDomain& d) { d.state = RunState::kPaused; }, ActionKind::kStart,
       "domain is paused"},
  };
  for (const auto& c : cases) {
    Fixture f;
    c.change(f.Run("a1", "web", 0));
    f.Run("a3", "web", 1);
    f.Run("b1", "db", 0);
    const auto drift = DetectDrift(f.Desired(), f.observed.hosts, {});
    ASSERT_EQ(drift.size(), 1u) << c.name;
    EXPECT_EQ(drift[0].kind, "modified") << c.name;
    const Plan p = f.MakePlan();
    EXPECT_EQ(p.Count(ActionKind::kUnchanged), 2u) << c.name;
    const Action* a = Find(p, "web-0", c.kind);
    ASSERT_NE(a, nullptr) << c.name;
    EXPECT_EQ(a->host, "a1") << c.name;
    EXPECT_EQ(a->reason.rfind(c.reason, 0), 0u) << c.name << ": " << a->reason;
    EXPECT_EQ(a->xml.empty(), c.kind != ActionKind::kReplace) << c.name;
  }
}

TEST(PlanDiff, RemovedWorkloadIsDeletedWithItsOwnNetworkAndPool) {
  Fixture f;
  f.Run("a1", "old-system", 0);
  f.Host("a1").networks.insert("egov-old-system");
  f.Host("a1").pools.insert("egov-old-system");
  const Plan p = f.MakePlan();
  const Action* d = Find(p, "old-system-0", ActionKind::kDelete);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->reason, "workload removed");
  EXPECT_TRUE(d->cleanup);
  EXPECT_EQ(d->network, "egov-old-system");
  EXPECT_EQ(d->pool, "egov-old-system");
}

TEST(PlanDiff, ReplicaOnAnInvalidHostMovesCreateBeforeDelete) {
  Fixture f;
  f.Run("b1", "web", 0);  // beta is certified to level 2: fine for web
  f.Run("a1", "web", 1);
  // Raise web to level 3: beta no longer qualifies.
  std::string yaml = kInventory;
  yaml.replace(yaml.find("\nsecurity_level: 2"), 18, "\nsecurity_level: 3");
  Fixture g(yaml);
  g.Run("b1", "web", 0, f.Spec("web"));
  const Plan p = g.MakePlan();
  const Action* del = Find(p, "web-0", ActionKind::kDelete);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->host, "b1");
  EXPECT_NE(del->reason.find("certification below level 3"), std::string::npos) << del->reason;
  const Action* cre = Find(p, "web-0", ActionKind::kCreate);
  ASSERT_NE(cre, nullptr);
  EXPECT_NE(cre->reason.find("moved from b1"), std::string::npos) << cre->reason;
}

TEST(PlanDiff, UnreachableHostIsUnknownNotEmpty) {
  Fixture f;
  f.Run("a3", "web", 1);
  f.Run("b1", "db", 0);
  f.Unreachable("a1", "connection refused");
  KnownDomain k{"a1", "web-0", ReplicaUuid("web", 0), "web", 0, f.Spec("web")};
  f.observed.known = {{"a1", {k}}};
  const Plan p = f.MakePlan();
  EXPECT_FALSE(p.HasChanges());  // web-0 is not recreated elsewhere
  EXPECT_EQ(p.unreachable.at("a1"), "connection refused");
  const Action* u = Find(p, "web-0", ActionKind::kUnchanged);
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->state, "unknown");
}

TEST(PlanDiff, UnmanagedDomainsAreLeftAloneAndTakeCapacity) {
  Fixture f;
  ObservedDomain other;
  other.name = "someone-elses";
  other.uuid = "11111111-2222-3333-4444-555555555555";
  other.vcpus = 16;
  other.memory_bytes = 64ULL << 30;
  for (auto* h : {"a1", "a2", "a3"}) f.Host(h).domains.push_back(other);
  const Plan p = f.MakePlan();
  for (const auto& a : p.actions) {
    EXPECT_NE(a.domain, "someone-elses");
    EXPECT_EQ(a.host, "b1");  // the only host with room left
  }
  ASSERT_FALSE(p.notes.empty());
  EXPECT_NE(p.notes[0].find("does not manage"), std::string::npos);
}

TEST(PlanJson, RoundTripsAndRejectsGarbage) {
  Fixture f;
  f.Run("a1", "gone", 0);
  const Plan p = f.MakePlan();
  const Plan back = PlanFromJson(ToJson(p), "plan.json");
  ASSERT_EQ(back.actions.size(), p.actions.size());
  for (size_t i = 0; i < p.actions.size(); ++i) {
    EXPECT_EQ(back.actions[i].kind, p.actions[i].kind);
    EXPECT_EQ(back.actions[i].xml, p.actions[i].xml);
    EXPECT_EQ(back.actions[i].uuid, p.actions[i].uuid);
  }
  EXPECT_EQ(back.fingerprint, p.fingerprint);
  EXPECT_THROW(PlanFromJson(nlohmann::json::object(), "x.json"), ConfigError);
  nlohmann::json bad = ToJson(p);
  bad["actions"][0]["action"] = "explode";
  EXPECT_THROW(PlanFromJson(bad, "x.json"), ConfigError);
}

// A saved plan is checked as a plan being made is: an edited definition is found and named.
TEST(PlanJson, DefinitionsAreCheckedWhetherMadeOrSaved) {
  Fixture f;
  const Plan p = f.MakePlan();
  EXPECT_EQ(ValidateDefinitions(p), std::nullopt);
  nlohmann::json edited = ToJson(p);
  for (auto& a : edited["actions"]) {
    if (a["domain"] != "web-1") continue;
    std::string xml = a["xml"];
    xml.insert(xml.find("</devices>"), "<graphics type='vnc' autoport='yes'/>");
    a["xml"] = xml;
  }
  const Plan back = PlanFromJson(edited, "plan.json");
  const auto problem = ValidateDefinitions(back);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->rfind("web-1 on ", 0), 0u) << *problem;
  EXPECT_NE(problem->find("has <graphics>, which egovctl never defines"), std::string::npos)
      << *problem;
}

TEST(PlanDiff, FingerprintFollowsTheHosts) {
  Fixture f;
  const std::string before = Fingerprint(f.observed.hosts);
  f.Run("a1", "web", 0);
  EXPECT_NE(Fingerprint(f.observed.hosts), before);
  f.Host("a1").domains.clear();
  EXPECT_EQ(Fingerprint(f.observed.hosts), before);
  f.Host("a2").reachable = false;
  EXPECT_NE(Fingerprint(f.observed.hosts), before);
}

// The scenario: an expired provider, one certified only to level 3, one outside
// Vietnam, one good provider; workloads of levels 1-5.
TEST(PlanScenario, EveryReplicaLandsOnlyWhereItMay) {
  std::string yaml;
  auto provider = [&](const std::string& name, int level, const std::string& expires,
                      const std::string& residency, int zones) {
    yaml += "---\nkind: Provider\nname: " + name + "\ndisplay_name: " + name +
            "\ncertification: {scheme: MIC-1145, certificate: C, issued: 2020-01-01, expires: " +
            expires + ", max_security_level: " + std::to_string(level) +
            "}\nresidency: " + residency + "\nzones:\n";
    for (int z = 0; z < zones; ++z) {
      yaml += "  - name: z" + std::to_string(z) + "\n    hosts:\n";
      for (int h = 0; h < 2; ++h) {
        const std::string host = name + "-z" + std::to_string(z) + "-" + std::to_string(h);
        yaml += "      - {name: " + host + ", uri: \"test:///" + host +
                ".xml\", capacity: {vcpus: 32, memory: 128Gi, disk: 2Ti}}\n";
      }
    }
  };
  provider("expired", 5, "2025-06-30", "VN", 3);
  provider("level3", 3, "2029-01-01", "VN", 3);
  provider("foreign", 5, "2029-01-01", "SG", 3);
  provider("good", 4, "2029-01-01", "VN", 3);
  for (int level = 1; level <= 5; ++level) {
    yaml += "---\nkind: Workload\nname: sys-l" + std::to_string(level) +
            "\nagency: \"Bộ Nội vụ\"\nsystem: \"Hệ thống cấp " + std::to_string(level) +
            "\"\nsecurity_level: " + std::to_string(level) +
            "\nreplicas: 2\nresources: {vcpus: 4, memory: 8Gi, disk: 100Gi}\n"
            "placement: {spread: zone}\n";
  }
  Fixture f(yaml);
  for (const auto& h : f.observed.hosts) {
    for (int l = 3; l <= 5; ++l) {
      f.observed.compliance[h.ref.host->name]["decree85-level" + std::to_string(l)] = {
          Compliance::kPass, ""};
    }
  }
  const Plan p = f.MakePlan();
  const Date today = *ParseDate("2026-11-23");
  std::map<std::string, std::set<std::string>> zones_of;
  for (const auto& a : p.actions) {
    ASSERT_EQ(a.kind, ActionKind::kCreate);
    const FleetHost& h = f.Host(a.host).ref;
    const Workload* w = f.inv.FindWorkload(a.workload);
    EXPECT_GE(h.provider->certification.expires, today) << a.domain << " on " << a.host;
    EXPECT_GE(h.provider->certification.max_security_level, w->security_level) << a.domain;
    EXPECT_EQ(h.provider->residency, "VN") << a.domain;
    // Replicas of a spread workload never share a zone.
    EXPECT_TRUE(zones_of[a.workload].insert(h.provider->name + "/" + h.zone->name).second)
        << a.domain << " shares a zone";
  }
  // Level 5: the only level-5 providers are expired or abroad; three replicas (policy minimum),
  // none placed, each with its reasons.
  size_t l5 = 0;
  for (const auto& u : p.unplaced) {
    ASSERT_EQ(u.workload, "sys-l5");
    ++l5;
    EXPECT_EQ(u.reasons.at("CERT_LEVEL_TOO_LOW"), 12);
    EXPECT_EQ(u.reasons.at("CERT_EXPIRED"), 6);
    EXPECT_EQ(u.reasons.at("RESIDENCY_MISMATCH"), 6);
    EXPECT_EQ(u.summary,
              "0/24 hosts: 12 certification below level 5; 6 certification expired; 6 data "
              "residency outside VN");
  }
  EXPECT_EQ(l5, 3u);
  for (int level = 1; level <= 4; ++level) {
    EXPECT_EQ(zones_of["sys-l" + std::to_string(level)].size(), 2u) << level;
  }
}

// What a replace changes, field by field, from what the domain has now.
TEST(PlanDiff, AReplaceListsTheFieldsItChanges) {
  Fixture f;
  ObservedDomain& d = f.Run("a1", "web", 0, "sha256:old");
  d.memory_bytes = 2ULL << 30;
  d.vcpus = 4;
  d.metadata->agency = "Sở cũ";
  f.Run("a3", "web", 1);
  f.Run("b1", "db", 0);
  const Plan p = f.MakePlan();
  const Action* r = Find(p, "web-0", ActionKind::kReplace);
  ASSERT_NE(r, nullptr);
  const std::vector<FieldChange> expected = {{"vcpus", "4", "2"},
                                             {"memory", "2Gi", "4Gi"},
                                             {"agency", "Sở cũ", "Sở Thông tin và Truyền thông"}};
  EXPECT_EQ(r->changes, expected);
  EXPECT_EQ(r->reason,
            "vcpus 4 -> 2, memory 2Gi -> 4Gi, agency Sở cũ -> Sở Thông tin và Truyền thông");
  const nlohmann::json j = ToJson(p);
  bool seen = false;
  for (const auto& a : j["actions"]) {
    if (a["domain"] != "web-0") continue;
    seen = true;
    EXPECT_EQ(a["changes"][1],
              nlohmann::json({{"field", "memory"}, {"from", "2Gi"}, {"to", "4Gi"}}));
  }
  EXPECT_TRUE(seen);
  // A saved plan keeps them.
  EXPECT_EQ(Find(PlanFromJson(j, "plan.json"), "web-0", ActionKind::kReplace)->changes, expected);
}

TEST(PlanDiff, NoChangesIsSaidOnlyWhenTheHostsMatchTheDesiredState) {
  Fixture f;
  f.RunInPlace();
  Plan p = f.MakePlan();
  EXPECT_FALSE(p.Pending());
  std::ostringstream clean;
  PrintPlan(p, clean, false);
  EXPECT_NE(clean.str().find("No changes: the hosts match the desired state."), std::string::npos);

  p.unreachable["a2"] = "connection refused";
  std::ostringstream unreachable;
  PrintPlan(p, unreachable, false);
  EXPECT_EQ(unreachable.str().find("No changes:"), std::string::npos) << unreachable.str();
  EXPECT_NE(unreachable.str().find("1 host(s) unreachable"), std::string::npos);

  Unplaced u;
  u.workload = "db";
  u.replica = 1;
  u.summary = "0/4 hosts: 4 insufficient memory";
  p.unplaced.push_back(u);
  EXPECT_TRUE(p.Pending());
  EXPECT_FALSE(p.HasChanges());
  std::ostringstream unplaced;
  PrintPlan(p, unplaced, false);
  EXPECT_EQ(unplaced.str().find("No changes"), std::string::npos) << unplaced.str();
  EXPECT_NE(unplaced.str().find("! db replica 1: 0/4 hosts: 4 insufficient memory"),
            std::string::npos);
  EXPECT_NE(unplaced.str().find("the desired state is not reached"), std::string::npos);
}

}  // namespace
}  // namespace egov::orchestrator
