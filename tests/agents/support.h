#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

// Helpers the agent tests share: certificates made on the spot and HTTP requests to the agent on
// loopback, beside the plumbing every test executable shares (tests/support).
namespace egov::agent::testing {

using egov::testing::ReadFile;
using egov::testing::RunProcess;
using egov::testing::TempDir;

/// Runs `parse` and returns the diagnostics of the ConfigError it throws, one
/// "file:line:col: message" line each ("" when it throws none).
std::string ConfigErrors(const std::function<void()>& parse);

struct CertFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// A self-signed EC certificate for `common_name` (also its DNS and IP SAN when it looks like
/// one) valid for `days` from now, written as PEM files into `dir` under `stem`.
CertFiles MakeCertificate(const std::filesystem::path& dir, const std::string& stem,
                          const std::string& common_name, int days);

/// A certificate for 127.0.0.1 / localhost signed by the certificate in `ca` (for client
/// certificates).
CertFiles MakeSignedCertificate(const std::filesystem::path& dir, const std::string& stem,
                                const std::string& common_name, const CertFiles& ca);

struct HttpReply {
  int status = -1;  ///< -1: no response (connection or TLS failure)
  std::string body;
  std::multimap<std::string, std::string> headers;
  std::string Header(const std::string& name) const;
};

struct HttpRequest {
  std::string path = "/";
  std::string method = "GET";
  std::string user;  ///< basic auth when non-empty
  std::string password;
  bool tls = false;
  std::string ca_file;    ///< trust this CA (tls)
  CertFiles client_cert;  ///< present a client certificate (tls), when set
  int timeout_ms = 5000;
};

/// One request to 127.0.0.1:`port`.
HttpReply Fetch(int port, const HttpRequest& request);

/// Polls `path` on 127.0.0.1:`port` until `pred` holds for the body of a 200 answer; false when
/// `limit` passes first.
bool WaitForBody(int port, const std::string& path,
                 const std::function<bool(const std::string&)>& pred,
                 std::chrono::milliseconds limit = std::chrono::seconds(10));

/// Whether `text` contains `what`.
bool Has(const std::string& text, const std::string& what);

/// A bcrypt hash of `password` at cost 4 (fast, for tests), made with libcrypt.
std::string BcryptHash(const std::string& password);

}  // namespace egov::agent::testing
