#include "tests/support/libvirtd.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::testing {
namespace {

std::string Sandbox() { return std::string(EGOV_SOURCE_DIR) + "/scripts/libvirtd-sandbox"; }

}  // namespace

std::string Libvirtd::Unavailable() {
  if (::geteuid() != 0) return "needs root to start a private libvirtd";
  if (!std::filesystem::exists("/usr/sbin/libvirtd") ||
      !std::filesystem::exists("/usr/bin/qemu-system-x86_64")) {
    return "libvirtd or qemu-system-x86_64 is not installed";
  }
  return "";
}

Libvirtd::Libvirtd(std::filesystem::path dir, int port) : dir_(std::move(dir)), port_(port) {}

bool Libvirtd::Start() {
  const CliRun r = RunProcess({Sandbox(), "start", dir_.string(), std::to_string(port_)});
  pid_ = r.code == 0 ? std::atoi(r.out.c_str()) : 0;
  if (pid_ <= 0) {
    ADD_FAILURE() << r.out << r.err << ReadFile(dir_ / "libvirtd.log");
    pid_ = 0;
  }
  return pid_ > 0;
}

void Libvirtd::Stop() {
  if (pid_ <= 0) return;
  RunProcess({Sandbox(), "stop", dir_.string()});
  pid_ = 0;
}

void Libvirtd::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::string Libvirtd::UnixUri() const {
  return "qemu:///system?socket=" + (dir_ / "sock" / "libvirt-sock").string();
}

std::string Libvirtd::TcpUri() const {
  return "qemu+tcp://127.0.0.1:" + std::to_string(port_) + "/system";
}

}  // namespace egov::testing
