#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

// Helpers the agent tests share: scratch directories, certificates made on the spot, HTTP
// requests to the agent on loopback, and running tools such as promtool.
namespace egov::agent::testing {

/// A directory under the system temp dir, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `text` to `name` inside the directory and returns its path.
  std::filesystem::path Write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

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

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

/// Runs `argv` (no shell) with `input` on stdin and returns its exit code and output.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "");

/// A bcrypt hash of `password` at cost 4 (fast, for tests), made with libcrypt.
std::string BcryptHash(const std::string& password);

}  // namespace egov::agent::testing
