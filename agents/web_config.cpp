#include "agents/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "common/diagnostics.h"
#include "common/files.h"
#include "common/parse_kinds.h"
#include "common/yaml_reader.h"

namespace egov::agent {
namespace {

using yaml::Context;
using yaml::MapReader;

// Keys of the exporter-toolkit format that egov-agent does not implement: refusing them is
// better than starting with weaker settings than the operator wrote.
constexpr std::string_view kUnsupportedTls[] = {"cert",
                                                "key",
                                                "client_ca",
                                                "cipher_suites",
                                                "curve_preferences",
                                                "prefer_server_cipher_suites",
                                                "client_allowed_sans"};
constexpr std::string_view kAllowedHeaders[] = {"Strict-Transport-Security",
                                                "X-Content-Type-Options", "X-Frame-Options",
                                                "X-XSS-Protection", "Content-Security-Policy"};

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// Whether the client auth type checks a client certificate's chain (against client_ca_file).
bool ChecksChain(ClientAuth a) {
  return a == ClientAuth::kVerifyClientCertIfGiven || a == ClientAuth::kRequireAndVerifyClientCert;
}

std::optional<int> ReadTlsVersion(MapReader& r, std::string_view key) {
  const YAML::Node v = r.Optional(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  static const std::vector<std::string_view> kNames = {"TLS10", "TLS11", "TLS12", "TLS13"};
  static const int kVersions[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
  if (auto i = detail::ReadChoice(r.ctx(), v, r.Name(key), kNames)) return kVersions[*i];
  return std::nullopt;
}

void ReadTls(const Context& ctx, const YAML::Node& node, const std::string& base_dir,
             WebConfig& config) {
  MapReader r(ctx, node, "tls_server_config");
  if (!r.ok()) return;
  TlsServerConfig tls;
  for (auto key : kUnsupportedTls) {
    if (YAML::Node v = r.Optional(key); v.IsDefined()) {
      ctx.Error(v, r.Name(key) +
                       ": not supported by egov-agent; expected cert_file, key_file, "
                       "client_ca_file, client_auth_type, min_version, max_version");
    }
  }
  tls.cert_file = ResolvePath(base_dir, r.String("cert_file", false).value_or(""));
  tls.key_file = ResolvePath(base_dir, r.String("key_file", false).value_or(""));
  tls.client_ca_file = ResolvePath(base_dir, r.String("client_ca_file", false).value_or(""));
  if (YAML::Node v = r.Optional("client_auth_type"); v.IsDefined() && !v.IsNull()) {
    static const std::vector<std::string_view> kTypes = {
        "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
        "RequireAndVerifyClientCert"};
    if (auto i = detail::ReadChoice(ctx, v, r.Name("client_auth_type"), kTypes)) {
      tls.client_auth = static_cast<ClientAuth>(*i);
    }
  }
  if (auto v = ReadTlsVersion(r, "min_version")) tls.min_version = *v;
  if (auto v = ReadTlsVersion(r, "max_version")) tls.max_version = *v;
  r.Finish();
  // As exporter-toolkit: no certificate and no key means TLS is off.
  if (tls.cert_file.empty() && tls.key_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      ctx.Error(node,
                "tls_server_config: client_ca_file is set but cert_file and key_file are "
                "not; expected both to serve TLS");
    }
    return;
  }
  if (tls.cert_file.empty()) ctx.Error(node, "tls_server_config: missing cert_file");
  if (tls.key_file.empty()) ctx.Error(node, "tls_server_config: missing key_file");
  if (ChecksChain(tls.client_auth) && tls.client_ca_file.empty()) {
    ctx.Error(node,
              "tls_server_config: client_auth_type verifies client certificates; expected "
              "client_ca_file");
  }
  if (tls.max_version != 0 && tls.max_version < tls.min_version) {
    ctx.Error(node, "tls_server_config: max_version is below min_version");
  }
  config.tls = tls;
}

void ReadHttp(const Context& ctx, const YAML::Node& node, WebConfig& config) {
  MapReader r(ctx, node, "http_server_config");
  if (!r.ok()) return;
  // egov-agent speaks HTTP/1.1 only; the key is accepted because Prometheus' tools write it.
  r.Bool("http2", false);
  if (YAML::Node h = r.Optional("headers"); h.IsDefined() && !h.IsNull()) {
    if (!h.IsMap()) {
      ctx.Error(h, "http_server_config.headers: expected a mapping, got " + yaml::Describe(h));
    } else {
      for (const auto& kv : h) {
        auto name = yaml::String(ctx, kv.first, "http_server_config.headers key");
        auto value = yaml::String(ctx, kv.second, "http_server_config.headers value");
        if (!name || !value) continue;
        bool allowed = false;
        for (auto a : kAllowedHeaders) allowed = allowed || *name == a;
        bool clean = true;
        for (unsigned char c : *value) clean = clean && c >= ' ' && c != 0x7F;
        if (!allowed) {
          ctx.Error(kv.first, "http_server_config.headers: header '" + *name +
                                  "' cannot be set; expected Strict-Transport-Security, "
                                  "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection "
                                  "or Content-Security-Policy");
        } else if (!clean) {
          ctx.Error(kv.second, "http_server_config.headers." + *name +
                                   ": expected a value without control characters");
        } else {
          config.headers[*name] = *value;
        }
      }
    }
  }
  r.Finish();
}

void ReadUsers(const Context& ctx, const YAML::Node& node, WebConfig& config) {
  if (!node.IsMap()) {
    ctx.Error(node, "basic_auth_users: expected a mapping of user names to bcrypt hashes, got " +
                        yaml::Describe(node));
    return;
  }
  for (const auto& kv : node) {
    auto user = yaml::String(ctx, kv.first, "basic_auth_users key");
    auto hash = yaml::String(ctx, kv.second, "basic_auth_users." + user.value_or("?"));
    if (!user || !hash) continue;
    if (user->empty() || user->find(':') != std::string::npos) {
      ctx.Error(kv.first, "basic_auth_users: expected a user name without ':', got " +
                              yaml::Describe(kv.first));
    } else if (!IsBcryptHash(*hash)) {
      ctx.Error(kv.second, "basic_auth_users." + *user +
                               ": expected a bcrypt hash ($2y$/$2b$/$2a$, as `htpasswd -nBC 10` "
                               "writes), got a value of " +
                               std::to_string(hash->size()) + " characters");
    } else if (!config.users.emplace(*user, *hash).second) {
      ctx.Error(kv.first, "basic_auth_users: duplicate user '" + *user + "'");
    }
  }
}

WebConfig FromDocuments(const yaml::ParsedFile& parsed, const std::string& base_dir,
                        DiagnosticSink& sink, std::optional<SourcePos>* tls_pos) {
  const Context ctx{parsed.path, &sink};
  MapReader r(ctx, yaml::OnlyDocument(parsed, sink), "web config");
  WebConfig config;
  if (r.ok()) {
    if (YAML::Node n = r.Optional("tls_server_config"); n.IsDefined() && !n.IsNull()) {
      ReadTls(ctx, n, base_dir, config);
      if (tls_pos) *tls_pos = ctx.Pos(n);
    }
    if (YAML::Node n = r.Optional("http_server_config"); n.IsDefined() && !n.IsNull()) {
      ReadHttp(ctx, n, config);
    }
    if (YAML::Node n = r.Optional("basic_auth_users"); n.IsDefined() && !n.IsNull()) {
      ReadUsers(ctx, n, config);
    }
    if (YAML::Node n = r.Optional("rate_limit"); n.IsDefined()) {
      ctx.Error(n,
                "rate_limit: not supported by egov-agent; expected tls_server_config, "
                "http_server_config or basic_auth_users");
    }
    r.Finish();
  }
  sink.ThrowIfAny();
  return config;
}

}  // namespace

bool IsBcryptHash(std::string_view hash) {
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') {
    return false;
  }
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool VerifyBcrypt(const std::string& password, const std::string& hash) {
  if (!IsBcryptHash(hash) || password.find('\0') != std::string::npos) return false;
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), hash.c_str(), data.get());
  if (out == nullptr || std::strlen(out) != hash.size()) return false;
  return CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
}

std::string ConfigureTls(SSL_CTX* ctx, const TlsServerConfig& tls) {
  ERR_clear_error();
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, tls.min_version) != 1 ||
      (tls.max_version != 0 && SSL_CTX_set_max_proto_version(ctx, tls.max_version) != 1)) {
    return "tls_server_config: protocol versions not supported: " + OpenSslError();
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return "tls_server_config.cert_file: cannot load a PEM certificate from " + tls.cert_file +
           ": " + OpenSslError();
  }
  struct stat key_stat {};
  if (::stat(tls.key_file.c_str(), &key_stat) == 0 && (key_stat.st_mode & (S_IROTH | S_IWOTH))) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", key_stat.st_mode & 07777);
    return "tls_server_config.key_file: " + tls.key_file + " is open to other users (mode " + mode +
           "); expected a key only its owner and group can read (chmod 0600 or 0640)";
  }
  const bool key_loaded =
      SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  if (!key_loaded && ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH) {
    return "tls_server_config.key_file: cannot load a PEM private key from " + tls.key_file + ": " +
           OpenSslError();
  }
  if (!key_loaded || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return "tls_server_config: the key in " + tls.key_file + " does not match the certificate in " +
           tls.cert_file;
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      return "tls_server_config.client_ca_file: cannot load CA certificates from " +
             tls.client_ca_file + ": " + OpenSslError();
    }
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
  }
  // Go's types in OpenSSL's terms; one that asks without checking the chain accepts whatever
  // is sent.
  const ClientAuth a = tls.client_auth;
  int mode = a == ClientAuth::kNoClientCert ? SSL_VERIFY_NONE : SSL_VERIFY_PEER;
  if (a == ClientAuth::kRequireAnyClientCert || a == ClientAuth::kRequireAndVerifyClientCert) {
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  const SSL_verify_cb accept_any = [](int, X509_STORE_CTX*) { return 1; };
  SSL_CTX_set_verify(ctx, mode, mode != SSL_VERIFY_NONE && !ChecksChain(a) ? accept_any : nullptr);
  return {};
}

WebConfig ParseWebConfig(const std::string& name, std::string_view text,
                         const std::string& base_dir) {
  DiagnosticSink sink;
  auto parsed = yaml::ParseText(name, text, sink);
  sink.ThrowIfAny();
  return FromDocuments(*parsed, base_dir, sink, nullptr);
}

WebConfig LoadWebConfig(const std::string& path) {
  DiagnosticSink sink;
  auto parsed = yaml::ParseFile(path, sink);
  sink.ThrowIfAny();
  std::optional<SourcePos> tls_pos;
  WebConfig config =
      FromDocuments(*parsed, std::filesystem::path(path).parent_path().string(), sink, &tls_pos);
  if (config.tls) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                          &SSL_CTX_free);
    const std::string error =
        ctx ? ConfigureTls(ctx.get(), *config.tls) : "cannot create a TLS context";
    if (!error.empty()) throw ConfigError(tls_pos.value_or(SourcePos{path, 0, 0}), error);
  }
  return config;
}

struct BasicAuth::Cache {
  std::mutex mutex;
  std::set<std::array<unsigned char, SHA256_DIGEST_LENGTH>> good;
};

namespace {

using CacheKey = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

CacheKey KeyOf(const std::string& user, const std::string& password, const std::string& hash) {
  CacheKey key{};
  const std::string material = user + '\0' + password + '\0' + hash;
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), key.data());
  return key;
}

// User and password of an `Authorization: Basic ...` value.
std::optional<std::pair<std::string, std::string>> Credentials(std::string_view header) {
  constexpr std::string_view kPrefix = "Basic ";
  if (header.size() <= kPrefix.size() || header.size() > 4096) return std::nullopt;
  if (!std::equal(kPrefix.begin(), kPrefix.end(), header.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return std::nullopt;
  }
  std::string_view encoded = header.substr(kPrefix.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  const std::string decoded = Base64Decode(encoded).value_or("");
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

// A bcrypt "hash" no password matches, at the highest cost among `users`: checking an unknown
// user against it costs as much as the dearest real check, so timing does not reveal which
// users exist (the salt and digest are all zero bits; only the cost matters).
std::string DummyHash(const std::map<std::string, std::string>& users) {
  std::string cost = "04";
  for (const auto& [user, hash] : users) cost = std::max(cost, hash.substr(4, 2));
  return "$2b$" + cost + "$" + std::string(53, '.');
}

}  // namespace

BasicAuth::BasicAuth(std::map<std::string, std::string> users)
    : users_(std::move(users)), dummy_(DummyHash(users_)), cache_(std::make_unique<Cache>()) {}

BasicAuth::~BasicAuth() = default;

bool BasicAuth::Check(const std::string& user, const std::string& password) const {
  const auto it = users_.find(user);
  if (it == users_.end()) {
    if (!users_.empty()) VerifyBcrypt(password, dummy_);  // the same time as a real user
    return false;
  }
  const CacheKey key = KeyOf(user, password, it->second);
  {
    std::lock_guard lock(cache_->mutex);
    if (cache_->good.contains(key)) return true;
  }
  if (!VerifyBcrypt(password, it->second)) return false;
  std::lock_guard lock(cache_->mutex);
  if (cache_->good.size() >= 1024) cache_->good.clear();
  cache_->good.insert(key);
  return true;
}

bool BasicAuth::CheckHeader(std::string_view header) const {
  const auto c = Credentials(header);
  return c && Check(c->first, c->second);
}

bool BasicAuth::Remembered(std::string_view header) const {
  const auto c = Credentials(header);
  if (!c) return false;
  const auto it = users_.find(c->first);
  if (it == users_.end()) return false;
  const CacheKey key = KeyOf(c->first, c->second, it->second);
  std::lock_guard lock(cache_->mutex);
  return cache_->good.contains(key);
}

}  // namespace egov::agent
