#pragma once

#include <sys/types.h>

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
/// each stopped by its PID when the object goes.
class EtcdCluster {
 public:
  /// Why no etcd can run here ("" when it can): /usr/bin/etcd and etcdctl are needed.
  static std::string Unavailable();

  explicit EtcdCluster(size_t members = 3, std::filesystem::path dir = {});
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
  /// `etcdctl ARGS...` against every member; its output.
  CliRun Etcdctl(const std::vector<std::string>& args) const;
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<TempDir> own_;
  std::filesystem::path dir_;
  std::vector<int> client_ports_, peer_ports_;
  std::vector<std::unique_ptr<Child>> members_;
  std::string error_;
};

}  // namespace egov::testing
