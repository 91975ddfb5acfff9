#include "common/agent_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "audit_test_util.h"
#include "common/diagnostics.h"
#include "tests/support/ports.h"

namespace egov::agent_client {
namespace {

using namespace orchestrator::audit::testing;
using egov::testing::FreePort;

// A loopback server answering as several agents: /h/<host>/api/v1/results serves the fixture
// of <host>; /auth/... asks for basic auth; /slow/... sleeps; /big/... is 2 MiB; /fail/... 500.
class FakeAgents {
 public:
  explicit FakeAgents(httplib::Server& server) : server_(server) {
    server_.Get(R"(/h/([a-z0-9-]+)/api/v1/results)", [](const httplib::Request& req,
                                                        httplib::Response& res) {
      res.set_content(ReadFile(ResultFixtures() / (std::string(req.matches[1]) + ".json")),
                      "application/json");
    });
    server_.Get("/auth/api/v1/results", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") !=
          httplib::make_basic_authentication_header("auditor", "s3cret: with spaces").second) {
        res.status = 401;
        return;
      }
      res.set_content("{\"ok\":true}", "application/json");
    });
    server_.Get("/slow/api/v1/results", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("{}", "application/json");
    });
    server_.Get("/big/api/v1/results", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2 << 20, 'x'), "application/json");
    });
    server_.Get("/fail/api/v1/results",
                [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeAgents() {
    server_.stop();
    thread_.join();
  }
  FakeAgents(const FakeAgents&) = delete;
  FakeAgents& operator=(const FakeAgents&) = delete;

  std::string Url(const std::string& path, const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server& server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(FetchFromAgentsTest, AsksEveryAgentAndKeepsTheirOrder) {
  httplib::Server server;
  FakeAgents agents(server);
  CollectOptions o;
  o.parallel = 2;
  const auto r = FetchFromAgents({{"alpha-hn1-02", agents.Url("/h/alpha-hn1-02/")},
                                  {"alpha-hn1-01", agents.Url("/h/alpha-hn1-01")},
                                  {"x", agents.Url("/h/alpha-hn1-01")}},
                                 o);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].host, "alpha-hn1-02");
  EXPECT_EQ(r[0].source, agents.Url("/h/alpha-hn1-02/api/v1/results"));
  EXPECT_TRUE(r[0].error.empty()) << r[0].error;
  EXPECT_EQ(r[0].body, ReadFile(ResultFixtures() / "alpha-hn1-02.json"));
  EXPECT_EQ(r[1].body, ReadFile(ResultFixtures() / "alpha-hn1-01.json"));
  EXPECT_EQ(r[2].host, "x");
}

TEST(FetchFromAgentsTest, FailuresAreValuesAndNeverStopTheOthers) {
  httplib::Server server;
  FakeAgents agents(server);
  CollectOptions o;
  o.timeout = std::chrono::milliseconds(500);
  o.max_bytes = 1 << 20;
  const auto start = std::chrono::steady_clock::now();
  const auto r = FetchFromAgents({{"stopped", "http://127.0.0.1:" + std::to_string(FreePort())},
                                  {"slow", agents.Url("/slow")},
                                  {"big", agents.Url("/big")},
                                  {"broken", agents.Url("/fail")},
                                  {"auth", agents.Url("/auth")},
                                  {"good", agents.Url("/h/alpha-hn1-01")},
                                  {"ftp", "ftp://127.0.0.1:21"}},
                                 o);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  EXPECT_NE(r[0].error.find("onnect"), std::string::npos) << r[0].error;
  EXPECT_NE(r[1].error.find("imed out"), std::string::npos) << r[1].error;
  EXPECT_EQ(r[2].error, "answer larger than 1 MiB");
  EXPECT_TRUE(r[2].body.empty());
  EXPECT_EQ(r[3].error, "HTTP 500");
  EXPECT_EQ(r[4].error, "the agent refused the credentials (HTTP 401)");
  EXPECT_TRUE(r[5].error.empty()) << r[5].error;
  EXPECT_FALSE(r[6].error.empty());
}

TEST(FetchFromAgentsTest, SendsBasicAuthToMatchingHostsOnly) {
  httplib::Server server;
  FakeAgents agents(server);
  CollectOptions o;
  o.credentials = ParseCredentials(
      "# comment\n\nvnpt-* someone:else\nviettel-hn1-* auditor:s3cret: with spaces\n", "creds");
  const auto r = FetchFromAgents({{"viettel-hn1-01", agents.Url("/auth")},
                                  {"vnpt-hn1-01", agents.Url("/auth")},
                                  {"cmc-01", agents.Url("/auth")}},
                                 o);
  EXPECT_TRUE(r[0].error.empty()) << r[0].error;
  EXPECT_EQ(r[0].body, "{\"ok\":true}");
  EXPECT_EQ(r[1].error, "the agent refused the credentials (HTTP 401)");
  EXPECT_EQ(r[2].error, "the agent refused the credentials (HTTP 401)");
}

TEST(FetchFromAgentsTest, TlsWithTheAgentsCaAndAClientCertificate) {
  TempDir dir;
  MakeCertificates(dir.path());
  const std::string d = dir.path().string();
  httplib::SSLServer server((d + "/server.pem").c_str(), (d + "/server.key").c_str(),
                            (d + "/ca.pem").c_str());  // asks for a client certificate
  FakeAgents agents(server);
  const AgentTarget target{"alpha-hn1-01", agents.Url("/h/alpha-hn1-01", "https")};

  CollectOptions o;
  o.ca_file = d + "/ca.pem";
  o.cert_file = d + "/client.pem";
  o.key_file = d + "/client.key";
  auto r = FetchFromAgents({target}, o);
  EXPECT_TRUE(r[0].error.empty()) << r[0].error;
  EXPECT_EQ(r[0].body, ReadFile(ResultFixtures() / "alpha-hn1-01.json"));

  CollectOptions no_ca = o;
  no_ca.ca_file.clear();
  r = FetchFromAgents({target}, no_ca);
  EXPECT_NE(r[0].error.find("certificate"), std::string::npos) << r[0].error;

  CollectOptions no_client_cert = o;
  no_client_cert.cert_file.clear();
  no_client_cert.key_file.clear();
  r = FetchFromAgents({target}, no_client_cert);
  EXPECT_FALSE(r[0].error.empty());
  EXPECT_TRUE(r[0].body.empty());
}

TEST(CredentialsTest, ParsesLinesAndMatchesGlobsInOrder) {
  const auto c = ParseCredentials("  viettel-* u1:p1\r\n*\tu2::p:2 \n", "f");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].pattern, "viettel-*");
  EXPECT_EQ(c[0].user, "u1");
  EXPECT_EQ(c[0].password, "p1");
  EXPECT_EQ(c[1].password, ":p:2 ");
  EXPECT_EQ(FindCredential(c, "viettel-hn1-01")->user, "u1");
  EXPECT_EQ(FindCredential(c, "vnpt-01")->user, "u2");
  EXPECT_EQ(FindCredential({}, "x"), nullptr);
}

TEST(CredentialsTest, BadLinesNameFileLineAndColumn) {
  for (const auto& [text, line, column] :
       std::vector<std::tuple<std::string, int, int>>{{"onlyhost\n", 1, 9},
                                                      {"# c\nhost user-no-colon\n", 2, 6},
                                                      {"ok u:p\nhost :nouser\n", 2, 6}}) {
    try {
      ParseCredentials(text, "creds.txt");
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.diagnostics()[0].pos.file, "creds.txt");
      EXPECT_EQ(e.diagnostics()[0].pos.line, line) << text;
      EXPECT_EQ(e.diagnostics()[0].pos.column, column) << text;
    }
  }
}

TEST(ReadResultFilesTest, MissingDirectoriesAndOversizedFilesAreErrors) {
  TempDir dir;
  fs::create_directory(dir / "dir-host.json");
  WriteFile(dir / "big.json", std::string(2048, ' '));
  WriteFile(dir / "ok.json", "{}");
  const auto r = ReadResultFiles(dir.path().string(), {"missing", "dir-host", "big", "ok"}, 1024);
  EXPECT_EQ(r[0].error, "no results file " + (dir / "missing.json").string());
  EXPECT_NE(r[1].error.find("not a regular file"), std::string::npos);
  EXPECT_NE(r[2].error.find("larger than"), std::string::npos);
  EXPECT_TRUE(r[3].error.empty());
  EXPECT_EQ(r[3].body, "{}");
}

TEST(ResultsUrlTest, AppendsTheApiPath) {
  EXPECT_EQ(ResultsUrl("https://h:9464"), "https://h:9464/api/v1/results");
  EXPECT_EQ(ResultsUrl("https://h:9464/prefix//"), "https://h:9464/prefix/api/v1/results");
}

}  // namespace
}  // namespace egov::agent_client
