#include "agents/web_config.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/diagnostics.h"
#include "tests/agents/support.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

std::string Errors(const std::string& text) {
  return testing::ConfigErrors([&] { ParseWebConfig("web.yaml", text, "/etc/egov-agent"); });
}

TEST(WebConfig, ReadsTlsHeadersAndUsers) {
  const WebConfig w = ParseWebConfig("web.yaml", R"(
tls_server_config:
  cert_file: tls.crt
  key_file: /abs/tls.key
  client_ca_file: ca.crt
  client_auth_type: VerifyClientCertIfGiven
  min_version: TLS13
http_server_config:
  http2: true
  headers:
    X-Frame-Options: deny
basic_auth_users:
  prometheus: $2b$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6u
)",
                                     "/etc/egov-agent");
  ASSERT_TRUE(w.tls);
  EXPECT_EQ(w.tls->cert_file, "/etc/egov-agent/tls.crt");
  EXPECT_EQ(w.tls->key_file, "/abs/tls.key");
  EXPECT_EQ(w.tls->client_ca_file, "/etc/egov-agent/ca.crt");
  EXPECT_EQ(w.tls->client_auth, ClientAuth::kVerifyClientCertIfGiven);
  EXPECT_EQ(w.tls->min_version, TLS1_3_VERSION);
  EXPECT_EQ(w.headers.at("X-Frame-Options"), "deny");
  EXPECT_EQ(w.users.size(), 1u);
}

TEST(WebConfig, NoCertificateMeansPlainHttp) {
  const WebConfig w = ParseWebConfig("web.yaml", "tls_server_config: {}\n", "");
  EXPECT_FALSE(w.tls);
}

TEST(WebConfig, RefusesWhatItCannotHonour) {
  const std::string e = Errors(R"(tls_server_config:
  cert_file: a.crt
  cipher_suites: [TLS_AES_128_GCM_SHA256]
  client_auth_type: RequireAndVerifyClientCert
  min_version: SSL3
rate_limit: {interval: 1s}
basic_auth_users:
  alice: secret
  "bo:b": $2b$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6u
http_server_config:
  headers:
    Set-Cookie: x=1
)");
  EXPECT_NE(e.find("web.yaml:3:18: tls_server_config.cipher_suites: not supported"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("web.yaml:5:16: tls_server_config.min_version: expected one of TLS10, TLS11, "
                   "TLS12, TLS13"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("missing key_file"), std::string::npos) << e;
  EXPECT_NE(e.find("expected client_ca_file"), std::string::npos) << e;
  EXPECT_NE(e.find("web.yaml:6:13: rate_limit: not supported"), std::string::npos) << e;
  EXPECT_NE(e.find("web.yaml:8:10: basic_auth_users.alice: expected a bcrypt hash"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("expected a user name without ':'"), std::string::npos) << e;
  EXPECT_NE(e.find("header 'Set-Cookie' cannot be set"), std::string::npos) << e;
  EXPECT_EQ(e.find("secret"), std::string::npos) << "never echo a password: " << e;
}

TEST(WebConfig, UnknownKeyIsAnError) {
  EXPECT_NE(Errors("basic_auth_user: {}\n").find("web.yaml:1:1: web config: unknown key"),
            std::string::npos);
}

TEST(WebConfig, LoadChecksCertificateAndKeyMatch) {
  // The message LoadWebConfig refuses `file` with.
  auto refusal = [](const fs::path& file) -> std::string {
    try {
      LoadWebConfig(file.string());
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected ConfigError for " << file;
    return "";
  };
  TempDir dir;
  const auto a = testing::MakeCertificate(dir.path(), "a", "a.example", 10);
  const auto b = testing::MakeCertificate(dir.path(), "b", "b.example", 10);
  const auto good = dir.Write("good.yaml",
                              "tls_server_config:\n  cert_file: a.crt\n"
                              "  key_file: a.key\n");
  EXPECT_TRUE(LoadWebConfig(good.string()).tls);
  const auto mismatch = dir.Write("mismatch.yaml",
                                  "tls_server_config:\n  cert_file: a.crt\n"
                                  "  key_file: b.key\n");
  const std::string mismatched = refusal(mismatch);
  EXPECT_NE(mismatched.find("mismatch.yaml:2:3: tls_server_config: the key in"), std::string::npos)
      << mismatched;
  const auto missing = dir.Write("missing.yaml",
                                 "tls_server_config:\n  cert_file: nope.crt\n"
                                 "  key_file: a.key\n");
  const std::string unloadable = refusal(missing);
  EXPECT_NE(unloadable.find("cannot load a PEM certificate from"), std::string::npos) << unloadable;
}

TEST(WebConfig, KeyOpenToOtherUsersIsRefused) {
  TempDir dir;
  const auto a = testing::MakeCertificate(dir.path(), "a", "a.example", 10);
  const auto web =
      dir.Write("web.yaml", "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
  for (const auto mode : {fs::perms::others_read, fs::perms::others_write}) {
    fs::permissions(a.key, fs::perms::owner_read | fs::perms::owner_write | mode);
    const std::string errors = testing::ConfigErrors([&] { LoadWebConfig(web.string()); });
    EXPECT_NE(errors.find("web.yaml:2:3: tls_server_config.key_file: " + a.key.string() +
                          " is open to other users (mode 06"),
              std::string::npos)
        << errors;
  }
  fs::permissions(a.key, fs::perms::owner_read | fs::perms::group_read);
  EXPECT_TRUE(LoadWebConfig(web.string()).tls);
}

// Each of Go's client auth types as OpenSSL's verify mode: asking for a certificate, requiring
// one, and either checking its chain (no callback) or accepting whatever is sent (a callback).
TEST(WebConfig, ClientAuthTypesAsOpenSslVerifyModes) {
  TempDir dir;
  const auto server = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 30);
  const int kAsk = SSL_VERIFY_PEER;
  const int kRequire = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  const struct {
    ClientAuth type;
    int mode;
    bool accepts_any;  // a callback that accepts whatever chain is sent
  } cases[] = {
      {ClientAuth::kNoClientCert, SSL_VERIFY_NONE, false},
      {ClientAuth::kRequestClientCert, kAsk, true},
      {ClientAuth::kRequireAnyClientCert, kRequire, true},
      {ClientAuth::kVerifyClientCertIfGiven, kAsk, false},
      {ClientAuth::kRequireAndVerifyClientCert, kRequire, false},
  };
  for (const auto& c : cases) {
    TlsServerConfig tls;
    tls.cert_file = server.cert.string();
    tls.key_file = server.key.string();
    tls.client_ca_file = server.cert.string();
    tls.client_auth = c.type;
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                          SSL_CTX_free);
    ASSERT_EQ(ConfigureTls(ctx.get(), tls), "");
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx.get()), c.mode) << static_cast<int>(c.type);
    EXPECT_EQ(SSL_CTX_get_verify_callback(ctx.get()) != nullptr, c.accepts_any)
        << static_cast<int>(c.type);
  }
}

// The shipped example is valid for egov-agent and for promtool alike, once the files it names
// exist beside it.
TEST(WebConfig, ShippedExampleAcceptedByEgovAgentAndPromtool) {
  TempDir dir;
  const auto ca = testing::MakeCertificate(dir.path(), "ca", "Monitoring CA", 30);
  const auto server = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 30);
  (void)ca;
  (void)server;
  const auto file = dir.Write(
      "web-config.yaml", ReadFile(fs::path(EGOV_SOURCE_DIR) / "agents/web-config.example.yaml"));
  const WebConfig w = LoadWebConfig(file.string());
  ASSERT_TRUE(w.tls);
  EXPECT_EQ(w.tls->client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(w.users.size(), 1u);
  const auto promtool = testing::RunProcess({"promtool", "check", "web-config", file.string()});
  EXPECT_EQ(promtool.code, 0) << promtool.out << promtool.err;
  EXPECT_NE((promtool.out + promtool.err).find("SUCCESS"), std::string::npos)
      << promtool.out << promtool.err;
}

// A file promtool refuses (a plain-text password) is refused by egov-agent too.
TEST(WebConfig, PlainPasswordRefusedByBoth) {
  TempDir dir;
  const auto file = dir.Write("web.yaml", "basic_auth_users:\n  prometheus: hunter2\n");
  EXPECT_THROW(LoadWebConfig(file.string()), ConfigError);
  const auto promtool = testing::RunProcess({"promtool", "check", "web-config", file.string()});
  EXPECT_NE(promtool.code, 0) << promtool.out << promtool.err;
}

TEST(Bcrypt, VerifiesRightAndRefusesWrong) {
  const std::string hash = testing::BcryptHash("s3cret");
  EXPECT_TRUE(IsBcryptHash(hash));
  EXPECT_TRUE(VerifyBcrypt("s3cret", hash));
  EXPECT_FALSE(VerifyBcrypt("s3cret ", hash));
  EXPECT_FALSE(VerifyBcrypt("", hash));
  EXPECT_FALSE(VerifyBcrypt(std::string("s3cret\0x", 8), hash));
  EXPECT_FALSE(VerifyBcrypt("s3cret", "s3cret"));
  // htpasswd writes $2y$; libcrypt verifies it the same way.
  EXPECT_TRUE(
      VerifyBcrypt("change-me", "$2b$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6u"));
}

TEST(Bcrypt, RecognisesHashShapes) {
  EXPECT_TRUE(IsBcryptHash("$2y$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6u"));
  for (const char* other :
       {"$2x$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6u",  // version
        "$2b$03$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6u",  // cost
        "$2b$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6",   // short
        "$2b$10$PSAGI70qpknd9PfAYFTL5eaZJ3HJIH5.nNB8PoZtg1XZDRKKEye6!",  // alphabet
        "$6$salt$hash"}) {
    EXPECT_FALSE(IsBcryptHash(other)) << other;
  }
}

TEST(BasicAuth, ChecksHeaders) {
  const BasicAuth auth({{"prometheus", testing::BcryptHash("pw")}});
  EXPECT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.CheckHeader("Basic cHJvbWV0aGV1czpwdw=="));   // prometheus:pw
  EXPECT_TRUE(auth.CheckHeader("basic cHJvbWV0aGV1czpwdw=="));   // scheme is case-insensitive
  EXPECT_TRUE(auth.CheckHeader("Basic cHJvbWV0aGV1czpwdw=="));   // cached
  EXPECT_FALSE(auth.CheckHeader("Basic cHJvbWV0aGV1czpweA=="));  // prometheus:px
  EXPECT_FALSE(auth.CheckHeader("Basic YWxpY2U6cHc="));          // alice:pw (unknown user)
  EXPECT_FALSE(auth.CheckHeader("Bearer cHJvbWV0aGV1czpwdw=="));
  EXPECT_FALSE(auth.CheckHeader("Basic !!!!"));
  EXPECT_FALSE(auth.CheckHeader("Basic cHJvbWV0aGV1cw=="));  // no colon
  EXPECT_FALSE(auth.CheckHeader(""));
  EXPECT_FALSE(BasicAuth({}).enabled());
}

TEST(BasicAuth, RemembersOnlyCredentialsCheckedGood) {
  const BasicAuth auth({{"prometheus", testing::BcryptHash("pw")}});
  EXPECT_FALSE(auth.Remembered("Basic cHJvbWV0aGV1czpwdw=="));
  EXPECT_TRUE(auth.CheckHeader("Basic cHJvbWV0aGV1czpwdw=="));
  EXPECT_TRUE(auth.Remembered("Basic cHJvbWV0aGV1czpwdw=="));
  EXPECT_FALSE(auth.CheckHeader("Basic cHJvbWV0aGV1czpweA=="));
  EXPECT_FALSE(auth.Remembered("Basic cHJvbWV0aGV1czpweA=="));
}

// With users of different bcrypt costs, an unknown user costs as much as the dearest one: it
// used to be checked against the first user's hash, so a cheap first user made unknown names
// answer fast and known ones slow.
TEST(BasicAuth, UnknownUsersCostTheHighestCostInUse) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 10, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data{};
  const std::string dear = crypt_r("pw", salt, &data);
  const BasicAuth auth({{"a-cheap", testing::BcryptHash("pw")}, {"b-dear", dear}});
  const auto fastest = [&](const std::string& user) {
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      const auto start = std::chrono::steady_clock::now();
      EXPECT_FALSE(auth.Check(user, "wrong"));
      best = std::min(
          best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
  };
  // Cost 10 is 64 times the work of cost 4: a generous margin either way under load.
  EXPECT_GT(fastest("nobody"), fastest("b-dear") / 4);
}

}  // namespace
}  // namespace egov::agent
