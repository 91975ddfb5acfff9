#include "orchestrator/compliance.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "checks/scan.h"
#include "tests/orchestrator/profile_entry.h"
#include "tests/support/serving.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

// A results document of `host` whose level 3 and 4 profiles pass or fail as asked.
std::string Results(const std::string& host, bool l3, bool l4) {
  checks::ScanResult r;
  r.host = host;
  r.profiles = {testing::ProfileEntry("decree85-level3", std::nullopt, l3),
                testing::ProfileEntry("decree85-level4", std::nullopt, l4)};
  return checks::ToJson(r).dump();
}

TEST(ComplianceParse, PassedProfilesPassOthersFail) {
  const HostResults r = ParseResults(Results("h1", true, false), "h1");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(JudgeHost(r, "decree85-level3").compliance, Compliance::kPass);
  EXPECT_EQ(JudgeHost(r, "decree85-level4").compliance, Compliance::kFail);
  EXPECT_EQ(JudgeHost(r, "decree85-level5").compliance,
            Compliance::kUnknown);  // missing: unknown to placement
}

TEST(ComplianceParse, BadDocumentsAreUnknownNotPassing) {
  EXPECT_FALSE(ParseResults("not json", "h").scan);
  EXPECT_FALSE(ParseResults("not json", "h").error.empty());
  EXPECT_FALSE(ParseResults(R"({"schema": "other/v9", "profiles": []})", "h").scan);
  // Results of another host never vouch for this one.
  const HostResults other = ParseResults(Results("h2", true, true), "h1");
  EXPECT_FALSE(other.scan);
  EXPECT_EQ(JudgeHost(other, "decree85-level3").compliance, Compliance::kUnknown);
  EXPECT_EQ(JudgeHost(other, "decree85-level3").reason, other.error);
  EXPECT_NE(other.error.find("h2"), std::string::npos);
  // A profile passes by its controls, whatever its `passed` says.
  auto odd = nlohmann::json::parse(Results("h", false, true));
  odd["profiles"][0]["passed"] = true;
  EXPECT_EQ(JudgeHost(ParseResults(odd.dump(), "h"), "decree85-level3").compliance,
            Compliance::kFail);
  // A document that is not egov.results/v1 throughout vouches for nothing.
  odd.erase("agent");
  EXPECT_FALSE(ParseResults(odd.dump(), "h").scan);
}

TEST(ComplianceFiles, ReadsHostFilesAndReportsMissingOnes) {
  const fs::path dir = fs::temp_directory_path() / ("egov-results-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "h1.json") << Results("h1", true, true);
  const auto r = LoadResultFiles(dir.string(), {"h1", "h2"});
  EXPECT_EQ(JudgeHost(r.at("h1"), "decree85-level4").compliance, Compliance::kPass);
  EXPECT_FALSE(r.at("h2").scan);
  EXPECT_NE(r.at("h2").error.find("no results file"), std::string::npos);
  fs::remove_all(dir);
}

// A real HTTP agent on loopback: one host answers, one is slow, one is not listening.
TEST(ComplianceFetch, AsksEveryAgentAtOnceWithATimeout) {
  httplib::Server server;
  server.Get("/api/v1/results", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Results("fast", true, false), "application/json");
  });
  server.Get("/slow/api/v1/results", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content(Results("slow", true, true), "application/json");
  });
  server.Get("/broken/api/v1/results",
             [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto start = std::chrono::steady_clock::now();
  agent_client::CollectOptions options;
  options.timeout = options.connect_timeout = std::chrono::milliseconds(500);
  const auto r = FetchCompliance({{"fast", base},
                                  {"slow", base + "/slow/"},
                                  {"broken", base + "/broken"},
                                  {"gone", "http://127.0.0.1:1"}},
                                 options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  server.stop();
  t.join();
  EXPECT_EQ(JudgeHost(r.at("fast"), "decree85-level3").compliance, Compliance::kPass);
  EXPECT_EQ(r.at("fast").source, base + "/api/v1/results");
  EXPECT_FALSE(r.at("slow").scan);
  EXPECT_FALSE(r.at("slow").error.empty());
  EXPECT_NE(r.at("broken").error.find("HTTP 500"), std::string::npos) << r.at("broken").error;
  EXPECT_NE(r.at("gone").error.find("unreachable"), std::string::npos) << r.at("gone").error;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1400));  // in parallel, bounded by the timeout
}

// The reasons a host is unknown to the compliance gate, as plan, explain and status print them:
// each names what went wrong with the agent.
class ComplianceReasons : public ::testing::Test {
 protected:
  void SetUp() override {
    egov::testing::MakeCertificates(dir_.path());
    const std::string d = dir_.path().string();
    // Asks for a client certificate signed by the CA, and for basic auth, as the docs say.
    server_ = std::make_unique<httplib::SSLServer>(
        (d + "/server.pem").c_str(), (d + "/server.key").c_str(), (d + "/ca.pem").c_str());
    server_->Get("/api/v1/results", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") !=
          httplib::make_basic_authentication_header("egovctl", "right").second) {
        res.status = 401;
        return;
      }
      res.set_content(Results("h1", true, true), "application/json");
    });
    server_->Get("/slow/api/v1/results", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content(Results("h1", true, true), "application/json");
    });
    serving_ = std::make_unique<egov::testing::Serving>(*server_);
    options_.ca_file = d + "/ca.pem";
    options_.cert_file = d + "/client.pem";
    options_.key_file = d + "/client.key";
    options_.credentials = agent_client::ParseCredentials("h* egovctl:right\n", "credentials");
  }

  std::string Reason(const std::string& path, const agent_client::CollectOptions& o) {
    const auto r = FetchCompliance({{"h1", serving_->Url(path, "https")}}, o);
    const Verdict v = JudgeHost(r.at("h1"), "decree85-level4");
    EXPECT_EQ(v.compliance, Compliance::kUnknown);
    return v.reason;
  }

  egov::testing::TempDir dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::unique_ptr<egov::testing::Serving> serving_;
  agent_client::CollectOptions options_;
};

TEST_F(ComplianceReasons, SecuredAgentAnswersWithTheRightAccess) {
  const auto r = FetchCompliance({{"h1", serving_->Url("/", "https")}}, options_);
  EXPECT_EQ(JudgeHost(r.at("h1"), "decree85-level4").compliance, Compliance::kPass)
      << r.at("h1").error;
}

TEST_F(ComplianceReasons, WrongPasswordNamesThe401) {
  agent_client::CollectOptions o = options_;
  o.credentials = agent_client::ParseCredentials("h* egovctl:wrong\n", "credentials");
  EXPECT_EQ(Reason("/", o), "the agent refused the credentials (HTTP 401)");
}

TEST_F(ComplianceReasons, UnknownCaIsATlsFailure) {
  agent_client::CollectOptions o = options_;
  o.ca_file.clear();  // the system's CAs do not know the private one
  const std::string reason = Reason("/", o);
  EXPECT_EQ(reason.rfind("TLS failure: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("certificate"), std::string::npos) << reason;
}

TEST_F(ComplianceReasons, MissingClientCertificateIsATlsFailure) {
  agent_client::CollectOptions o = options_;
  o.cert_file.clear();
  o.key_file.clear();
  const std::string reason = Reason("/", o);
  EXPECT_EQ(reason.rfind("TLS failure: ", 0), 0u) << reason;
}

TEST_F(ComplianceReasons, SlowAgentIsATimeout) {
  agent_client::CollectOptions o = options_;
  o.timeout = std::chrono::milliseconds(500);  // the agent takes 1.5 s
  const std::string reason = Reason("/slow", o);
  EXPECT_EQ(reason.rfind("no answer in time: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("imed out"), std::string::npos) << reason;
}

TEST(ComplianceReasonsOffline, NoAgentAndNoFileSayWhy) {
  EXPECT_EQ(JudgeHost({std::nullopt, "", "no results file /x/h.json"}, "decree85-level4").reason,
            "no results file /x/h.json");
}

}  // namespace
}  // namespace egov::orchestrator
