// The acceptance with the real agents: three `egov-agent run` processes on loopback
// (HTTPS, bcrypt basic auth from a Prometheus web config) scanning the hardened and weak host
// fixtures, the third one stopped; placement from libvirt test-driver host files. The audit's
// matrix and verdicts must be exactly what the agents' own per-host results imply.
#include <crypt.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

#include "audit_test_util.h"
#include "common/agent_client.h"
#include "common/domain_metadata.h"
#include "common/units.h"
#include "orchestrator/audit/seal.h"
#include "tests/support/egovctl.h"
#include "tests/support/ports.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;
using egov::testing::Child;
using egov::testing::FreePorts;
using nlohmann::json;

const char* kPassword = "mật-khẩu-kiểm-toán";

std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", 10, nullptr, 0, salt, sizeof salt)) return {};
  crypt_data data{};
  const char* hash = crypt_r(password.c_str(), salt, &data);
  return hash ? hash : "";
}

class AuditAgentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCertificates(dir_.path());
    for (const char* root : {"hardened", "weak"}) {
      const CliRun m = RunProcess(
          {(kSource / "tests/fixtures/hosts/materialize").string(), root, (dir_ / root).string()});
      ASSERT_EQ(m.code, 0) << m.err;
    }
    WriteFile(dir_ / "web.yaml",
              "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
              "basic_auth_users:\n  auditor: " +
                  Bcrypt(kPassword) + "\n");
    WriteFile(dir_ / "credentials", std::string("* auditor:") + kPassword + "\n");
    fs::permissions(dir_ / "credentials", fs::perms::owner_read | fs::perms::owner_write);
    const std::pair<const char*, const char*> agents[] = {
        {"alpha-hn1-01", "hardened"}, {"alpha-hn1-02", "weak"}, {"beta-hcm1-01", "hardened"}};
    std::string fleet = ReadFile(FleetInventory() / "fleet.yaml");
    const std::vector<int> ports = FreePorts(std::size(agents));
    for (size_t i = 0; i < std::size(agents); ++i) {
      const auto& [host, root] = agents[i];
      const int port = ports[i];
      const std::string url = "https://127.0.0.1:" + std::to_string(port);
      urls_[host] = url;
      const std::string placeholder = std::string("http://127.0.0.1:1/") + host;
      fleet.replace(fleet.find(placeholder), placeholder.size(), url);
      const fs::path config = dir_ / (std::string(host) + ".yaml");
      WriteFile(config,
                "host: " + std::string(host) + "\nlisten: 127.0.0.1:" + std::to_string(port) +
                    "\nweb_config_file: web.yaml\nscan:\n  root: " + (dir_ / root).string() +
                    "\n  profile_dir: " + (kSource / "profiles").string() +
                    "\n  profiles: [mic-1145, decree85-level3, decree85-level4]\n"
                    "  interval: 1h\n");
      agents_[host] =
          std::make_unique<Child>(std::vector<std::string>{(kBinary / "agents/egov-agent").string(),
                                                           "run", "-c", config.string()},
                                  dir_ / (std::string(host) + ".log"));
      ASSERT_TRUE(agents_[host]->running());
    }
    fs::create_directory(dir_ / "inventory");
    WriteFile(dir_ / "inventory/fleet.yaml", fleet);
    // Wait for every agent's first scan, then stop the third one.
    agent_client::CollectOptions o;
    o.ca_file = (dir_ / "ca.pem").string();
    o.credentials = {{"*", "auditor", kPassword}};
    o.timeout = std::chrono::seconds(2);
    for (const auto& [host, root] : agents) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      agent_client::FetchedResult r;
      do {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        r = FetchFromAgents({{host, urls_[host]}}, o).front();
      } while (!r.error.empty() && std::chrono::steady_clock::now() < deadline);
      ASSERT_TRUE(r.error.empty()) << host << ": " << r.error << "\n"
                                   << ReadFile(dir_ / (std::string(host) + ".log"));
      served_[host] = json::parse(r.body);
    }
    agents_["beta-hcm1-01"]->Stop();
    MakeSimulatedHosts();
  }

  void TearDown() override {
    for (auto& [host, child] : agents_) child->Stop();
    ::unsetenv("EGOV_SIM_DIR");
  }

  // libvirt test-driver files: dvc-tinh on both alpha hosts, hscv on alpha-hn1-01, csdl on beta.
  void MakeSimulatedHosts() {
    fs::create_directory(dir_ / "sim");
    ::setenv("EGOV_SIM_DIR", (dir_ / "sim").c_str(), 1);
    auto host_file = [&](const std::string& host, const std::vector<DomainMetadata>& domains) {
      WriteFile(dir_ / "sim" / (host + ".xml"), SimulatedHost(domains));
    };
    auto meta = [](const std::string& w, int level, int replica) {
      return DomainMetadata{w, "A", "S", level, replica, "p", "z", "h", "", ""};
    };
    host_file("alpha-hn1-01", {meta("dvc-tinh", 3, 0), meta("hscv", 4, 0)});
    host_file("alpha-hn1-02", {meta("dvc-tinh", 3, 1)});
    host_file("beta-hcm1-01", {meta("csdl-dan-cu", 3, 0)});
  }

  nlohmann::ordered_json Audit(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"audit",
                                     "-f",
                                     (dir_ / "inventory").string(),
                                     "--cacert",
                                     (dir_ / "ca.pem").string(),
                                     "--credentials",
                                     (dir_ / "credentials").string(),
                                     "-o",
                                     (dir_ / "report.html").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = egov::testing::Egovctl(args);
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    const std::string bytes = ReadFile(dir_ / "report.html");
    EXPECT_TRUE(VerifyReport(bytes, "report.html").ok);
    return LoadReport(bytes, "report.html");
  }

  const json& Profile(const std::string& host, const std::string& name) {
    for (const auto& p : served_[host]["profiles"]) {
      if (p["name"] == name) return p;
    }
    ADD_FAILURE() << host << " served no profile " << name;
    static const json kNone = json::object();
    return kNone;
  }

  TempDir dir_;
  std::map<std::string, std::string> urls_;
  std::map<std::string, std::unique_ptr<Child>> agents_;
  std::map<std::string, json> served_;
};

TEST_F(AuditAgentsTest, MatrixAndVerdictsAreWhatTheAgentsResultsImply) {
  const auto r = Audit();
  // The 1145 rule over the provider's two hosts, from the agents' own feature verdicts.
  std::map<std::string, std::string> expected;
  for (const char* host : {"alpha-hn1-01", "alpha-hn1-02"}) {
    for (const auto& f : Profile(host, "mic-1145")["features"]) {
      const std::string key =
          f["group"].get<std::string>() + " / " + f["feature"].get<std::string>();
      std::string& e = expected[key];
      const bool applicable = f.value("applicable", 1) > 0;
      if (!f["passed"].get<bool>()) {
        e = "fail";
      } else if (e.empty() || e == "not_applicable") {
        e = applicable ? "pass" : "not_applicable";
      }
    }
  }
  std::map<std::string, std::string> got;
  for (const auto& f : Named(r["providers"], "alpha-cloud")["matrix"]["features"]) {
    got[f["group"].get<std::string>() + " / " + f["feature"].get<std::string>()] = f["status"];
  }
  EXPECT_EQ(got, expected);
  EXPECT_NE(std::count_if(got.begin(), got.end(), [](auto& kv) { return kv.second == "fail"; }), 0)
      << "the weak host must fail some 1145 feature";
  for (const auto& f : Named(r["providers"], "beta-cloud")["matrix"]["features"]) {
    EXPECT_EQ(f["status"], "unknown");
  }

  ASSERT_EQ(Profile("alpha-hn1-01", "decree85-level4")["level_verdict"], "met");
  ASSERT_EQ(Profile("alpha-hn1-01", "decree85-level3")["level_verdict"], "met");
  ASSERT_NE(Profile("alpha-hn1-02", "decree85-level3")["level_verdict"], "met");
  EXPECT_EQ(Named(r["workloads"], "hscv")["verdict"], "met");
  EXPECT_EQ(Named(r["workloads"], "dvc-tinh")["verdict"], "partly_met");
  EXPECT_EQ(Named(r["workloads"], "dvc-tinh")["placement_source"], "libvirt");
  EXPECT_EQ(Named(r["workloads"], "csdl-dan-cu")["verdict"], "unknown");
  ASSERT_EQ(r["unknown_hosts"].size(), 1u);
  EXPECT_EQ(r["unknown_hosts"][0]["name"], "beta-hcm1-01");
  EXPECT_EQ(Named(r["hosts"], "alpha-hn1-02")["result_sha256"].get<std::string>().size(), 64u);
}

TEST_F(AuditAgentsTest, WaiverTurnsAFailureIntoWaivedAndItsExpiryTurnsItBack) {
  std::string control;
  for (const auto& c : Profile("alpha-hn1-02", "mic-1145")["controls"]) {
    if (c["status"] == "fail") {
      control = c["id"];
      break;
    }
  }
  ASSERT_FALSE(control.empty()) << "the weak host fails no mic-1145 control";
  auto status = [&](const nlohmann::ordered_json& r) {
    for (const auto& p : Named(r["hosts"], "alpha-hn1-02")["profiles"]) {
      if (p["name"] == "mic-1145") return p["statuses"][control].get<std::string>();
    }
    return std::string("absent");
  };
  auto waiver = [&](int days) {
    const auto path = dir_ / ("waiver" + std::to_string(days) + ".yaml");
    WriteFile(path, "kind: Waiver\nname: lab\ncontrol: " + control +
                        "\nhosts: [alpha-hn1-02]\nreason: r\napproved_by: a\nexpires: " +
                        FormatDate(Today() + std::chrono::days(days)) + "\n");
    return path.string();
  };
  EXPECT_EQ(status(Audit()), "fail");
  EXPECT_EQ(status(Audit({"-f", waiver(30)})), "waived");
  EXPECT_EQ(status(Audit({"-f", waiver(-1)})), "fail");
}

}  // namespace
}  // namespace egov::orchestrator::audit
