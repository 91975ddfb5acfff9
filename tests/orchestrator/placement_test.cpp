#include "orchestrator/placement.h"

#include <gtest/gtest.h>

#include <set>

namespace egov::orchestrator {
namespace {

constexpr uint64_t kGi = 1ULL << 30;
const Date kToday = *ParseDate("2026-11-23");

PlacementHost MakeHost(const std::string& name, const std::string& provider = "p1",
                       const std::string& zone = "z1") {
  PlacementHost h;
  h.name = name;
  h.provider = provider;
  h.zone = zone;
  h.residency = "VN";
  h.cert_level = 5;
  h.cert_expires = *ParseDate("2030-01-01");
  h.capacity = {16, 64 * kGi, 1000 * kGi};
  return h;
}

PlacementWorkload MakeWorkload(const std::string& name, int level = 1, int replicas = 1) {
  PlacementWorkload w;
  w.name = name;
  w.level = level;
  w.replicas = replicas;
  w.resources = {2, 4 * kGi, 10 * kGi};
  w.spec_hash = "sha256:" + name;
  return w;
}

PlacementOptions Options() {
  PlacementOptions o;
  o.today = kToday;
  return o;
}

PlacementResult PlaceAll(const std::vector<PlacementHost>& hosts,
                         const std::vector<PlacementWorkload>& workloads,
                         const std::vector<ExistingReplica>& existing = {},
                         PlacementOptions options = Options()) {
  return Place(hosts, workloads, existing, options);
}

uint32_t Refused(const Assignment& a, Reason r) { return a.refused[static_cast<size_t>(r)]; }

// One host that fails exactly one filter, one that passes: the replica lands on the good one,
// and with the good one gone it is refused for that reason.
void ExpectFilter(PlacementHost bad, PlacementWorkload w, Reason reason) {
  const PlacementHost good = MakeHost("good");
  bad.name = "bad";
  auto both = PlaceAll({bad, good}, {w});
  ASSERT_EQ(both.assignments.size(), 1u);
  EXPECT_EQ(both.assignments[0].host, 1) << ReasonCode(reason);
  auto only_bad = PlaceAll({bad}, {w});
  ASSERT_EQ(only_bad.assignments[0].host, -1) << ReasonCode(reason);
  EXPECT_EQ(Refused(only_bad.assignments[0], reason), 1u) << ReasonCode(reason);
  EXPECT_EQ(only_bad.unplaced, 1u);
}

TEST(PlacementFilter, CertificationExpired) {
  PlacementHost h = MakeHost("x");
  h.cert_expires = *ParseDate("2026-11-22");
  ExpectFilter(h, MakeWorkload("w"), Reason::kCertExpired);
}

TEST(PlacementFilter, CertificationValidOnItsLastDay) {
  PlacementHost h = MakeHost("x");
  h.cert_expires = kToday;
  EXPECT_EQ(PlaceAll({h}, {MakeWorkload("w")}).assignments[0].host, 0);
}

TEST(PlacementFilter, CertificationLevelTooLow) {
  PlacementHost h = MakeHost("x");
  h.cert_level = 3;
  ExpectFilter(h, MakeWorkload("w", 4), Reason::kCertLevel);
  EXPECT_EQ(PlaceAll({h}, {MakeWorkload("w", 3)}).assignments[0].host, 0);
}

TEST(PlacementFilter, Residency) {
  PlacementHost h = MakeHost("x");
  h.residency = "SG";
  PlacementWorkload w = MakeWorkload("w");
  w.residency = {"VN"};
  ExpectFilter(h, w, Reason::kResidency);
  w.residency.clear();  // no residency rule: anywhere
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, 0);
}

TEST(PlacementFilter, ProviderNotAllowed) {
  PlacementHost h = MakeHost("x", "other");
  PlacementWorkload w = MakeWorkload("w");
  w.providers = {"p1"};
  ExpectFilter(h, w, Reason::kProviderNotAllowed);
}

TEST(PlacementFilter, Labels) {
  PlacementHost h = MakeHost("x");
  h.labels = {{"storage", "hdd"}};
  PlacementWorkload w = MakeWorkload("w");
  w.labels = {{"storage", "ssd"}};
  PlacementHost good = MakeHost("good");
  good.labels = {{"storage", "ssd"}, {"gpu", "no"}};
  auto r = PlaceAll({h, good}, {w});
  EXPECT_EQ(r.assignments[0].host, 1);
  auto none = PlaceAll({h}, {w});
  EXPECT_EQ(Refused(none.assignments[0], Reason::kLabels), 1u);
}

TEST(PlacementFilter, HostUnreachable) {
  PlacementHost h = MakeHost("x");
  h.reachable = false;
  ExpectFilter(h, MakeWorkload("w"), Reason::kHostUnreachable);
}

TEST(PlacementFilter, HostInMaintenanceOrFailed) {
  PlacementHost h = MakeHost("x");
  h.state = HostState::kMaintenance;
  ExpectFilter(h, MakeWorkload("w"), Reason::kHostMaintenance);
  h.state = HostState::kFailed;
  h.reachable = false;  // never opened
  ExpectFilter(h, MakeWorkload("w"), Reason::kHostFailed);
}

TEST(PlacementReconcile, MaintenanceMovesTheReplicaAway) {
  PlacementHost a = MakeHost("a");
  a.state = HostState::kMaintenance;
  const PlacementWorkload w = MakeWorkload("w");
  const auto r = PlaceAll({a, MakeHost("b")}, {w}, {{"w", 0, "a", w.spec_hash, w.resources}});
  ASSERT_EQ(r.evictions.size(), 1u);
  EXPECT_EQ(r.evictions[0].reasons, std::vector<Reason>{Reason::kHostMaintenance});
  EXPECT_EQ(r.assignments[0].host, 1);
}

TEST(PlacementReconcile, OnlyAFailedHostsUnknownReplicasAreEvacuated) {
  PlacementHost a = MakeHost("a");
  a.reachable = false;
  const PlacementWorkload w = MakeWorkload("w");
  const ExistingReplica unknown{"w", 0, "a", w.spec_hash, w.resources, true};
  auto r = PlaceAll({a, MakeHost("b")}, {w}, {unknown});
  EXPECT_TRUE(r.evictions.empty());  // unreachable: kept where it was last seen
  EXPECT_EQ(r.assignments[0].host, 0);
  a.state = HostState::kFailed;
  r = PlaceAll({a, MakeHost("b")}, {w}, {unknown});
  ASSERT_EQ(r.evictions.size(), 1u);
  EXPECT_EQ(r.evictions[0].why, "host failed (fenced)");
  EXPECT_EQ(r.assignments[0].host, 1);
}

TEST(PlacementReconcile, TheCopyTheJournalRecordedStays) {
  const PlacementWorkload w = MakeWorkload("w");
  for (const bool on_a : {true, false}) {
    const auto r = PlaceAll({MakeHost("a"), MakeHost("b")}, {w},
                            {{"w", 0, "a", w.spec_hash, w.resources, false, on_a},
                             {"w", 0, "b", w.spec_hash, w.resources, false, !on_a}});
    ASSERT_EQ(r.evictions.size(), 1u);
    EXPECT_EQ(r.evictions[0].existing, on_a ? 1u : 0u) << "recorded on " << (on_a ? "a" : "b");
    EXPECT_EQ(r.assignments[0].host, on_a ? 0 : 1);
  }
}

TEST(PlacementFilter, LiveComplianceFailed) {
  PlacementWorkload w = MakeWorkload("w", 4);
  w.require_compliance = true;
  w.profile = "decree85-level4";
  PlacementHost h = MakeHost("x");
  h.compliance["decree85-level4"] = Compliance::kFail;
  PlacementHost good = MakeHost("good");
  good.compliance["decree85-level4"] = Compliance::kPass;
  EXPECT_EQ(PlaceAll({h, good}, {w}).assignments[0].host, 1);
  auto r = PlaceAll({h}, {w});
  EXPECT_EQ(Refused(r.assignments[0], Reason::kNotCompliant), 1u);
}

TEST(PlacementFilter, UnknownComplianceFollowsThePolicy) {
  PlacementWorkload w = MakeWorkload("w", 4);
  w.require_compliance = true;
  w.profile = "decree85-level4";
  w.unknown = UnknownCompliance::kDeny;
  PlacementHost h = MakeHost("x");  // no results at all
  auto denied = PlaceAll({h}, {w});
  EXPECT_EQ(Refused(denied.assignments[0], Reason::kComplianceUnknown), 1u);
  w.unknown = UnknownCompliance::kAllow;
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, 0);
  h.compliance["decree85-level4"] = Compliance::kFail;  // known failure is never allowed
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, -1);
}

TEST(PlacementFilter, PhysicalSeparationNeedsAHostRunningNothingElse) {
  PlacementWorkload high = MakeWorkload("high", 4);
  high.separation = Separation::kPhysical;
  PlacementHost shared = MakeHost("x");
  shared.runs_unmanaged = true;
  ExpectFilter(shared, high, Reason::kRunsOtherSystems);
  // Another egovctl workload on the host counts as another system too.
  auto r = PlaceAll({MakeHost("only")}, {MakeWorkload("a-low", 1), high});
  int placed = 0;
  for (const auto& a : r.assignments) placed += a.host >= 0;
  EXPECT_EQ(placed, 1);                  // the level-4 one goes first and takes the host
  EXPECT_EQ(r.assignments[0].host, -1);  // a-low: the host is dedicated
  EXPECT_EQ(Refused(r.assignments[0], Reason::kDedicatedHost), 1u);
}

TEST(PlacementFilter, PhysicalSeparationAllowsReplicasOfTheSameSystem) {
  PlacementWorkload high = MakeWorkload("high", 4, 2);
  high.separation = Separation::kPhysical;
  auto r = PlaceAll({MakeHost("only")}, {high});
  EXPECT_EQ(r.unplaced, 0u);  // spread none: both on the one dedicated host
}

TEST(PlacementFilter, CpuWithOvercommit) {
  PlacementHost h = MakeHost("x");
  h.capacity.vcpus = 4;
  PlacementWorkload w = MakeWorkload("w");
  w.resources.vcpus = 6;
  ExpectFilter(h, w, Reason::kCpu);
  h.overcommit.cpu = 2;  // 8 vCPUs schedulable
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, 0);
}

TEST(PlacementFilter, MemoryOvercommitOnlyWhereThePolicyAllowsIt) {
  PlacementHost h = MakeHost("x");
  h.capacity.memory = 8 * kGi;
  h.overcommit.memory = 1.5;  // 12 GiB with overcommit
  PlacementWorkload w = MakeWorkload("w");
  w.resources.memory = 10 * kGi;
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, 0);
  w.allow_memory_overcommit = false;
  ExpectFilter(h, w, Reason::kMemory);
}

// Thin root disks: a host with overcommit.disk may promise more than its disk, except to a
// workload whose level forbids it; what is already there counts as well.
TEST(PlacementFilter, DiskOvercommitOnlyWhereThePolicyAllowsIt) {
  PlacementHost h = MakeHost("x");
  h.capacity.disk = 100 * kGi;
  h.unmanaged.disk = 20 * kGi;  // base images and seeds, at their allocation
  h.overcommit.disk = 2;        // 200 GiB of root disks may be promised
  PlacementWorkload w = MakeWorkload("w");
  w.resources.disk = 150 * kGi;  // 20 + 150 > 100, <= 200
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, 0);
  w.allow_disk_overcommit = false;
  ExpectFilter(h, w, Reason::kDisk);
  w.allow_disk_overcommit = true;
  w.resources.disk = 181 * kGi;  // 20 + 181 > 200
  ExpectFilter(h, w, Reason::kDisk);
  h.overcommit.disk = 1;
  w.resources.disk = 80 * kGi;  // 20 + 80 fits without overcommit
  EXPECT_EQ(PlaceAll({h}, {w}).assignments[0].host, 0);
  w.resources.disk = 81 * kGi;
  ExpectFilter(h, w, Reason::kDisk);
}

TEST(PlacementFilter, Disk) {
  PlacementHost h = MakeHost("x");
  h.capacity.disk = 5 * kGi;
  ExpectFilter(h, MakeWorkload("w"), Reason::kDisk);
}

TEST(PlacementFilter, CapacityCountsWhatIsAlreadyPlacedAndUnmanaged) {
  PlacementHost h = MakeHost("x");
  h.capacity.memory = 10 * kGi;
  h.unmanaged.memory = 3 * kGi;
  PlacementWorkload w = MakeWorkload("w", 1, 2);  // 4 GiB each: 3 + 4 fits, 3 + 8 does not
  auto r = PlaceAll({h}, {w});
  EXPECT_EQ(r.assignments[0].host, 0);
  EXPECT_EQ(r.assignments[1].host, -1);
  EXPECT_EQ(Refused(r.assignments[1], Reason::kMemory), 1u);
}

TEST(PlacementSpread, HostZoneAndProvider) {
  const std::vector<PlacementHost> hosts = {MakeHost("a1", "p1", "z1"), MakeHost("a2", "p1", "z1"),
                                            MakeHost("b1", "p1", "z2"), MakeHost("c1", "p2", "z1")};
  PlacementWorkload w = MakeWorkload("w", 1, 3);
  w.spread = Spread::kHost;
  auto r = PlaceAll(hosts, {w});
  std::set<int> used;
  for (const auto& a : r.assignments) used.insert(a.host);
  EXPECT_EQ(used.size(), 3u);

  w.spread = Spread::kZone;  // zones: p1/z1, p1/z2, p2/z1 -> three distinct
  r = PlaceAll(hosts, {w});
  std::set<std::string> zones;
  for (const auto& a : r.assignments) {
    ASSERT_GE(a.host, 0);
    zones.insert(hosts[a.host].provider + "/" + hosts[a.host].zone);
  }
  EXPECT_EQ(zones.size(), 3u);

  w.spread = Spread::kProvider;  // only two providers: the third replica is refused
  r = PlaceAll(hosts, {w});
  EXPECT_EQ(r.unplaced, 1u);
  const Assignment& last = r.assignments[2];
  EXPECT_EQ(Refused(last, Reason::kSameProvider), 4u);
  EXPECT_NE(SummarizeRefusals(last, w, hosts.size()).find("4 same provider as replicas 0, 1"),
            std::string::npos)
      << SummarizeRefusals(last, w, hosts.size());
}

// Workloads may have a thousand replicas: a spread refusal names every replica it conflicts
// with, not only those below 64.
TEST(PlacementSpread, ConflictsNameReplicasOfAnyIndex) {
  std::vector<PlacementHost> hosts;
  for (int i = 0; i < 99; ++i) hosts.push_back(MakeHost("h" + std::to_string(i)));
  PlacementWorkload w = MakeWorkload("big", 1, 100);
  w.resources = {1, kGi, kGi};
  w.spread = Spread::kHost;
  auto r = PlaceAll(hosts, {w});
  ASSERT_EQ(r.unplaced, 1u);
  const Assignment& last = r.assignments[99];
  EXPECT_EQ(last.host, -1);
  std::string expected = "0/99 hosts: 99 same host as replicas 0";
  for (int i = 1; i < 99; ++i) expected += ", " + std::to_string(i);
  EXPECT_EQ(SummarizeRefusals(last, w, hosts.size()), expected);
  // The host of replica 80 refuses replica 99 because of replica 80.
  const auto host_of_80 = static_cast<size_t>(r.assignments[80].host);
  const auto ex = ExplainHost(hosts, {w}, {}, Options(), r, 0, host_of_80);
  ASSERT_EQ(ex.size(), 100u);
  EXPECT_TRUE(ex[80].placed_here);
  EXPECT_EQ(ex[99].texts, std::vector<std::string>{"same host as replica 80"});
}

TEST(PlacementScore, SpreadTakesTheLeastAllocatedHost) {
  PlacementHost busy = MakeHost("busy");
  busy.unmanaged = {8, 32 * kGi, 0};
  PlacementHost idle = MakeHost("idle");
  auto r = PlaceAll({busy, idle}, {MakeWorkload("w")});
  EXPECT_EQ(r.assignments[0].host, 1);
}

TEST(PlacementScore, BinpackFillsTheFullestHost) {
  PlacementHost busy = MakeHost("busy");
  busy.unmanaged = {8, 32 * kGi, 0};
  PlacementHost idle = MakeHost("idle");
  PlacementOptions o = Options();
  o.strategy = Strategy::kBinpack;
  auto r = PlaceAll({busy, idle}, {MakeWorkload("w", 1, 3)}, {}, o);
  for (const auto& a : r.assignments) EXPECT_EQ(a.host, 0);
}

TEST(PlacementScore, DeterministicForASeed) {
  std::vector<PlacementHost> hosts;
  for (int i = 0; i < 50; ++i) hosts.push_back(MakeHost("h" + std::to_string(i)));
  std::vector<PlacementWorkload> ws;
  for (int i = 0; i < 20; ++i) ws.push_back(MakeWorkload("w" + std::to_string(i), 1, 3));
  PlacementOptions o = Options();
  o.seed = 42;
  auto hosts_of = [&](const PlacementResult& r) {
    std::vector<int> out;
    for (const auto& a : r.assignments) out.push_back(a.host);
    return out;
  };
  const auto first = hosts_of(PlaceAll(hosts, ws, {}, o));
  EXPECT_EQ(first, hosts_of(PlaceAll(hosts, ws, {}, o)));
  o.seed = 43;  // equal hosts: the seed decides the ties
  EXPECT_NE(first, hosts_of(PlaceAll(hosts, ws, {}, o)));
  EXPECT_EQ(PlaceAll(hosts, ws, {}, o).seed, 43u);
}

TEST(PlacementSticky, ExistingReplicasStayWhileValid) {
  PlacementHost busy = MakeHost("busy");
  busy.unmanaged = {8, 32 * kGi, 0};
  PlacementHost idle = MakeHost("idle");
  PlacementWorkload w = MakeWorkload("w");
  // The idle host scores better, but the replica already runs on the busy one.
  ExistingReplica e{"w", 0, "busy", w.spec_hash, w.resources, false};
  auto r = PlaceAll({busy, idle}, {w}, {e});
  EXPECT_EQ(r.assignments[0].host, 0);
  EXPECT_EQ(r.assignments[0].existing, 0);
  EXPECT_TRUE(r.evictions.empty());
}

TEST(PlacementSticky, InvalidReplicasMove) {
  PlacementHost expired = MakeHost("expired");
  expired.cert_expires = *ParseDate("2025-01-01");
  PlacementWorkload w = MakeWorkload("w");
  ExistingReplica e{"w", 0, "expired", w.spec_hash, w.resources, false};
  auto r = PlaceAll({expired, MakeHost("ok")}, {w}, {e});
  EXPECT_EQ(r.assignments[0].host, 1);
  EXPECT_EQ(r.assignments[0].existing, -1);
  ASSERT_EQ(r.evictions.size(), 1u);
  EXPECT_EQ(r.evictions[0].reasons, std::vector<Reason>{Reason::kCertExpired});
  EXPECT_EQ(r.evictions[0].why, "certification expired");
}

TEST(PlacementSticky, RemovedExcessAndDuplicateReplicasAreEvicted) {
  PlacementWorkload w = MakeWorkload("w", 1, 1);
  const std::vector<ExistingReplica> existing = {
      {"gone", 0, "a", "x", w.resources, false},
      {"w", 0, "a", w.spec_hash, w.resources, false},
      {"w", 0, "b", w.spec_hash, w.resources, false},
      {"w", 1, "a", w.spec_hash, w.resources, false},
  };
  auto r = PlaceAll({MakeHost("a"), MakeHost("b")}, {w}, existing);
  ASSERT_EQ(r.assignments.size(), 1u);
  EXPECT_EQ(r.assignments[0].existing, 1);
  std::set<std::string> why;
  for (const auto& e : r.evictions) why.insert(e.why);
  EXPECT_EQ(
      why, (std::set<std::string>{"workload removed", "duplicate of replica 0", "excess replica"}));
}

TEST(PlacementSticky, ReplicasOnUnreachableHostsAreKeptNotRecreated) {
  PlacementHost down = MakeHost("down");
  down.reachable = false;
  PlacementWorkload w = MakeWorkload("w");
  ExistingReplica e{"w", 0, "down", w.spec_hash, w.resources, true};
  auto r = PlaceAll({down, MakeHost("up")}, {w}, {e});
  EXPECT_EQ(r.assignments[0].host, 0);
  EXPECT_EQ(r.assignments[0].existing, 0);
}

TEST(PlacementSticky, LowerLevelSystemMovesOffAHostAHighLevelOneNeeds) {
  PlacementWorkload high = MakeWorkload("high", 4);
  high.separation = Separation::kPhysical;
  PlacementWorkload low = MakeWorkload("low", 1);
  const std::vector<ExistingReplica> existing = {
      {"low", 0, "a", low.spec_hash, low.resources, false},
      {"high", 0, "a", high.spec_hash, high.resources, false},
  };
  auto r = PlaceAll({MakeHost("a"), MakeHost("b")}, {high, low}, existing);
  EXPECT_EQ(r.assignments[0].host, 0);  // high stays
  EXPECT_EQ(r.assignments[1].host, 1);  // low moves
  ASSERT_EQ(r.evictions.size(), 1u);
  EXPECT_EQ(existing[r.evictions[0].existing].workload, "low");
}

TEST(PlacementSticky, ReplicaWithNowhereToGoStaysAndIsUnplaced) {
  PlacementHost expired = MakeHost("expired");
  expired.cert_expires = *ParseDate("2025-01-01");
  PlacementHost low = MakeHost("low");
  low.cert_level = 1;
  PlacementWorkload w = MakeWorkload("w", 3);
  ExistingReplica e{"w", 0, "expired", w.spec_hash, w.resources, false};
  auto r = PlaceAll({expired, low}, {w}, {e});
  ASSERT_EQ(r.assignments.size(), 1u);
  const Assignment& a = r.assignments[0];
  EXPECT_EQ(a.host, -1);
  EXPECT_EQ(a.kept, 0);
  EXPECT_EQ(a.must_move, std::vector<Reason>{Reason::kCertExpired});
  EXPECT_TRUE(r.evictions.empty());  // nothing deleted
  EXPECT_EQ(r.unplaced, 1u);
  EXPECT_EQ(Refused(a, Reason::kCertExpired), 1u);
  EXPECT_EQ(Refused(a, Reason::kCertLevel), 1u);
}

TEST(PlacementSticky, ReplicaThatMustMoveKeepsItsRoomUntilItMoves) {
  // The stuck replica's host stays full: nothing else is placed in its room.
  PlacementHost expired = MakeHost("expired");
  expired.cert_expires = *ParseDate("2025-01-01");
  expired.capacity = {2, 4 * kGi, 10 * kGi};
  PlacementWorkload w = MakeWorkload("w", 1);
  ExistingReplica e{"w", 0, "expired", w.spec_hash, w.resources, false};
  auto r = PlaceAll({expired}, {w}, {e});
  EXPECT_EQ(r.assignments[0].kept, 0);
  const auto ex = ExplainHost({expired}, {w}, {e}, Options(), r, 0, 0);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_NE(std::find(ex[0].reasons.begin(), ex[0].reasons.end(), Reason::kMemory),
            ex[0].reasons.end());
}

// Level 4 needs hosts that run nothing else; level-1 replicas hold all three.
struct Crowded {
  PlacementWorkload high = [] {
    PlacementWorkload w = MakeWorkload("high", 4, 2);
    w.separation = Separation::kPhysical;
    w.spread = Spread::kHost;
    return w;
  }();
  PlacementWorkload low = MakeWorkload("low", 1, 2);
  std::vector<PlacementHost> hosts = {MakeHost("a"), MakeHost("b"), MakeHost("c")};
  std::vector<ExistingReplica> existing = {
      {"low", 0, "a", low.spec_hash, low.resources, false},
      {"low", 1, "b", low.spec_hash, low.resources, false},
  };
};

TEST(PlacementRoom, LowerLevelReplicasMoveToMakeADedicatedHost) {
  Crowded c;
  auto r = PlaceAll(c.hosts, {c.high, c.low}, c.existing);
  // high-0 takes the free host c; high-1 finds a and b taken by low.
  const Assignment& h0 = r.assignments[0];
  const Assignment& h1 = r.assignments[1];
  EXPECT_EQ(h0.host, 2);
  EXPECT_EQ(h1.host, -1);
  ASSERT_GE(h1.room_on, 0);
  const int room = h1.room_on;
  const int other = room == 0 ? 1 : 0;
  ASSERT_EQ(h1.in_the_way.size(), 1u);
  EXPECT_EQ(h1.in_the_way[0].host, static_cast<size_t>(room));
  EXPECT_EQ(h1.in_the_way[0].workload, 1);
  EXPECT_EQ(h1.in_the_way[0].moves_to, other);
  // The low replica moves (new copy on the other host), its old copy is deleted afterwards.
  const Assignment& moved = r.assignments[2 + static_cast<size_t>(room)];
  EXPECT_EQ(moved.host, other);
  EXPECT_EQ(moved.existing, -1);
  ASSERT_EQ(r.evictions.size(), 1u);
  EXPECT_EQ(r.evictions[0].existing, static_cast<size_t>(room));
  EXPECT_EQ(r.evictions[0].why, "makes room for high: level 4 needs a dedicated host");
  EXPECT_EQ(r.unplaced, 1u);

  // Once it has moved, the next plan gives high its second dedicated host.
  std::vector<ExistingReplica> after = {
      {"low", 0, c.hosts[static_cast<size_t>(other)].name, c.low.spec_hash, c.low.resources, false},
      {"low", 1, c.hosts[static_cast<size_t>(other)].name, c.low.spec_hash, c.low.resources, false},
      {"high", 0, "c", c.high.spec_hash, c.high.resources, false},
  };
  auto next = PlaceAll(c.hosts, {c.high, c.low}, after);
  EXPECT_EQ(next.unplaced, 0u);
  EXPECT_EQ(next.assignments[1].host, room);
  EXPECT_TRUE(next.evictions.empty());
}

TEST(PlacementRoom, NothingMovesWhenTheBlockersHaveNowhereToGo) {
  Crowded c;
  c.low.spread = Spread::kHost;  // low-0 may not join low-1, and c goes to high
  auto r = PlaceAll(c.hosts, {c.high, c.low}, c.existing);
  const Assignment& h1 = r.assignments[1];
  EXPECT_EQ(h1.host, -1);
  EXPECT_EQ(h1.room_on, -1);
  EXPECT_TRUE(r.evictions.empty());
  EXPECT_EQ(r.assignments[2].existing, 0);  // low stays where it is
  EXPECT_EQ(r.assignments[3].existing, 1);
  std::set<std::pair<size_t, int>> named;
  for (const Blocker& b : h1.in_the_way) {
    EXPECT_EQ(b.moves_to, -1);
    named.emplace(b.host, b.replica);
  }
  EXPECT_EQ(named, (std::set<std::pair<size_t, int>>{{0, 0}, {1, 1}}));
  const auto ways = WaysToMakeRoom(h1, c.high, 1);
  EXPECT_NE(std::find(ways.begin(), ways.end(),
                      "lower `replicas` to 1 (if the level's policy "
                      "allows it)"),
            ways.end());
}

TEST(PlacementRoom, ReplicasOfTheSameOrAHigherLevelAndUnmanagedDomainsNeverMove) {
  Crowded c;
  c.low.level = 4;  // as sensitive as high: not moved for it
  auto same = PlaceAll(c.hosts, {c.high, c.low}, c.existing);
  EXPECT_EQ(same.assignments[1].room_on, -1);
  EXPECT_TRUE(same.evictions.empty());

  Crowded u;
  for (auto& h : u.hosts) {
    h.runs_unmanaged = true;
    h.unmanaged = {1, kGi, 0};
  }
  u.existing.clear();
  auto r = PlaceAll(u.hosts, {u.high}, {});
  EXPECT_EQ(r.unplaced, 2u);
  EXPECT_EQ(r.assignments[0].room_on, -1);
  ASSERT_FALSE(r.assignments[0].in_the_way.empty());
  EXPECT_EQ(r.assignments[0].in_the_way[0].workload, -1);  // domains egovctl does not manage
}

TEST(PlacementRoom, WaysToMakeRoomFollowTheRefusals) {
  PlacementHost h = MakeHost("x");
  h.cert_level = 3;
  PlacementWorkload w = MakeWorkload("w", 4);
  auto r = PlaceAll({h}, {w});
  const auto ways = WaysToMakeRoom(r.assignments[0], w, 0);
  EXPECT_EQ(ways, (std::vector<std::string>{"a provider certified for level 4 or higher",
                                            "more hosts that qualify"}));
}

TEST(PlacementExplain, SummaryCountsEveryHostUnderItsFirstReason) {
  std::vector<PlacementHost> hosts;
  for (int i = 0; i < 6; ++i) {
    hosts.push_back(MakeHost("cert" + std::to_string(i)));
    hosts.back().cert_level = 3;
  }
  for (int i = 0; i < 5; ++i) {
    hosts.push_back(MakeHost("mem" + std::to_string(i)));
    hosts.back().capacity.memory = kGi;
  }
  for (int i = 0; i < 3; ++i) hosts.push_back(MakeHost("nc" + std::to_string(i)));
  PlacementWorkload w = MakeWorkload("w", 4);
  w.require_compliance = true;
  w.profile = "decree85-level4";
  for (auto& h : hosts) {
    h.compliance["decree85-level4"] =
        h.name.rfind("nc", 0) == 0 ? Compliance::kFail : Compliance::kPass;
  }
  auto r = PlaceAll(hosts, {w});
  EXPECT_EQ(SummarizeRefusals(r.assignments[0], w, hosts.size()),
            "0/14 hosts: 6 certification below level 4; 5 insufficient memory; 3 not compliant "
            "with decree85-level4");
}

TEST(PlacementExplain, WhyNotHereListsEveryReason) {
  PlacementHost bad = MakeHost("bad", "p1", "z1");
  bad.cert_level = 2;
  bad.labels = {};
  bad.capacity.disk = 0;
  PlacementWorkload w = MakeWorkload("w", 3, 2);
  w.labels = {{"storage", "ssd"}};
  w.spread = Spread::kZone;
  PlacementHost a = MakeHost("a", "p1", "z1");
  a.labels = {{"storage", "ssd"}};
  PlacementHost b = MakeHost("b", "p1", "z2");
  b.labels = {{"storage", "ssd"}};
  const std::vector<PlacementHost> hosts = {bad, a, b};
  auto r = PlaceAll(hosts, {w});
  auto ex = ExplainHost(hosts, {w}, {}, Options(), r, 0, 0);
  ASSERT_EQ(ex.size(), 2u);
  for (const auto& e : ex) {
    EXPECT_FALSE(e.eligible);
    EXPECT_NE(std::find(e.reasons.begin(), e.reasons.end(), Reason::kCertLevel), e.reasons.end());
    EXPECT_NE(std::find(e.reasons.begin(), e.reasons.end(), Reason::kLabels), e.reasons.end());
    EXPECT_NE(std::find(e.reasons.begin(), e.reasons.end(), Reason::kDisk), e.reasons.end());
  }
  // The replica on z2 would clash with the one on z1 if it came here.
  const int on_z2 = r.assignments[0].host == 2 ? 0 : 1;
  const auto& clash = ex[static_cast<size_t>(on_z2)].reasons;
  EXPECT_NE(std::find(clash.begin(), clash.end(), Reason::kSameZone), clash.end());
  // The host it is on: placed here.
  auto here = ExplainHost(hosts, {w}, {}, Options(), r, 0, 1);
  EXPECT_TRUE(here[0].placed_here || here[1].placed_here);
}

TEST(PlacementExplain, ReasonCodesAreStable) {
  EXPECT_STREQ(ReasonCode(Reason::kCertLevel), "CERT_LEVEL_TOO_LOW");
  EXPECT_STREQ(ReasonCode(Reason::kMemory), "MEM_EXHAUSTED");
  EXPECT_STREQ(ReasonCode(Reason::kSameZone), "ZONE_ANTI_AFFINITY");
  EXPECT_STREQ(ReasonCode(Reason::kSameProvider), "PROVIDER_ANTI_AFFINITY");
  EXPECT_STREQ(ReasonCode(Reason::kComplianceUnknown), "COMPLIANCE_UNKNOWN");
}

TEST(PlacementScale, CandidateLimitStillPlacesEverything) {
  std::vector<PlacementHost> hosts;
  for (int i = 0; i < 300; ++i) {
    hosts.push_back(MakeHost("h" + std::to_string(i), "p" + std::to_string(i % 3),
                             "z" + std::to_string(i % 7)));
  }
  std::vector<PlacementWorkload> ws;
  for (int i = 0; i < 100; ++i) {
    ws.push_back(MakeWorkload("w" + std::to_string(i), 1, 3));
    ws.back().spread = Spread::kZone;
  }
  PlacementOptions o = Options();
  o.candidates = 8;
  auto r = PlaceAll(hosts, ws, {}, o);
  EXPECT_EQ(r.unplaced, 0u);
}

}  // namespace
}  // namespace egov::orchestrator
