#include "orchestrator/compliance.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "checks/scan.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

// A results document of `host` whose level 3 and 4 profiles pass or fail as asked.
std::string Results(const std::string& host, bool l3, bool l4) {
  checks::ScanResult r;
  r.host = host;
  for (const auto& [name, pass] : {std::pair{"decree85-level3", l3}, {"decree85-level4", l4}}) {
    checks::ProfileResult p;
    p.name = name;
    checks::ControlResult c;
    c.id = "C-1";
    c.status = pass ? checks::Status::kPass : checks::Status::kFail;
    p.controls.push_back(c);
    checks::Summarize(p);
    r.profiles.push_back(p);
  }
  return checks::ToJson(r).dump();
}

TEST(ComplianceParse, PassedProfilesPassOthersFail) {
  const HostResults r = ParseResults(Results("h1", true, false), "h1");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.profiles.at("decree85-level3"), Compliance::kPass);
  EXPECT_EQ(r.profiles.at("decree85-level4"), Compliance::kFail);
  EXPECT_FALSE(r.profiles.count("decree85-level5"));  // missing: unknown to placement
}

TEST(ComplianceParse, BadDocumentsAreUnknownNotPassing) {
  EXPECT_TRUE(ParseResults("not json", "h").profiles.empty());
  EXPECT_FALSE(ParseResults("not json", "h").error.empty());
  EXPECT_TRUE(ParseResults(R"({"schema": "other/v9", "profiles": []})", "h").profiles.empty());
  // Results of another host never vouch for this one.
  const HostResults other = ParseResults(Results("h2", true, true), "h1");
  EXPECT_TRUE(other.profiles.empty());
  EXPECT_NE(other.error.find("h2"), std::string::npos);
  // A profile passes by its controls, whatever its `passed` says.
  auto odd = nlohmann::json::parse(Results("h", false, true));
  odd["profiles"][0]["passed"] = true;
  EXPECT_EQ(ParseResults(odd.dump(), "h").profiles.at("decree85-level3"), Compliance::kFail);
  // A document that is not egov.results/v1 throughout vouches for nothing.
  odd.erase("agent");
  EXPECT_TRUE(ParseResults(odd.dump(), "h").profiles.empty());
}

TEST(ComplianceFiles, ReadsHostFilesAndReportsMissingOnes) {
  const fs::path dir = fs::temp_directory_path() / ("egov-results-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "h1.json") << Results("h1", true, true);
  const auto r = LoadResultFiles(dir.string(), {"h1", "h2"});
  EXPECT_EQ(r.at("h1").profiles.at("decree85-level4"), Compliance::kPass);
  EXPECT_TRUE(r.at("h2").profiles.empty());
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
  EXPECT_EQ(r.at("fast").profiles.at("decree85-level3"), Compliance::kPass);
  EXPECT_EQ(r.at("fast").source, base + "/api/v1/results");
  EXPECT_TRUE(r.at("slow").profiles.empty());
  EXPECT_FALSE(r.at("slow").error.empty());
  EXPECT_NE(r.at("broken").error.find("HTTP 500"), std::string::npos) << r.at("broken").error;
  EXPECT_NE(r.at("gone").error.find("unreachable"), std::string::npos) << r.at("gone").error;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1400));  // in parallel, bounded by the timeout
}

}  // namespace
}  // namespace egov::orchestrator
