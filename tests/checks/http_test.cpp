// The http check against real servers on loopback (cpp-httplib, plain and TLS).
#include <openssl/ssl.h>

#include <httplib.h>

#include <gtest/gtest.h>

#include <thread>

#include "test_util.h"

namespace egov::checks {
namespace {

using testing::Host;
using testing::RunOne;

// Serves on 127.0.0.1 on a free port until destroyed.
class Served {
 public:
  explicit Served(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
    server_->Get("/broken",
                 [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    server_->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      res.set_content("late", "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // The socket is bound and listening already: clients queue until the loop accepts.
  }
  ~Served() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

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
  return s;
}

std::string Check(const std::string& url, const std::string& extra = "") {
  return "{type: http, url: \"" + url + "\"" + extra + "}";
}

TEST(HttpCheck, StatusAndLatency) {
  Served plain(std::make_unique<httplib::Server>());
  const std::string base = "http://127.0.0.1:" + std::to_string(plain.port());
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
  Served modern(Tls(false));
  const std::string url = "https://127.0.0.1:" + std::to_string(modern.port()) + "/healthz";
  const std::string ca = ", ca_file: /etc/pki/CA/cacert.pem";
  const auto ok = RunOne(Check(url, ca + ", min_tls: \"1.2\""), Host("hardened"));
  EXPECT_EQ(ok.status, Status::kPass) << ok.reason;
  // Without the fixture's CA the certificate cannot be verified.
  EXPECT_EQ(RunOne(Check(url), Host("hardened")).status, Status::kFail);
  EXPECT_EQ(RunOne(Check(url, ", insecure: true"), Host("hardened")).status, Status::kPass);

  Served old(Tls(true));
  const std::string old_url = "https://127.0.0.1:" + std::to_string(old.port()) + "/healthz";
  const auto weak = RunOne(Check(old_url, ca + ", min_tls: \"1.2\""), Host("hardened"));
  EXPECT_EQ(weak.status, Status::kFail) << weak.reason;
  EXPECT_NE(weak.reason.find("server accepts TLS"), std::string::npos) << weak.reason;
}

}  // namespace
}  // namespace egov::checks
