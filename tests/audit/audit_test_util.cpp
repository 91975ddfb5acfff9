#include "audit_test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/loader.h"

extern char** environ;

namespace egov::orchestrator::audit::testing {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "egov-audit-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

ProcessResult Run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  TempDir dir;
  const std::string out_path = (dir / "out").string(), err_path = (dir / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ProcessResult r;
  if (rc != 0) {
    r.err = "cannot start " + argv[0];
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.err = ReadFile(err_path) + "\n(killed after the time limit)";
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

nlohmann::json FixtureResult(const std::string& host) {
  return nlohmann::json::parse(ReadFile(ResultFixtures() / (host + ".json")));
}

AuditSettings FixtureSettings() {
  AuditSettings s;
  s.now = *checks::ParseTimestamp("2026-11-22T12:00:00Z");
  s.today = *ParseDate("2026-11-22");
  std::tie(s.from, s.to) = AnnualWindow(s.today);
  s.auditor = "Kiểm toán viên <test>";
  s.source = "fixtures";
  return s;
}

std::vector<agent_client::FetchedResult> FetchedFrom(const fs::path& dir) {
  return agent_client::ReadResultFiles(dir.string(), kFleetHosts);
}

Inventory FleetWith(const std::string& extra_yaml) {
  if (extra_yaml.empty()) return LoadInventory({FleetInventory().string()});
  std::string text = ReadFile(FleetInventory() / "fleet.yaml") + "\n---\n" + extra_yaml;
  return LoadInventoryText("fleet+extra.yaml", text);
}

void MakeCertificates(const fs::path& dir) {
  auto openssl = [](std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const ProcessResult r = Run(args);
    ASSERT_EQ(r.code, 0) << r.err;
  };
  const std::string d = dir.string();
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-days", "2", "-subj", "/CN=egov audit test CA", "-keyout", d + "/ca.key", "-out",
           d + "/ca.pem"});
  WriteFile(dir / "ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const std::string who : {"server", "client"}) {
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
             "/CN=" + who, "-keyout", d + "/" + who + ".key", "-out", d + "/" + who + ".csr"});
    openssl({"x509", "-req", "-in", d + "/" + who + ".csr", "-CA", d + "/ca.pem", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out",
             d + "/" + who + ".pem"});
  }
}

void WriteTestDriverHost(const fs::path& file, const std::vector<DomainMetadata>& domains,
                         const std::string& more_domains) {
  std::string xml =
      "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
      "<threads>1</threads><active>4</active><mhz>2000</mhz><model>x86_64</model>"
      "</cpu><memory>8388608</memory>";
  for (const auto& m : domains) {
    xml += "<domain type='test'><name>" + m.workload + "-" + std::to_string(m.replica) +
           "</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os><metadata>" +
           FormatMetadataElement(m) + "</metadata></domain>";
  }
  WriteFile(file, xml + more_domains + "</node>");
}

const nlohmann::ordered_json& Named(const nlohmann::ordered_json& list, const std::string& name,
                                    const char* key) {
  for (const auto& item : list) {
    if (item.contains(key) && item[key] == name) return item;
  }
  ADD_FAILURE() << "no element with " << key << " = " << name;
  static const nlohmann::ordered_json kEmpty = nlohmann::ordered_json::object();
  return kEmpty;
}

}  // namespace egov::orchestrator::audit::testing
