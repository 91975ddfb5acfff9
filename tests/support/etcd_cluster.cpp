#include "tests/support/etcd_cluster.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "tests/support/ports.h"

namespace egov::testing {
namespace {

std::string Local(int port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace

std::string EtcdCluster::Unavailable() {
  if (!std::filesystem::exists("/usr/bin/etcd") || !std::filesystem::exists("/usr/bin/etcdctl")) {
    return "etcd is not installed (Debian: apt-get install etcd-server etcd-client)";
  }
  return "";
}

EtcdCluster::EtcdCluster(size_t members, std::filesystem::path dir) {
  if (dir.empty()) {
    own_ = std::filesystem::is_directory("/dev/shm") ? std::make_unique<TempDir>("/dev/shm")
                                                     : std::make_unique<TempDir>();
    dir = own_->path();
  }
  dir_ = dir;
  std::filesystem::create_directories(dir_);
  for (size_t i = 0; i < members; ++i) {
    client_ports_.push_back(FreePort());
    peer_ports_.push_back(FreePort());
  }
  members_.resize(members);
}

EtcdCluster::~EtcdCluster() { StopAll(); }

pid_t EtcdCluster::pid(size_t i) const { return members_[i] ? members_[i]->pid() : -1; }

std::string EtcdCluster::Url() const {
  std::string out = "etcd://";
  for (size_t i = 0; i < size(); ++i) {
    out += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(client_ports_[i]);
  }
  return out;
}

CliRun EtcdCluster::Etcdctl(const std::vector<std::string>& args) const {
  std::string endpoints;
  for (size_t i = 0; i < size(); ++i) {
    endpoints += (i ? "," : "") + Local(client_ports_[i]);
  }
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoints, "--command-timeout=3s",
                                   "--dial-timeout=1s"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, "", std::chrono::seconds(20));
}

bool EtcdCluster::Start() {
  std::string cluster;
  for (size_t i = 0; i < size(); ++i) {
    cluster += (i ? "," : "") + ("m" + std::to_string(i)) + "=" + Local(peer_ports_[i]);
  }
  for (size_t i = 0; i < size(); ++i) {
    if (members_[i] && members_[i]->running()) continue;
    const std::string name = "m" + std::to_string(i);
    members_[i] = std::make_unique<Child>(
        std::vector<std::string>{
            "/usr/bin/etcd", "--name=" + name, "--data-dir=" + (dir_ / name).string(),
            "--listen-client-urls=" + Local(client_ports_[i]),
            "--advertise-client-urls=" + Local(client_ports_[i]),
            "--listen-peer-urls=" + Local(peer_ports_[i]),
            "--initial-advertise-peer-urls=" + Local(peer_ports_[i]),
            "--initial-cluster=" + cluster, "--initial-cluster-token=egov-test",
            "--initial-cluster-state=new"},
        dir_ / (name + ".log"));
  }
  // Every member answers once the cluster has a leader (a readiness probe, not a delay).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    const CliRun r = Etcdctl({"endpoint", "health"});
    if (r.code == 0) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      error_ = r.out + r.err;
      for (size_t i = 0; i < size(); ++i) {
        error_ += "\n--- m" + std::to_string(i) + ".log\n" +
                  ReadFile(dir_ / ("m" + std::to_string(i) + ".log"));
      }
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void EtcdCluster::Kill(size_t i) {
  if (!members_[i] || !members_[i]->running()) return;
  ::kill(members_[i]->pid(), SIGKILL);
  members_[i]->Wait();
}

void EtcdCluster::StopAll() {
  for (auto& m : members_) {
    if (m) m->Stop();
  }
}

}  // namespace egov::testing
