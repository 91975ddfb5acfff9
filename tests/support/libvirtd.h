#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

// A private libvirtd running QEMU for the tests that need a real hypervisor.
namespace egov::testing {

/// One libvirtd of its own (scripts/libvirtd-sandbox): configuration, state and logs under
/// `dir`, a unix socket there and TCP on 127.0.0.1:`port`. Stopped by the PID the sandbox
/// recorded when the object goes.
class Libvirtd {
 public:
  /// Why no private libvirtd can run here ("" when one can): it needs root, libvirtd and QEMU.
  static std::string Unavailable();

  Libvirtd(std::filesystem::path dir, int port);
  ~Libvirtd() { Stop(); }
  Libvirtd(const Libvirtd&) = delete;
  Libvirtd& operator=(const Libvirtd&) = delete;

  /// Starts the daemon and waits until it answers; false (and a test failure with the sandbox's
  /// output and the daemon's log) when it does not come up.
  bool Start();
  void Stop();
  /// Sends `sig` to the daemon (SIGSTOP freezes it, SIGKILL kills it).
  void Signal(int sig);

  std::string UnixUri() const;
  std::string TcpUri() const;

 private:
  std::filesystem::path dir_;
  int port_;
  pid_t pid_ = 0;
};

}  // namespace egov::testing
