#pragma once

#include <httplib.h>

#include <filesystem>
#include <string>
#include <thread>

// HTTP(S) servers (cpp-httplib) the tests stand up on loopback.
namespace egov::testing {

/// Serves `server` (its routes set beforehand) on a free 127.0.0.1 port from a thread of its
/// own, from construction until destruction.
class Serving {
 public:
  explicit Serving(httplib::Server& server);
  ~Serving();
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;

  int port() const { return port_; }
  /// `scheme`://127.0.0.1:PORT`path`.
  std::string Url(const std::string& path, const std::string& scheme = "http") const;

 private:
  httplib::Server& server_;
  int port_ = 0;
  std::thread thread_;
};

/// A self-signed CA and a server certificate for 127.0.0.1 and localhost, and a client
/// certificate signed by the same CA, written into `dir` (ca.pem, server.pem, server.key,
/// client.pem, client.key) with the openssl command.
void MakeCertificates(const std::filesystem::path& dir);

}  // namespace egov::testing
