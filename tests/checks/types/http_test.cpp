// The http check type (checks/types/http.cpp) against real servers on loopback (cpp-httplib,
// plain and TLS), with the host fixture as the root its CA file is read from.
#include <openssl/ssl.h>

#include <httplib.h>

#include <gtest/gtest.h>

#include <thread>

#include "tests/checks/test_util.h"
#include "tests/support/serving.h"

namespace egov::checks {
namespace {

using egov::testing::Serving;
using testing::Host;
using testing::RunOne;

// The endpoints the checks ask: /healthz answers, /broken fails, /slow is late.
std::unique_ptr<httplib::Server> WithRoutes(std::unique_ptr<httplib::Server> server) {
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server->Get("/broken", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  server->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    res.set_content("late", "text/plain");
  });
  return server;
}

std::unique_ptr<httplib::Server> Tls(bool allow_old_tls) {
  const std::string pki = Host("hardened") + "/etc/pki/libvirt";
  auto s = std::make_unique<httplib::SSLServer>((pki + "/servercert.pem").c_str(),
                                                (pki + "/private/serverkey.pem").c_str());
  if (allow_old_tls) {
    SSL_CTX* ctx = s->ssl_context();
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  }
  return WithRoutes(std::move(s));
}

std::string Check(const std::string& url, const std::string& extra = "") {
  return "{type: http, url: \"" + url + "\"" + extra + "}";
}

TEST(HttpCheck, StatusAndLatency) {
  const auto server = WithRoutes(std::make_unique<httplib::Server>());
  const Serving plain(*server);
  const std::string base = plain.Url("");
  EXPECT_EQ(RunOne(Check(base + "/healthz"), Host("hardened")).status, Status::kPass);
  const auto broken = RunOne(Check(base + "/broken"), Host("hardened"));
  EXPECT_EQ(broken.status, Status::kFail);
  EXPECT_NE(broken.reason.find("503"), std::string::npos);
  EXPECT_EQ(RunOne(Check(base + "/broken", ", status: 503"), Host("hardened")).status,
            Status::kPass);
  EXPECT_EQ(RunOne(Check(base + "/slow", ", max_latency: 100ms"), Host("hardened")).status,
            Status::kFail);
  EXPECT_EQ(RunOne(Check(base + "/slow", ", max_latency: 5s"), Host("hardened")).status,
            Status::kPass);
}

TEST(HttpCheck, NothingListeningFails) {
  // Port 1 (tcpmux) is not served on a test machine: the connection is refused.
  const auto r = RunOne(Check("http://127.0.0.1:1/healthz", ", timeout: 2s"), Host("hardened"));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_FALSE(r.evidence.empty());
}

TEST(HttpCheck, TlsVerifiedWithTheRootsCaAndMinimumVersion) {
  const auto modern_server = Tls(false);
  const Serving modern(*modern_server);
  const std::string url = modern.Url("/healthz", "https");
  const std::string ca = ", ca_file: /etc/pki/CA/cacert.pem";
  const auto ok = RunOne(Check(url, ca + ", min_tls: \"1.2\""), Host("hardened"));
  EXPECT_EQ(ok.status, Status::kPass) << ok.reason;
  // Without the fixture's CA the certificate cannot be verified.
  EXPECT_EQ(RunOne(Check(url), Host("hardened")).status, Status::kFail);
  EXPECT_EQ(RunOne(Check(url, ", insecure: true"), Host("hardened")).status, Status::kPass);

  const auto old_server = Tls(true);
  const Serving old(*old_server);
  const std::string old_url = old.Url("/healthz", "https");
  const auto weak = RunOne(Check(old_url, ca + ", min_tls: \"1.2\""), Host("hardened"));
  EXPECT_EQ(weak.status, Status::kFail) << weak.reason;
  EXPECT_NE(weak.reason.find("server accepts TLS"), std::string::npos) << weak.reason;
}

// The answer and the protocols refused are judged apart: the answer meets its status, the old
// TLS version accepted is the violation.
TEST(HttpCheck, JudgesTheAnswerAndTheOldProtocolsApart) {
  const auto old_server = Tls(true);
  const Serving old(*old_server);
  testing::ExpectItems(
      "hardened",
      Check(old.Url("/healthz", "https"), ", ca_file: /etc/pki/CA/cacert.pem, min_tls: \"1.2\""),
      {{"HTTP 200", true}, {" accepted", false}});
}

}  // namespace
}  // namespace egov::checks
