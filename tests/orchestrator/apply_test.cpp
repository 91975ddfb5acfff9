#include "orchestrator/apply.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "common/loader.h"
#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"
#include "orchestrator/sqlite_journal.h"
#include "tests/orchestrator/journal_runs.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

class ApplyOnTestDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string yaml =
        "kind: Provider\nname: p\ndisplay_name: P\ncertification: {scheme: s, certificate: c, "
        "issued: 2024-01-01, expires: 2030-01-01, max_security_level: 5}\nresidency: VN\n"
        "zones:\n  - name: z\n    hosts:\n";
    for (const char* h : {"h1", "h2"}) {
      yaml += std::string("      - {name: ") + h + ", uri: \"test://" + dir_.path().string() + "/" +
              h + ".xml\", capacity: {vcpus: 8, memory: 16Gi, disk: 1Ti}}\n";
    }
    yaml +=
        "---\nkind: Workload\nname: w\nagency: a\nsystem: s\nsecurity_level: 3\n"
        "replicas: 2\nresources: {vcpus: 1, memory: 64Mi}\n";
    inv_ = LoadInventoryText("inv.yaml", yaml);
    ConnectedHosts connected = ConnectHosts(ListHosts(inv_), {});
    sessions_ = std::move(connected.sessions);
    observed_ = std::move(connected.observed);
    for (auto& s : sessions_) by_name_[s->name] = s.get();
    journal_ = std::make_unique<SqliteJournal>((dir_ / "journal.db").string());
  }

  // A `kind` action on replica `replica` of the workload w on `host`, as the planner makes it.
  static Action On(ActionKind kind, const std::string& host, int replica) {
    Action a;
    a.kind = kind;
    a.host = host;
    a.workload = "w";
    a.replica = replica;
    a.domain = DomainName("w", replica);
    a.uuid = ReplicaUuid("w", replica);
    return a;
  }

  Action Create(const std::string& host, int replica, const std::string& uuid = "") {
    Action a = On(ActionKind::kCreate, host, replica);
    if (!uuid.empty()) a.uuid = uuid;
    DomainRequest r;
    r.name = a.domain;
    r.uuid = a.uuid;
    r.workload = &inv_.workloads[0];
    r.metadata.workload = "w";
    r.metadata.replica = replica;
    r.metadata.security_level = 3;
    r.network = SeparationName("w");
    a.xml = BuildDomainXml(r, observed_[host == "h1" ? 0 : 1].traits);
    a.network = a.pool = SeparationName("w");
    return a;
  }

  size_t DomainsOn(const std::string& host) {
    return by_name_[host]->conn->ListAllDomains().size();
  }

  egov::testing::TempDir dir_;
  Inventory inv_;
  std::vector<std::unique_ptr<HostSession>> sessions_;
  std::vector<ObservedHost> observed_;
  std::map<std::string, HostSession*> by_name_;
  std::unique_ptr<Journal> journal_;
  std::ostringstream progress_;
};

TEST_F(ApplyOnTestDriver, CreatesStartsAndIsIdempotent) {
  Plan plan;
  plan.actions = {Create("h1", 0), Create("h2", 1)};
  ApplyReport r = ExecutePlan(plan, by_name_, journal_.get(), {}, progress_);
  EXPECT_EQ(r.done, 2u);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(DomainsOn("h1"), 1u);
  EXPECT_TRUE(by_name_["h1"]->conn->LookupNetwork("egov-w"));
  EXPECT_TRUE(by_name_["h1"]->conn->LookupStoragePool("egov-w"));
  // The same steps again (a rerun after a crash): same UUIDs, nothing duplicated.
  r = ExecutePlan(plan, by_name_, journal_.get(), {}, progress_);
  EXPECT_EQ(r.done, 2u);
  EXPECT_EQ(DomainsOn("h1"), 1u);
  EXPECT_EQ(DomainsOn("h2"), 1u);
  EXPECT_EQ(journal_->KnownDomains("h1").size(), 1u);
  EXPECT_EQ(JournalRuns(journal_->path(), 1)[0].status, "done");
}

// A domain left paused (QEMU started paused by a daemon killed before it resumed the guest) is
// active but not running: the plan's "start" resumes it.
TEST_F(ApplyOnTestDriver, StartResumesAPausedDomain) {
  Plan plan;
  plan.actions = {Create("h1", 0)};
  ASSERT_EQ(ExecutePlan(plan, by_name_, journal_.get(), {}, progress_).failed, 0u);
  libvirt::DomainPtr dom = by_name_["h1"]->conn->LookupDomainByUuid(plan.actions[0].uuid);
  ASSERT_TRUE(dom);
  ASSERT_EQ(virDomainSuspend(dom.get()), 0);
  const auto state = [&] {
    int s = 0;
    virDomainGetState(dom.get(), &s, nullptr, 0);
    return s;
  };
  ASSERT_EQ(state(), VIR_DOMAIN_PAUSED);
  plan.actions[0].kind = ActionKind::kStart;
  const ApplyReport r = ExecutePlan(plan, by_name_, journal_.get(), {}, progress_);
  EXPECT_EQ(r.done, 1u);
  EXPECT_EQ(state(), VIR_DOMAIN_RUNNING);
}

TEST_F(ApplyOnTestDriver, BestEffortKeepsWhatWorked) {
  Plan plan;
  // The second create clashes: the name exists on h1 with another UUID.
  plan.actions = {Create("h1", 0), Create("h2", 1),
                  Create("h1", 0, "11111111-2222-3333-4444-555555555555")};
  const ApplyReport r = ExecutePlan(plan, by_name_, journal_.get(), {}, progress_);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.done, 2u);
  EXPECT_FALSE(r.rolled_back);
  EXPECT_EQ(DomainsOn("h1") + DomainsOn("h2"), 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("already exists"), std::string::npos) << r.errors[0];
  EXPECT_EQ(JournalRuns(journal_->path(), 1)[0].status, "failed");
}

TEST_F(ApplyOnTestDriver, AllOrNothingUndoesThisRunsChanges) {
  Plan first;
  first.actions = {Create("h1", 0)};
  ASSERT_EQ(ExecutePlan(first, by_name_, nullptr, {}, progress_).done, 1u);
  Plan plan;
  plan.actions = {Create("h2", 1), Create("h2", 1, "11111111-2222-3333-4444-555555555555"),
                  On(ActionKind::kDelete, "h1", 0)};
  ApplyOptions o;
  o.atomic = true;
  o.per_host = 1;
  const ApplyReport r = ExecutePlan(plan, by_name_, journal_.get(), o, progress_);
  EXPECT_TRUE(r.rolled_back);
  EXPECT_EQ(r.undone, 1u);
  EXPECT_EQ(DomainsOn("h2"), 0u);  // the create that worked was undone
  EXPECT_EQ(DomainsOn("h1"), 1u);  // the delete never ran
  EXPECT_EQ(JournalRuns(journal_->path(), 1)[0].status, "rolled-back");
}

TEST_F(ApplyOnTestDriver, DeleteRemovesTheDomainAndItsOwnNetworkAndPool) {
  Plan first;
  first.actions = {Create("h1", 0)};
  ExecutePlan(first, by_name_, nullptr, {}, progress_);
  Plan plan;
  Action del = On(ActionKind::kDelete, "h1", 0);
  del.cleanup = true;
  del.network = del.pool = "egov-w";
  plan.actions = {del, del};  // deleting twice is fine: the second finds nothing
  const ApplyReport r = ExecutePlan(plan, by_name_, nullptr, {}, progress_);
  EXPECT_EQ(r.failed, 0u) << progress_.str();
  EXPECT_EQ(DomainsOn("h1"), 0u);
  EXPECT_FALSE(by_name_["h1"]->conn->LookupNetwork("egov-w"));
  EXPECT_FALSE(by_name_["h1"]->conn->LookupStoragePool("egov-w"));
}

TEST_F(ApplyOnTestDriver, StepsOnAnUnreachableHostAreSkippedAndReported) {
  by_name_["h2"]->conn.reset();
  by_name_["h2"]->error = "connection refused";
  Plan plan;
  plan.actions = {Create("h1", 0), Create("h2", 1)};
  const ApplyReport r = ExecutePlan(plan, by_name_, journal_.get(), {}, progress_);
  EXPECT_EQ(r.done, 1u);
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(r.failed_hosts.at("h2"), "connection refused");
}

TEST_F(ApplyOnTestDriver, SimulatedHostsKeepTheirDomainsBetweenConnections) {
  Plan plan;
  plan.actions = {Create("h1", 0)};
  ExecutePlan(plan, by_name_, nullptr, {}, progress_);
  const ObservedHost again = ConnectHosts(ListHosts(inv_), {}).observed[0];
  ASSERT_TRUE(again.reachable) << again.error;
  ASSERT_EQ(again.domains.size(), 1u);
  EXPECT_EQ(again.domains[0].state, RunState::kRunning);
  ASSERT_TRUE(again.domains[0].metadata);
  EXPECT_EQ(again.domains[0].metadata->workload, "w");
  EXPECT_TRUE(again.networks.count("egov-w"));
}

// Two deletes of one domain on two strands raced: both found it running, one powered it off, and
// the other's power-off failed ("domain is not running"). Steps on one domain share a strand.
TEST(ApplyStrands, StepsOnOneDomainStayOnOneStrandInPlanOrder) {
  const std::vector<std::vector<size_t>> together = {{0, 1, 4}, {2, 5}, {3}};
  EXPECT_EQ(SplitIntoStrands({"a", "a", "b", "c", "a", "b"}, 3), together);
  const std::vector<std::vector<size_t>> round = {{0, 2, 4}, {1, 3}};  // step i on strand i % n
  EXPECT_EQ(SplitIntoStrands({"a", "b", "c", "d", "e"}, 2), round);
}

// When the extra connections of a remote host cannot be opened, its steps run on one strand on
// the main connection, never several calls at once on it (libvirt 9.0's keepalive cannot end
// them when the daemon freezes).
TEST(ApplyStrands, ARemoteHostGetsOneStrandPerConnection) {
  HostSession remote;
  remote.uri = "qemu+tcp://192.0.2.1/system";
  EXPECT_EQ(StrandConnections(remote, 4, 10).size(), 1u);
  remote.workers.push_back(libvirt::Connection::Open("test:///default"));
  const auto two = StrandConnections(remote, 4, 10);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1], remote.workers[0].get());
  EXPECT_EQ(StrandConnections(remote, 4, 1).size(), 1u);
  HostSession simulated;  // in this process: one connection for every strand
  simulated.uri = "test:///var/lib/sim/h1.xml";
  EXPECT_EQ(StrandConnections(simulated, 4, 10).size(), 4u);
  EXPECT_EQ(StrandConnections(simulated, 4, 3).size(), 3u);
}

// A host that accepts TCP but never answers (a frozen daemon): opening its extra connections
// gives up after the host's open timeout.
TEST(OpenWorkers, GivesUpAfterTheHostsOpenTimeout) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  HostSession frozen;
  frozen.uri = "qemu+tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/system";
  frozen.open_timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(OpenWorkers(frozen, 1), libvirt::Error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ::close(listener);  // the abandoned open ends with the connection reset
}

}  // namespace
}  // namespace egov::orchestrator
