// The acceptance: three agents on loopback (hardened, weak, and one stopped), collected
// over HTTPS with the agents' CA and basic auth by the real `egovctl audit` command line. The
// matrix, the level verdicts and the unknown host are exactly as expected; a waiver turns one
// failure into waived and its expiry turns it back.
//
// The agents here are loopback cpp-httplib servers that serve the saved results of a hardened
// and a weak host (tests/fixtures/results) with the scan time set to now, as a live agent does.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "audit_test_util.h"
#include "common/units.h"
#include "orchestrator/audit/seal.h"
#include "tests/support/egovctl.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;

// One agent: HTTPS on a loopback port chosen by the kernel, basic auth, the given host's
// results as of now.
class LoopbackAgent {
 public:
  LoopbackAgent(const fs::path& certs, const std::string& host)
      : server_((certs / "server.pem").c_str(), (certs / "server.key").c_str()) {
    server_.Get(
        "/api/v1/results", [this, host](const httplib::Request& req, httplib::Response& res) {
          ++requests_;
          if (req.get_header_value("Authorization") !=
              httplib::make_basic_authentication_header("auditor", "đúng-mật-khẩu").second) {
            res.status = 401;
            return;
          }
          auto doc = FixtureResult(host);
          doc["finished_at"] = doc["started_at"] = FormatTimestamp(
              std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
          res.set_content(doc.dump(), "application/json");
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackAgent() { Stop(); }
  LoopbackAgent(const LoopbackAgent&) = delete;
  LoopbackAgent& operator=(const LoopbackAgent&) = delete;

  void Stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  std::atomic<int> requests_{0};
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

class AuditAcceptanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCertificates(dir_.path());
    hardened_ = std::make_unique<LoopbackAgent>(dir_.path(), "alpha-hn1-01");
    weak_ = std::make_unique<LoopbackAgent>(dir_.path(), "alpha-hn1-02");
    stopped_ = std::make_unique<LoopbackAgent>(dir_.path(), "beta-hcm1-01");
    const std::string stopped_url = stopped_->Url();
    stopped_->Stop();  // its port now refuses connections
    std::string fleet = ReadFile(FleetInventory() / "fleet.yaml");
    for (const auto& [from, to] :
         {std::pair{std::string("http://127.0.0.1:1/alpha-hn1-01"), hardened_->Url()},
          {"http://127.0.0.1:1/alpha-hn1-02", weak_->Url()},
          {"http://127.0.0.1:1/beta-hcm1-01", stopped_url}}) {
      fleet.replace(fleet.find(from), from.size(), to);
    }
    fs::create_directory(dir_ / "inventory");
    WriteFile(dir_ / "inventory/fleet.yaml", fleet);
    WriteFile(dir_ / "credentials", "alpha-* auditor:đúng-mật-khẩu\n");
    fs::permissions(dir_ / "credentials", fs::perms::owner_read | fs::perms::owner_write);
  }

  // Runs `egovctl audit` against the three agents, with `extra` arguments; returns the report.
  nlohmann::ordered_json Audit(const std::vector<std::string>& extra,
                               const std::string& ca = "ca.pem") {
    std::vector<std::string> args = {"audit",
                                     "-f",
                                     (dir_ / "inventory").string(),
                                     "--cacert",
                                     (dir_ / ca).string(),
                                     "--credentials",
                                     (dir_ / "credentials").string(),
                                     "--no-libvirt",
                                     "--timeout",
                                     "5s",
                                     "-o",
                                     (dir_ / "report.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = egov::testing::Egovctl(args);
    EXPECT_EQ(r.code, 1) << r.out << r.err;  // never compliant
    last_out_ = r.out;
    const std::string bytes = ReadFile(dir_ / "report.json");
    EXPECT_TRUE(VerifyReport(bytes, "report.json").ok);
    return LoadReport(bytes, "report.json");
  }

  std::string WaiverFile(int expires_in_days) {
    const auto path = dir_ / ("waiver" + std::to_string(expires_in_days) + ".yaml");
    WriteFile(path,
              "kind: Waiver\nname: libvirt-tcp-lab\ncontrol: MIC1145-G2-BS-01\n"
              "hosts: [\"alpha-hn1-02\"]\nreason: \"Mạng quản trị riêng\"\n"
              "approved_by: \"Trưởng phòng ATTT\"\nexpires: " +
                  FormatDate(Today() + std::chrono::days(expires_in_days)) + "\n");
    return path.string();
  }

  static std::string Status(const nlohmann::ordered_json& report, const std::string& host,
                            const std::string& control) {
    for (const auto& p : Named(report["hosts"], host)["profiles"]) {
      if (p["statuses"].contains(control)) return p["statuses"][control];
    }
    return "absent";
  }

  static std::map<std::string, std::string> Matrix(const nlohmann::ordered_json& report,
                                                   const std::string& provider) {
    std::map<std::string, std::string> out;
    for (const auto& f : Named(report["providers"], provider)["matrix"]["features"]) {
      out[f["feature"].get<std::string>()] = f["status"].get<std::string>();
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<LoopbackAgent> hardened_, weak_, stopped_;
  std::string last_out_;
};

TEST_F(AuditAcceptanceTest, MatrixVerdictsAndTheUnknownHost) {
  const auto r = Audit({});
  EXPECT_EQ(Matrix(r, "alpha-cloud"),
            (std::map<std::string, std::string>{{"Máy ảo", "pass"},
                                                {"Lưu trữ", "pass"},
                                                {"Máy chủ vật lý", "not_applicable"},
                                                {"Cấu hình an toàn", "fail"},
                                                {"Tính năng an toàn cơ bản", "fail"}}));
  EXPECT_EQ(Named(r["providers"], "alpha-cloud")["matrix"]["passed"], 2);
  EXPECT_EQ(Named(r["providers"], "alpha-cloud")["matrix"]["total"], 4);
  for (const auto& [feature, status] : Matrix(r, "beta-cloud"))
    EXPECT_EQ(status, "unknown") << feature;

  EXPECT_EQ(Named(r["workloads"], "dvc-tinh")["verdict"], "partly_met");
  EXPECT_EQ(Named(r["workloads"], "hscv")["verdict"], "met");
  EXPECT_EQ(Named(r["workloads"], "csdl-dan-cu")["verdict"], "unknown");

  ASSERT_EQ(r["unknown_hosts"].size(), 1u);
  EXPECT_EQ(r["unknown_hosts"][0]["name"], "beta-hcm1-01");
  EXPECT_NE(r["unknown_hosts"][0]["reason"].get<std::string>().find("onnect"), std::string::npos)
      << r["unknown_hosts"][0]["reason"];
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-01")["status"], "known");
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-02")["status"], "known");
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-02")["source"], weak_->Url() + "/api/v1/results");
  EXPECT_EQ(Status(r, "alpha-hn1-02", "MIC1145-G2-BS-01"), "fail");
  EXPECT_NE(last_out_.find("3 hosts: 2 collected, 1 unknown"), std::string::npos) << last_out_;
}

TEST_F(AuditAcceptanceTest, WaiverTurnsAFailureIntoWaivedAndItsExpiryTurnsItBack) {
  auto r = Audit({"-f", WaiverFile(30)});
  EXPECT_EQ(Status(r, "alpha-hn1-02", "MIC1145-G2-BS-01"), "waived");
  EXPECT_EQ(Matrix(r, "alpha-cloud")["Tính năng an toàn cơ bản"], "pass");
  EXPECT_EQ(Named(r["waivers"], "libvirt-tcp-lab")["status"], "in_force");

  r = Audit({"-f", WaiverFile(-1)});
  EXPECT_EQ(Status(r, "alpha-hn1-02", "MIC1145-G2-BS-01"), "fail");
  EXPECT_EQ(Matrix(r, "alpha-cloud")["Tính năng an toàn cơ bản"], "fail");
  EXPECT_EQ(Named(r["waivers"], "libvirt-tcp-lab")["status"], "expired");
}

TEST_F(AuditAcceptanceTest, WrongCredentialsOrUntrustedCertificateMakeHostsUnknown) {
  WriteFile(dir_ / "credentials", "alpha-* auditor:sai\n");
  auto r = Audit({});
  EXPECT_EQ(r["summary"]["hosts_unknown"], 3);
  EXPECT_EQ(Named(r["unknown_hosts"], "alpha-hn1-01")["reason"],
            "the agent refused the credentials (HTTP 401)");
  WriteFile(dir_ / "credentials", "alpha-* auditor:đúng-mật-khẩu\n");
  // Trusting another certificate than the CA (or the agents' own, which libcurl accepts as a
  // pinned anchor) must fail the handshake.
  r = Audit({}, "client.pem");
  EXPECT_EQ(r["summary"]["hosts_unknown"], 3);
  EXPECT_NE(
      Named(r["unknown_hosts"], "alpha-hn1-01")["reason"].get<std::string>().find("certificate"),
      std::string::npos);
  EXPECT_EQ(Named(r["providers"], "alpha-cloud")["matrix"]["passed"], 0);
}

// A host the inventory declares `state: failed` is fenced: its agent (up and answering) is not
// asked, its libvirt (a readable simulated host holding a replica) is not read, and the report
// lists it as unknown, declared failed, with no evidence: never counted as passing.
TEST_F(AuditAcceptanceTest, AFailedHostIsNeitherAskedNorReadAndNeverPasses) {
  std::string fleet = ReadFile(dir_ / "inventory/fleet.yaml");
  const std::string agent_line = "agent: \"" + hardened_->Url() + "\"";
  ASSERT_NE(fleet.find(agent_line), std::string::npos) << fleet;
  fleet.replace(fleet.find(agent_line), agent_line.size(), agent_line + "\n        state: failed");
  WriteFile(dir_ / "inventory/fleet.yaml", fleet);
  ::setenv("EGOV_SIM_DIR", dir_.path().c_str(), 1);
  DomainMetadata dvc{"dvc-tinh", "UBND", "DVC", 3, 0, "alpha-cloud", "hn-1", "h", "", ""};
  WriteFile(dir_ / "alpha-hn1-01.xml", SimulatedHost({dvc}));
  const CliRun run = egov::testing::Egovctl(
      {"audit", "-f", (dir_ / "inventory").string(), "--cacert", (dir_ / "ca.pem").string(),
       "--credentials", (dir_ / "credentials").string(), "--timeout", "5s", "-o",
       (dir_ / "report.json").string()});
  ::unsetenv("EGOV_SIM_DIR");
  EXPECT_EQ(run.code, 1) << run.out << run.err;
  EXPECT_EQ(hardened_->requests(), 0) << "the failed host's agent was asked";
  EXPECT_EQ(weak_->requests(), 1);
  const auto r = LoadReport(ReadFile(dir_ / "report.json"), "report.json");
  const std::string reason =
      "declared failed in the inventory (fenced): not asked, no evidence collected";
  const auto& failed = Named(r["hosts"], "alpha-hn1-01");
  EXPECT_EQ(failed["status"], "unknown");
  EXPECT_EQ(failed["reason"], reason);
  EXPECT_EQ(failed["placement"]["known"], false) << "its libvirt was read: " << failed;
  EXPECT_EQ(failed["placement"]["error"], reason);
  EXPECT_EQ(Named(r["unknown_hosts"], "alpha-hn1-01")["reason"], reason);
  EXPECT_EQ(r["summary"]["hosts_unknown"], 2);
  EXPECT_EQ(r["summary"]["compliant"], false);
  EXPECT_NE(run.out.find("Unknown: alpha-hn1-01: " + reason), std::string::npos) << run.out;
  EXPECT_NE(r["settings"]["source"].get<std::string>().find("1 declared failed, not asked"),
            std::string::npos)
      << r["settings"];
}

}  // namespace
}  // namespace egov::orchestrator::audit
