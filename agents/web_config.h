#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

// The Prometheus exporter-toolkit web configuration file (`--web.config.file` of every Go
// exporter), read strictly: the subset egov-agent implements is accepted, anything else is an
// error rather than silently ignored, so `promtool check web-config` and egov-agent agree on
// every file egov-agent starts with.
namespace egov::agent {

/// tls_server_config.client_auth_type, with Go's crypto/tls names.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  int min_version = TLS1_2_VERSION;  ///< OpenSSL protocol version constant
  int max_version = 0;               ///< 0: the highest the library supports

  bool operator==(const TlsServerConfig&) const = default;
};

/// What the HTTP server needs from the web config file.
struct WebConfig {
  std::optional<TlsServerConfig> tls;          ///< unset: plain HTTP
  std::map<std::string, std::string> users;    ///< user name → bcrypt hash
  std::map<std::string, std::string> headers;  ///< http_server_config.headers
};

/// Reads and validates the file (relative paths from its directory), and checks that the TLS
/// certificate and key load and match. Throws ConfigError naming file, line and column.
WebConfig LoadWebConfig(const std::string& path);

/// Same from text; `base_dir` anchors relative paths. Does not touch the TLS files.
WebConfig ParseWebConfig(const std::string& name, std::string_view text,
                         const std::string& base_dir);

/// Loads certificate, key, client CA and protocol limits into `ctx`. Returns an empty string
/// on success, else what went wrong (naming the file).
std::string ConfigureTls(SSL_CTX* ctx, const TlsServerConfig& tls);

/// Checks HTTP basic-auth credentials against bcrypt hashes. Successful checks are remembered
/// (by a SHA-256 of user, password and hash) because bcrypt costs tens of milliseconds by
/// design and Prometheus sends the same credentials on every scrape. Unknown users cost a
/// bcrypt at the highest cost in use, so timing does not reveal which users exist.
/// Thread-safe.
class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);
  ~BasicAuth();
  BasicAuth(const BasicAuth&) = delete;
  BasicAuth& operator=(const BasicAuth&) = delete;

  bool enabled() const { return !users_.empty(); }
  /// Checks an `Authorization` header value (`Basic base64(user:password)`); may cost a bcrypt.
  bool CheckHeader(std::string_view header) const;
  /// True when the header's credentials were checked good before: answered without a bcrypt.
  bool Remembered(std::string_view header) const;
  bool Check(const std::string& user, const std::string& password) const;

 private:
  struct Cache;
  std::map<std::string, std::string> users_;
  std::string dummy_;  // checked for unknown users
  std::unique_ptr<Cache> cache_;
};

/// True when `hash` looks like a bcrypt hash ($2a$, $2b$ or $2y$, cost 4-31, 60 characters).
bool IsBcryptHash(std::string_view hash);

/// Verifies `password` against a bcrypt `hash` with libcrypt (crypt_r), in constant time.
bool VerifyBcrypt(const std::string& password, const std::string& hash);

}  // namespace egov::agent
