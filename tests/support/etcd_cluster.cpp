#include "tests/support/etcd_cluster.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/curl.h"
#include "tests/support/ports.h"

namespace egov::testing {
namespace {

std::string Local(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// The extensions of the throwaway CA and the certificates it signs. The members' certificate
// serves clients and is also the client certificate of etcd's own gateway, which calls the
// member's gRPC port (hence clientAuth).
constexpr char kOpensslConfig[] = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = egov-test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[server]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth, clientAuth
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
)";

}  // namespace

std::string EtcdCluster::Unavailable(bool tls) {
  if (!std::filesystem::exists("/usr/bin/etcd") || !std::filesystem::exists("/usr/bin/etcdctl")) {
    return "etcd is not installed (Debian: apt-get install etcd-server etcd-client)";
  }
  if (tls && !std::filesystem::exists("/usr/bin/openssl")) {
    return "openssl is not installed (Debian: apt-get install openssl)";
  }
  return "";
}

EtcdCluster::EtcdCluster(size_t members, std::filesystem::path dir, bool tls) : tls_(tls) {
  if (dir.empty()) {
    own_ = std::filesystem::is_directory("/dev/shm") ? std::make_unique<TempDir>("/dev/shm")
                                                     : std::make_unique<TempDir>();
    dir = own_->path();
  }
  dir_ = dir;
  std::filesystem::create_directories(dir_);
  const std::vector<int> ports = FreePorts(2 * members);
  client_ports_.assign(ports.begin(), ports.begin() + static_cast<long>(members));
  peer_ports_.assign(ports.begin() + static_cast<long>(members), ports.end());
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

std::string EtcdCluster::ClientUrl(size_t i) const {
  return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(client_ports_[i]);
}

CliRun EtcdCluster::Etcdctl(const std::vector<std::string>& args) const {
  std::string endpoints;
  for (size_t i = 0; i < size(); ++i) {
    endpoints += (i ? "," : "") + ClientUrl(i);
  }
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoints, "--command-timeout=3s",
                                   "--dial-timeout=1s"};
  if (tls_) {
    argv.insert(argv.end(), {"--cacert=" + ca().string(), "--cert=" + client_cert().string(),
                             "--key=" + client_key().string()});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, "", std::chrono::seconds(20));
}

// A P-256 key and a certificate for each of ca, server and client, valid for two days.
bool EtcdCluster::MakeCertificates() {
  const std::filesystem::path pki = dir_ / "pki";
  if (std::filesystem::exists(pki / "client.crt")) return true;
  std::filesystem::create_directories(pki);
  { std::ofstream(pki / "openssl.cnf") << kOpensslConfig; }
  const auto file = [&](const std::string& f) { return (pki / f).string(); };
  for (const std::string name : {"ca", "server", "client"}) {
    std::vector<std::string> argv = {"/usr/bin/openssl",
                                     "req",
                                     "-x509",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:prime256v1",
                                     "-noenc",
                                     "-days",
                                     "2",
                                     "-config",
                                     file("openssl.cnf"),
                                     "-extensions",
                                     name,
                                     "-subj",
                                     "/CN=egov-test-" + name,
                                     "-keyout",
                                     file(name + ".key"),
                                     "-out",
                                     file(name + ".crt")};
    if (name != "ca") {
      argv.insert(argv.end(), {"-CA", file("ca.crt"), "-CAkey", file("ca.key")});
    }
    const CliRun r = RunProcess(argv, "", std::chrono::seconds(20));
    if (r.code != 0) {
      error_ = "openssl req (" + name + ") exited " + std::to_string(r.code) + ": " + r.out + r.err;
      return false;
    }
  }
  return true;
}

bool EtcdCluster::RenewCertificates() {
  std::filesystem::remove_all(dir_ / "pki");
  return MakeCertificates();
}

int64_t EtcdCluster::Watchers() const {
  int64_t sum = 0;
  for (size_t i = 0; i < size(); ++i) {
    if (!members_[i] || !members_[i]->running()) continue;
    std::string body;
    curl::EasyPtr easy = curl::NewEasy();
    CURL* h = easy.get();
    const std::string url = ClientUrl(i) + "/metrics";
    curl::SetOpt(h, CURLOPT_URL, url.c_str());
    curl::SetOpt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl::SetOpt(h, CURLOPT_WRITEDATA, &body);
    curl::SetOpt(
        h, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* out) {
          static_cast<std::string*>(out)->append(data, size * n);
          return size * n;
        });
    if (tls_) {
      curl::SetOpt(h, CURLOPT_CAINFO, ca().c_str());
      curl::SetOpt(h, CURLOPT_SSLCERT, client_cert().c_str());
      curl::SetOpt(h, CURLOPT_SSLKEY, client_key().c_str());
    }
    if (curl::Perform(h) != CURLE_OK) return -1;
    const std::string metric = "\netcd_debugging_mvcc_watcher_total ";
    const size_t at = body.find(metric);
    if (at == std::string::npos) return -1;
    sum += std::stoll(body.substr(at + metric.size()));
  }
  return sum;
}

bool EtcdCluster::Start() {
  if (tls_ && !MakeCertificates()) return false;
  std::string cluster;
  for (size_t i = 0; i < size(); ++i) {
    cluster += (i ? "," : "") + ("m" + std::to_string(i)) + "=" + Local(peer_ports_[i]);
  }
  for (size_t i = 0; i < size(); ++i) {
    if (members_[i] && members_[i]->running()) continue;
    const std::string name = "m" + std::to_string(i);
    std::vector<std::string> argv = {"/usr/bin/etcd",
                                     "--name=" + name,
                                     "--data-dir=" + (dir_ / name).string(),
                                     "--listen-client-urls=" + ClientUrl(i),
                                     "--advertise-client-urls=" + ClientUrl(i),
                                     "--listen-peer-urls=" + Local(peer_ports_[i]),
                                     "--initial-advertise-peer-urls=" + Local(peer_ports_[i]),
                                     "--initial-cluster=" + cluster,
                                     "--initial-cluster-token=egov-test",
                                     "--initial-cluster-state=new"};
    if (tls_) {
      const std::filesystem::path pki = dir_ / "pki";
      argv.insert(argv.end(), {"--cert-file=" + (pki / "server.crt").string(),
                               "--key-file=" + (pki / "server.key").string(),
                               "--trusted-ca-file=" + ca().string(), "--client-cert-auth"});
    }
    members_[i] = std::make_unique<Child>(argv, dir_ / (name + ".log"));
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
