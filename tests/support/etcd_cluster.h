#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

// A real etcd cluster on loopback for the tests of egovctl's etcd journal (and its bench).
namespace egov::testing {

/// `members` etcd processes (Debian's etcd-server) on 127.0.0.1, client and peer ports chosen
/// free, data under a temporary directory (on tmpfs when there is one, unless `dir` is given),
/// each stopped by its PID when the object goes. With `tls`, the members serve clients over
/// https only and require a client certificate (--client-cert-auth); a throwaway CA (made with
/// the openssl command in the cluster's directory) signs their certificate (subjectAltName
/// IP:127.0.0.1) and one client certificate. Peers stay plain http on loopback.
class EtcdCluster {
 public:
  /// Why no etcd can run here ("" when it can): /usr/bin/etcd and etcdctl are needed, and
  /// /usr/bin/openssl for `tls`.
  static std::string Unavailable(bool tls = false);

  explicit EtcdCluster(size_t members = 3, std::filesystem::path dir = {}, bool tls = false);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  /// Starts every member that is not running and waits until each answers its health check;
  /// false (with the members' logs in `error()`) when they do not within 30 s.
  bool Start();
  /// SIGKILL to member `i`, reaped.
  void Kill(size_t i);
  /// Stops every member (SIGTERM, then SIGKILL).
  void StopAll();

  size_t size() const { return client_ports_.size(); }
  pid_t pid(size_t i) const;
  /// etcd://127.0.0.1:P1,127.0.0.1:P2,... for --state.
  std::string Url() const;
  /// With tls: the CA of the members' certificate, and the client certificate and key it signed
  /// (--state-cacert, --state-cert, --state-key).
  std::filesystem::path ca() const { return dir_ / "pki" / "ca.crt"; }
  std::filesystem::path client_cert() const { return dir_ / "pki" / "client.crt"; }
  std::filesystem::path client_key() const { return dir_ / "pki" / "client.key"; }
  /// With tls: a new CA, and new certificates it signs in place of the old ones, for the
  /// members started after this (and for every new TLS handshake of a running one, as etcd
  /// reads its certificate again for each).
  bool RenewCertificates();
  /// How many watches the running members serve now (etcd_debugging_mvcc_watcher_total, from
  /// each member's /metrics); -1 when one cannot be read.
  int64_t Watchers() const;
  /// `etcdctl ARGS...` against every member; its output.
  CliRun Etcdctl(const std::vector<std::string>& args) const;
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<TempDir> own_;
  bool MakeCertificates();
  std::string ClientUrl(size_t i) const;

  std::filesystem::path dir_;
  bool tls_ = false;
  std::vector<int> client_ports_, peer_ports_;
  std::vector<std::unique_ptr<Child>> members_;
  std::string error_;
};

}  // namespace egov::testing
