// Apply throughput on simulated hosts (libvirt's test driver), end to end: egovctl apply reads
// the inventory, opens every host, plans, makes every replica's disks (the base image volume on
// each host, a qcow2 root disk and a cloud-init seed per replica), defines and starts every
// domain, journals every step and writes the hosts back. Then the same define + start work
// through one `virsh` session, and a no-change `egovctl plan` over the result. --diskless
// measures replicas without image, as before issue 18. --rollout then changes every
// workload's memory twice and times each apply: a rolling replace (max_unavailable 1: ten
// waves of one replica per workload) against an all-at-once one (max_unavailable 10: one wave).
// --etcd instead runs the same apply with the SQLite journal and with --state etcd:// on a
// 3-member etcd cluster started on this machine (tests/support/etcd_cluster.h, data under the
// workdir), `rounds` times each, alternating.
//   build/release/bench/apply_bench [hosts=1000] [domains=10000] [workdir] [--no-virsh]
//                                   [--diskless] [--rollout] [--etcd [rounds=3]]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/cli.h"
#include "tests/support/etcd_cluster.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds this process has used (all threads): the figure that does not depend on what
// else the machine is running.
double Cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double ChildCpu() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Egovctl(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = egov::orchestrator::RunEgovctl(args, out, err);
  if (code != 0 && code != 3) std::cerr << out.str() << err.str();
  return code;
}

// CPU seconds process `pid` has used (fields 14 and 15 of /proc/PID/stat), 0 when unknown.
double ProcessCpu(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command's name may hold spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The same apply with each journal, on fresh hosts every time, alternating which goes first.
// Each round's ratio compares two applies run one after the other (the machine's load changes
// more between rounds than within one); the CPU columns show what each store costs: egovctl's
// own CPU time, and the etcd members' during the apply.
int CompareJournals(const fs::path& dir, size_t domains, int rounds) {
  egov::testing::EtcdCluster cluster(3, dir / "etcd");
  if (!cluster.Start()) {
    std::cerr << cluster.error();
    return 1;
  }
  auto members_cpu = [&] {
    double sum = 0;
    for (size_t i = 0; i < cluster.size(); ++i) sum += ProcessCpu(cluster.pid(i));
    return sum;
  };
  const std::string in = (dir / "in").string(), sim = (dir / "sim").string();
  const std::vector<std::pair<std::string, std::vector<std::string>>> stores = {
      {"sqlite", {"--journal", (dir / "journal.db").string()}},
      {"etcd (3 members)", {"--state", cluster.Url()}}};
  std::map<std::string, std::vector<double>> rates;
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < stores.size(); ++k) {  // each goes first in every other round
      const auto& [name, state] = stores[(k + static_cast<size_t>(r)) % stores.size()];
      fs::remove_all(sim);
      std::vector<std::string> args = {"apply", "--auto-approve", "-q", "-f", in};
      args.insert(args.end(), state.begin(), state.end());
      const double cpu = Cpu(), etcd_cpu = members_cpu();
      const auto t = Clock::now();
      const int code = Egovctl(args);
      const double rate = static_cast<double>(domains) / Since(t);
      rates[name].push_back(rate);
      std::printf(
          "round %d, %s: %zu domains in %.2f s = %.0f domains/s; egovctl %.2f CPU s, etcd "
          "members %.2f CPU s (exit %d)\n",
          r + 1, name.c_str(), domains, static_cast<double>(domains) / rate, rate, Cpu() - cpu,
          members_cpu() - etcd_cpu, code);
    }
    ratios.push_back(rates["etcd (3 members)"].back() / rates["sqlite"].back());
    std::printf("round %d: etcd at %.1f%% of sqlite's rate\n", r + 1, 100 * ratios.back());
  }
  double sqlite = 0, etcd = 0;
  for (double x : rates["sqlite"]) sqlite += x / rounds;
  for (double x : rates["etcd (3 members)"]) etcd += x / rounds;
  std::sort(ratios.begin(), ratios.end());
  std::printf(
      "mean: sqlite %.0f domains/s, etcd %.0f domains/s = %.1f%% of sqlite's rate (rounds: "
      "%.1f%% to %.1f%%, median %.1f%%)\n",
      sqlite, etcd, 100 * etcd / sqlite, 100 * ratios.front(), 100 * ratios.back(),
      100 * (ratios[(ratios.size() - 1) / 2] + ratios[ratios.size() / 2]) / 2);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  bool virsh = true, disks = true, rollout = false;
  int etcd_rounds = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-virsh") {
      virsh = false;
    } else if (a == "--diskless") {
      disks = false;
    } else if (a == "--etcd") {
      etcd_rounds = i + 1 < argc && std::isdigit(static_cast<unsigned char>(argv[i + 1][0]))
                        ? std::atoi(argv[++i])
                        : 3;
    } else if (a == "--rollout") {
      rollout = true;
    } else {
      args.push_back(a);
    }
  }
  const size_t hosts = args.size() > 0 ? std::strtoul(args[0].c_str(), nullptr, 10) : 1000;
  const size_t domains = args.size() > 1 ? std::strtoul(args[1].c_str(), nullptr, 10) : 10000;
  const fs::path dir =
      args.size() > 2 ? fs::path(args[2]) : fs::temp_directory_path() / "egov-apply-bench";
  fs::remove_all(dir);
  fs::create_directories(dir / "in");
  const std::string sim = (dir / "sim").string();
  setenv("EGOV_SIM_DIR", sim.c_str(), 1);

  // One provider, ten zones; workloads of ten replicas, level 1 (no compliance needed).
  std::ostringstream inv;
  inv << "kind: Provider\nname: bench\ndisplay_name: Bench\ncertification: {scheme: s, "
         "certificate: c, issued: 2024-01-01, expires: 2030-01-01, max_security_level: 5}\n"
         "residency: VN\nzones:\n";
  for (size_t z = 0; z < 10; ++z) {
    inv << "  - name: z" << z << "\n    hosts:\n";
    for (size_t h = z; h < hosts; h += 10) {
      inv << "      - {name: h" << h << ", uri: \"test://${EGOV_SIM_DIR}/h" << h
          << ".xml\", capacity: {vcpus: 512, memory: 2Ti, disk: 100Ti}}\n";
    }
  }
  // Simulated hosts never read the image file (nothing is uploaded to them).
  inv << "---\nkind: Image\nname: bench\ndisplay_name: Bench\nformat: qcow2\n"
         "source: images/bench.qcow2\nsha256: "
      << std::string(64, '0') << "\nmin_disk: 1Gi\n";
  const std::string fleet = inv.str();
  // The workloads, with `memory` and `max_unavailable`, after the fleet.
  auto write_workloads = [&](const char* memory, int max_unavailable) {
    std::ofstream out(dir / "in" / "fleet.yaml");
    out << fleet;
    for (size_t w = 0; w < domains / 10; ++w) {
      out << "---\nkind: Workload\nname: w" << w
          << "\nagency: \"Bộ Tài chính\"\nsystem: \"Hệ thống " << w
          << "\"\nsecurity_level: 1\nreplicas: 10\nupdate: {max_unavailable: " << max_unavailable
          << "}\n";
      if (disks) {
        out << "resources: {vcpus: 1, memory: " << memory
            << ", disk: 4Gi}\nimage: bench\ncloud_init:\n"
               "  ssh_authorized_keys: [\"ssh-ed25519 "
               "AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e "
               "ops@bench\"]\n";
      } else {
        out << "resources: {vcpus: 1, memory: " << memory << "}\n";
      }
    }
  };
  write_workloads("64Mi", 1);
  const std::string in = (dir / "in").string();
  const std::string journal = (dir / "journal.db").string();
  if (etcd_rounds > 0) {
    const int rc = CompareJournals(dir, domains, etcd_rounds);
    fs::remove_all(dir);
    return rc;
  }

  auto t = Clock::now();
  double cpu = Cpu();
  const int applied = Egovctl({"apply", "--auto-approve", "-q", "-f", in, "--journal", journal});
  const double apply_s = Since(t);
  const double apply_cpu = Cpu() - cpu;
  std::printf(
      "egovctl apply: %zu domains %sdefined+started on %zu simulated hosts, journaled, in "
      "%.2f s = %.0f domains/s; %.2f CPU s = %.0f domains per CPU second (exit %d)\n",
      domains, disks ? "with root disk and seed " : "", hosts, apply_s,
      static_cast<double>(domains) / apply_s, apply_cpu, static_cast<double>(domains) / apply_cpu,
      applied);

  t = Clock::now();
  cpu = Cpu();
  const int planned = Egovctl({"plan", "-f", in, "--journal", journal});
  std::printf(
      "egovctl plan (no changes expected): %zu managed domains on %zu hosts in %.2f s, "
      "%.2f CPU s (exit %d)\n",
      domains, hosts, Since(t), Cpu() - cpu, planned);

  if (rollout) {
    // The same replace of every replica, rolling then all at once, in this one run.
    auto timed_replace = [&](const char* memory, int max_unavailable) {
      write_workloads(memory, max_unavailable);
      const auto start = Clock::now();
      const int code = Egovctl({"apply", "--auto-approve", "-q", "-f", in, "--journal", journal});
      const double seconds = Since(start);
      std::printf(
          "egovctl apply, replace of %zu replicas (%zu workloads), max_unavailable %d: "
          "%.2f s (exit %d)\n",
          domains, domains / 10, max_unavailable, seconds, code);
      return seconds;
    };
    const double rolling = timed_replace("128Mi", 1);
    const double at_once = timed_replace("64Mi", 10);
    std::printf("rolling / all at once: %.2fx\n", rolling / at_once);
  }
  if (!virsh) {
    fs::remove_all(dir);
    return 0;
  }
  // The same define + start work through one virsh session on one simulated host: the very
  // definitions egovctl defined, taken from a plan saved against empty hosts. These 10,000
  // input files go to tmpfs when there is one: on an ext4 without a journal (this kind of
  // machine), every file created skips the inodes freed in the last minute, so deleting them
  // on disk would slow the next run's egovctl apply, which writes 2,000 host files.
  const fs::path scratch =
      fs::is_directory("/dev/shm")
          ? fs::path("/dev/shm") / ("egov-apply-bench-" + std::to_string(getpid()))
          : dir / "scratch";
  const fs::path vdir = scratch / "virsh";
  fs::create_directories(vdir);
  setenv("EGOV_SIM_DIR", (scratch / "plan-sim").c_str(), 1);
  const std::string saved = (scratch / "plan.json").string();
  Egovctl({"plan", "-f", in, "--journal", (scratch / "plan.db").string(), "-o", saved});
  std::ifstream plan_in(saved);
  const nlohmann::json plan = nlohmann::json::parse(plan_in);
  std::ofstream node(vdir / "host.xml");
  node << "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>512</cores><threads>1</threads>"
          "</cpu><memory>2147483648</memory></node>\n";
  node.close();
  std::ofstream script(vdir / "commands");
  for (const auto& action : plan.at("actions")) {
    const std::string name = action.at("domain");
    const fs::path file = vdir / (name + ".xml");
    std::ofstream(file) << action.at("xml").get<std::string>();
    script << "define --validate " << file.string() << "\nstart " << name << "\n";
  }
  script.close();
  // With validation libvirt parses its schema on every call: measured on the first 1,000.
  const size_t validated = std::min<size_t>(domains, 1000);
  const std::string cmd = "head -n " + std::to_string(2 * validated) + " " +
                          (vdir / "commands").string() + " | virsh -q -c test://" +
                          (vdir / "host.xml").string() + " > /dev/null";
  t = Clock::now();
  cpu = ChildCpu();
  const int rc = std::system(cmd.c_str());
  const double virsh_s = Since(t);
  std::printf(
      "virsh (one session, define --validate + start): %zu domains in %.2f s = %.0f "
      "domains/s; %.2f CPU s (exit %d)\n",
      validated, virsh_s, static_cast<double>(validated) / virsh_s, ChildCpu() - cpu,
      WEXITSTATUS(rc));
  // The same without validation, which costs libvirt a schema parse per call.
  const std::string cmd2 = "sed 's/define --validate/define/' " + (vdir / "commands").string() +
                           " > " + (vdir / "commands2").string();
  std::system(cmd2.c_str());
  const std::string cmd3 = "virsh -q -c test://" + (vdir / "host.xml").string() + " < " +
                           (vdir / "commands2").string() + " > /dev/null";
  t = Clock::now();
  cpu = ChildCpu();
  const int rc3 = std::system(cmd3.c_str());
  const double virsh2_s = Since(t);
  const double virsh2_cpu = ChildCpu() - cpu;
  std::printf(
      "virsh (one session, define + start, no validation): %zu domains in %.2f s = %.0f "
      "domains/s; %.2f CPU s = %.0f domains per CPU second (exit %d)\n",
      domains, virsh2_s, static_cast<double>(domains) / virsh2_s, virsh2_cpu,
      static_cast<double>(domains) / virsh2_cpu, WEXITSTATUS(rc3));
  std::printf(
      "egovctl / virsh: %.1fx wall (validated virsh), %.1fx wall and %.1fx CPU "
      "(unvalidated virsh)\n",
      (static_cast<double>(domains) / apply_s) / (static_cast<double>(validated) / virsh_s),
      virsh2_s / apply_s,
      (static_cast<double>(domains) / apply_cpu) / (static_cast<double>(domains) / virsh2_cpu));
  fs::remove_all(scratch);
  fs::remove_all(dir);
  return 0;
}
