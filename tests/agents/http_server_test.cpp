#include "agents/http_server.h"

#include <gtest/gtest.h>

#include <sstream>

#include "agents/metrics.h"
#include "tests/agents/support.h"

namespace egov::agent {
namespace {

using testing::Fetch;
using testing::HttpRequest;
using testing::RunProcess;
using testing::TempDir;

const ListenAddress kLoopback{"127.0.0.1", 0};

std::shared_ptr<SnapshotStore> StoreWithScan() {
  auto store = std::make_shared<SnapshotStore>();
  store->Update([](Snapshot& s) {
    auto scan = std::make_shared<ScanState>();
    scan->results_json = R"({"schema":"egov.results/v1","profiles":[]})";
    s.scan = scan;
  });
  return store;
}

TEST(HttpServer, ServesEveryRoute) {
  auto store = StoreWithScan();
  HttpServer server(kLoopback, {}, store);
  ASSERT_GT(server.port(), 0);
  const auto landing = Fetch(server.port(), {.path = "/"});
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("<a href=\"metrics\">"), std::string::npos);
  EXPECT_EQ(landing.Header("Content-Type"), "text/html; charset=utf-8");
  const auto metrics = Fetch(server.port(), {.path = "/metrics"});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("Content-Type"), kMetricsContentType);
  EXPECT_NE(metrics.body.find("egov_agent_build_info"), std::string::npos);
  EXPECT_NE(metrics.body.find("process_open_fds"), std::string::npos);
  const auto results = Fetch(server.port(), {.path = "/api/v1/results"});
  EXPECT_EQ(results.status, 200);
  EXPECT_EQ(results.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(nlohmann::json::parse(results.body)["schema"], "egov.results/v1");
  const auto health = Fetch(server.port(), {.path = "/healthz"});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(health.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Fetch(server.port(), {.path = "/metrics", .method = "HEAD"}).status, 200);
}

TEST(HttpServer, EveryScrapeSeesTheLatestSnapshot) {
  auto store = std::make_shared<SnapshotStore>();
  HttpServer server(kLoopback, {}, store);
  EXPECT_EQ(Fetch(server.port(), {.path = "/metrics"}).body.find("egov_scans_total 7"),
            std::string::npos);
  for (uint64_t n : {7u, 8u}) {
    store->Update([&](Snapshot& s) { s.scan_counters.scans = n; });
    const auto body = Fetch(server.port(), {.path = "/metrics"}).body;
    EXPECT_NE(body.find("egov_scans_total " + std::to_string(n)), std::string::npos) << body;
    EXPECT_NE(body.find("process_cpu_seconds_total"), std::string::npos);
  }
}

TEST(HttpServer, ListensWithARealBacklogNotHttplibsFive) {
  // A burst of probes or scrapers past the backlog has its SYNs dropped and retried a second
  // later; `ss` shows a listening socket's backlog as its Send-Q.
  HttpServer server(kLoopback, {}, std::make_shared<SnapshotStore>());
  const auto ss = RunProcess({"ss", "-Hltn", "sport = :" + std::to_string(server.port())});
  ASSERT_EQ(ss.code, 0) << ss.out << ss.err;
  std::istringstream row(ss.out);
  std::string state;
  long recv_q = -1, send_q = -1;
  row >> state >> recv_q >> send_q;
  EXPECT_EQ(state, "LISTEN") << ss.out;
  EXPECT_GE(send_q, 128) << ss.out;
}

TEST(HttpServer, UnknownPathsAndMethods) {
  HttpServer server(kLoopback, {}, std::make_shared<SnapshotStore>());
  EXPECT_EQ(Fetch(server.port(), {.path = "/nope"}).status, 404);
  const auto post = Fetch(server.port(), {.path = "/metrics", .method = "POST"});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET, HEAD");
}

TEST(HttpServer, ResultsBeforeTheFirstScanAre503) {
  HttpServer server(kLoopback, {}, std::make_shared<SnapshotStore>());
  const auto r = Fetch(server.port(), {.path = "/api/v1/results"});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "no scan has completed yet");
}

TEST(HttpServer, BasicAuthRightWrongMissing) {
  WebConfig web;
  web.users["prometheus"] = testing::BcryptHash("s3cret");
  HttpServer server(kLoopback, web, StoreWithScan());
  for (const char* path : {"/", "/metrics", "/api/v1/results", "/healthz"}) {
    const auto missing = Fetch(server.port(), {.path = path});
    EXPECT_EQ(missing.status, 401) << path;
    EXPECT_NE(missing.Header("WWW-Authenticate").find("Basic realm="), std::string::npos);
    EXPECT_EQ(missing.body.find("egov_"), std::string::npos);
    EXPECT_EQ(
        Fetch(server.port(), {.path = path, .user = "prometheus", .password = "wrong"}).status, 401)
        << path;
    EXPECT_EQ(Fetch(server.port(), {.path = path, .user = "nobody", .password = "s3cret"}).status,
              401)
        << path;
    EXPECT_EQ(
        Fetch(server.port(), {.path = path, .user = "prometheus", .password = "s3cret"}).status,
        200)
        << path;
  }
}

TEST(HttpServer, UsersCanBeReplacedWhileServing) {
  WebConfig web;
  web.users["old"] = testing::BcryptHash("pw");
  HttpServer server(kLoopback, web, StoreWithScan());
  EXPECT_EQ(Fetch(server.port(), {.path = "/healthz", .user = "old", .password = "pw"}).status,
            200);
  server.SetUsers({{"new", testing::BcryptHash("pw2")}});
  EXPECT_EQ(Fetch(server.port(), {.path = "/healthz", .user = "old", .password = "pw"}).status,
            401);
  EXPECT_EQ(Fetch(server.port(), {.path = "/healthz", .user = "new", .password = "pw2"}).status,
            200);
}

TEST(HttpServer, TlsWithAGeneratedCertificate) {
  TempDir dir;
  const auto cert = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 10);
  WebConfig web;
  web.tls = TlsServerConfig{cert.cert.string(), cert.key.string()};
  web.headers["Strict-Transport-Security"] = "max-age=60";
  web.users["prometheus"] = testing::BcryptHash("s3cret");
  HttpServer server(kLoopback, web, StoreWithScan());
  EXPECT_TRUE(server.tls());
  const auto ok = Fetch(server.port(), {.path = "/metrics",
                                        .user = "prometheus",
                                        .password = "s3cret",
                                        .tls = true,
                                        .ca_file = cert.cert.string()});
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("egov_agent_build_info"), std::string::npos);
  EXPECT_EQ(ok.Header("Strict-Transport-Security"), "max-age=60");
  EXPECT_EQ(
      Fetch(server.port(), {.path = "/metrics", .tls = true, .ca_file = cert.cert.string()}).status,
      401);
  // Plain HTTP to the TLS port gets no answer; a client that does not trust the certificate
  // refuses it.
  EXPECT_EQ(Fetch(server.port(), {.path = "/healthz", .timeout_ms = 1000}).status, -1);
  const auto other = testing::MakeCertificate(dir.path(), "other", "other", 10);
  EXPECT_EQ(Fetch(server.port(), {.path = "/healthz", .tls = true, .ca_file = other.cert.string()})
                .status,
            -1);
}

TEST(HttpServer, TlsMinimumVersionIsEnforced) {
  TempDir dir;
  const auto cert = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 10);
  WebConfig web;
  web.tls = TlsServerConfig{cert.cert.string(), cert.key.string()};
  web.tls->min_version = TLS1_3_VERSION;
  HttpServer server(kLoopback, web, StoreWithScan());
  const auto r13 = RunProcess(
      {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()), "-tls1_3"});
  EXPECT_NE((r13.out + r13.err).find("TLSv1.3"), std::string::npos) << r13.out << r13.err;
  const auto r12 = RunProcess(
      {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()), "-tls1_2"});
  EXPECT_NE(r12.code, 0) << r12.out << r12.err;
}

TEST(HttpServer, MutualTlsRequiresAClientCertificateFromTheCa) {
  TempDir dir;
  const auto ca = testing::MakeCertificate(dir.path(), "ca", "Monitoring CA", 10);
  const auto server_cert = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 10);
  const auto client = testing::MakeSignedCertificate(dir.path(), "client", "prometheus", ca);
  const auto stranger = testing::MakeCertificate(dir.path(), "stranger", "stranger", 10);
  WebConfig web;
  web.tls = TlsServerConfig{server_cert.cert.string(), server_cert.key.string(), ca.cert.string(),
                            ClientAuth::kRequireAndVerifyClientCert};
  HttpServer server(kLoopback, web, StoreWithScan());
  const HttpRequest base{.path = "/healthz", .tls = true, .ca_file = server_cert.cert.string()};
  HttpRequest with_client = base;
  with_client.client_cert = client;
  EXPECT_EQ(Fetch(server.port(), with_client).status, 200);
  EXPECT_EQ(Fetch(server.port(), base).status, -1);
  HttpRequest with_stranger = base;
  with_stranger.client_cert = stranger;
  EXPECT_EQ(Fetch(server.port(), with_stranger).status, -1);
}

TEST(HttpServer, GzipWhenTheClientAcceptsIt) {
  HttpServer server(kLoopback, {}, StoreWithScan());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics";
  const auto gz = RunProcess({"curl", "-sS", "-D", "-", "--compressed", url});
  ASSERT_EQ(gz.code, 0) << gz.err;
  EXPECT_NE(gz.out.find("Content-Encoding: gzip"), std::string::npos) << gz.out.substr(0, 400);
  EXPECT_NE(gz.out.find("egov_agent_build_info"), std::string::npos) << "curl decompressed it";
  const auto plain = RunProcess({"curl", "-sS", "-D", "-", url});
  EXPECT_EQ(plain.out.find("Content-Encoding"), std::string::npos);
  EXPECT_NE(plain.out.find("egov_agent_build_info"), std::string::npos);
}

TEST(HttpServer, BusyPortIsAClearError) {
  HttpServer first(kLoopback, {}, std::make_shared<SnapshotStore>());
  try {
    HttpServer second({"127.0.0.1", first.port()}, {}, std::make_shared<SnapshotStore>());
    FAIL() << "expected the second bind to fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:"), std::string::npos);
  }
}

}  // namespace
}  // namespace egov::agent
