// Benchmark: `egovctl audit` against N simulated agents. One loopback cpp-httplib server answers
// as every agent (host h's agent is http://127.0.0.1:PORT/h/<h>), each with its own result
// document; the program times collection (libcurl multi), then the whole report (parse, hash,
// judge, render HTML and seal), and the same downloads by `curl --parallel` for comparison.
//
//   bench/audit_collect [--hosts 500] [--controls 150] [--parallel 64] [--no-curl]
#include <httplib.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/agent_client.h"
#include "common/loader.h"
#include "orchestrator/audit/render.h"
#include "orchestrator/audit/report.h"

extern char** environ;

namespace {

using namespace egov;
using namespace egov::orchestrator::audit;
using namespace egov::agent_client;
using Clock = std::chrono::steady_clock;

// CPU seconds this process used (all threads, the simulated agents included): the figure that
// does not depend on what else the machine is doing.
double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string HostName(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "sim-%03d", i);
  return buf;
}

// One host's result: `controls` controls over three profiles, every tenth failing.
std::string ResultFor(const std::string& host, int controls) {
  nlohmann::json profiles = nlohmann::json::array();
  const char* names[] = {"mic-1145", "decree85-level3", "decree85-level4"};
  for (int p = 0; p < 3; ++p) {
    nlohmann::json list = nlohmann::json::array();
    for (int c = 0; c < controls / 3; ++c) {
      const bool fail = (c + p) % 10 == 0;
      list.push_back(
          {{"id", std::string(names[p]) + "-C" + std::to_string(c)},
           {"title",
            {{"vi", "Tiêu chí kiểm tra số " + std::to_string(c)},
             {"en", "Check number " + std::to_string(c)}}},
           {"group", "Nhóm " + std::to_string(1 + c % 2)},
           {"feature", "Tính năng " + std::to_string(c % 12)},
           {"severity", "high"},
           {"status", fail ? "fail" : "pass"},
           {"reason", fail ? "PermitRootLogin is yes; expected no" : "as expected"},
           {"evidence",
            {{{"source", "/etc/ssh/sshd_config"},
              {"line", 32},
              {"observed", "PermitRootLogin yes"},
              {"expected", "no"}}}},
           {"remediation", {{"vi", "Đặt PermitRootLogin no"}, {"en", "Set PermitRootLogin no"}}},
           {"references", {"TCVN 11930:2017 7.2.2.1"}},
           {"duration_seconds", 0.0001},
           {"waiver", nullptr}});
    }
    profiles.push_back({{"name", names[p]},
                        {"version", "2026.1"},
                        {"title", {{"vi", names[p]}, {"en", names[p]}}},
                        {"level", p == 2 ? 4 : 3},
                        {"controls", list}});
  }
  return nlohmann::json{{"schema", "egov.results/v1"},
                        {"agent", {{"version", "0.1.0"}, {"revision", "bench"}}},
                        {"host", host},
                        {"root", "/"},
                        {"started_at", "2026-11-22T10:00:00Z"},
                        {"finished_at", "2026-11-22T10:00:01Z"},
                        {"duration_seconds", 1.0},
                        {"profiles", profiles},
                        {"domains",
                         {{{"name", "w" + host.substr(4) + "-0"},
                           {"workload", "w" + host.substr(4)},
                           {"replica", 0}}}}}
      .dump();
}

std::string InventoryYaml(int hosts, int port) {
  std::string y =
      "kind: Provider\nname: sim\ndisplay_name: Simulated\ncertification: {scheme: X, "
      "certificate: \"1\", issued: 2025-01-01, expires: 2029-01-01, "
      "max_security_level: 4}\nresidency: VN\nzones:\n";
  for (int z = 0; z < 10; ++z) {
    y += "  - name: z" + std::to_string(z) + "\n    hosts:\n";
    for (int i = z; i < hosts; i += 10) {
      y += "      - name: " + HostName(i) +
           "\n        uri: \"test:///default\"\n"
           "        capacity: {vcpus: 64, memory: 256Gi, disk: 4Ti}\n"
           "        agent: \"http://127.0.0.1:" +
           std::to_string(port) + "/h/" + HostName(i) + "\"\n";
    }
  }
  for (int i = 0; i < hosts; ++i) {
    y += "---\nkind: Workload\nname: w" + HostName(i).substr(4) +
         "\nagency: A\nsystem: S\n"
         "security_level: 3\nresources: {vcpus: 1, memory: 1Gi}\n";
  }
  return y;
}

double TimeCurl(const std::vector<AgentTarget>& targets, int parallel) {
  const std::string config = "/tmp/egov-audit-bench-curl-" + std::to_string(::getpid());
  {
    std::ofstream out(config);
    for (const auto& t : targets)
      out << "url = \"" << ResultsUrl(t.agent) << "\"\noutput = \"/dev/null\"\n";
  }
  std::vector<std::string> argv = {
      "curl", "-s", "--parallel", "--parallel-max", std::to_string(parallel), "-K", config};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, "curl", nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  const double s = Seconds(start);
  std::remove(config.c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int hosts = 500, controls = 150, parallel = 64;
  bool curl = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--hosts" && i + 1 < argc)
      hosts = std::atoi(argv[++i]);
    else if (a == "--controls" && i + 1 < argc)
      controls = std::atoi(argv[++i]);
    else if (a == "--parallel" && i + 1 < argc)
      parallel = std::atoi(argv[++i]);
    else if (a == "--no-curl")
      curl = false;
    else {
      std::cerr << "usage: audit_collect [--hosts N] [--controls N] [--parallel N] [--no-curl]\n";
      return 2;
    }
  }
  std::map<std::string, std::string> bodies;
  size_t total_bytes = 0;
  for (int i = 0; i < hosts; ++i) {
    bodies[HostName(i)] = ResultFor(HostName(i), controls);
    total_bytes += bodies[HostName(i)].size();
  }
  httplib::Server server;
  // Every simulated agent is a different machine: one request per connection, as in a fleet.
  server.set_keep_alive_max_count(1);
  server.Get(R"(/h/([a-z0-9-]+)/api/v1/results)",
             [&](const httplib::Request& req, httplib::Response& res) {
               auto it = bodies.find(req.matches[1]);
               if (it == bodies.end()) {
                 res.status = 404;
                 return;
               }
               res.set_content(it->second, "application/json");
             });
  // One server stands for many machines. Debian's cpp-httplib is a compiled library with a
  // listen backlog of 5 and 8 worker threads: a burst of connections would overflow the accept
  // queue (connections stall until the client times out), which no fleet of separate agents
  // does. So: more workers, and the listening socket's backlog raised after bind.
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  int listen_fd = -1;
  server.set_socket_options([&](socket_t fd) {
    listen_fd = fd;
    httplib::default_socket_options(fd);
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0 || ::listen(listen_fd, 1024) != 0) {
    std::perror("listen");
    return 1;
  }
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  ::setenv("EGOV_TODAY", "2026-11-22", 1);
  const Inventory inv = LoadInventoryText("bench.yaml", InventoryYaml(hosts, port));
  std::vector<AgentTarget> targets;
  for (const auto& z : inv.providers[0].zones) {
    for (const auto& h : z.hosts) targets.push_back({h.name, h.agent});
  }
  CollectOptions options;
  options.parallel = static_cast<size_t>(parallel);

  const double cpu_start = CpuSeconds();
  auto start = Clock::now();
  AuditInputs in;
  in.fetched = FetchFromAgents(targets, options);
  const double collect = Seconds(start);
  size_t failed = 0;
  for (const auto& f : in.fetched) {
    if (f.error.empty()) continue;
    if (++failed <= 3) std::fprintf(stderr, "%s: %s\n", f.host.c_str(), f.error.c_str());
  }

  AuditSettings s;
  s.today = Today();
  s.now = Timestamp(s.today) + std::chrono::hours(12);
  std::tie(s.from, s.to) = AnnualWindow(s.today);
  s.auditor = "bench";
  const auto build_start = Clock::now();
  const auto report = BuildAuditReport(inv, in, s);
  const double build = Seconds(build_start);
  const auto render_start = Clock::now();
  const std::string html = RenderReport(report, ReportFormat::kHtml);
  const double render = Seconds(render_start);
  const double total = Seconds(start);
  const double cpu = CpuSeconds() - cpu_start;

  std::printf(
      "hosts %d, controls per host %d, result %.1f KiB each (%.1f MiB in all), parallel %d\n",
      hosts, controls / 3 * 3, total_bytes / 1024.0 / hosts, total_bytes / 1048576.0, parallel);
  std::printf("collect (libcurl multi)      %7.3f s  (%zu failed)\n", collect, failed);
  std::printf("parse, hash, judge           %7.3f s  (%d hosts known)\n", build,
              report["summary"]["hosts_known"].get<int>());
  std::printf("render + seal HTML           %7.3f s  (%.1f MiB)\n", render,
              html.size() / 1048576.0);
  std::printf("whole audit                  %7.3f s  (target <= 10 s for 500 hosts)\n", total);
  std::printf("CPU time (audit + agents)    %7.3f s  on %u cores\n", cpu,
              std::thread::hardware_concurrency());
  if (curl) {
    const double c = TimeCurl(targets, parallel);
    std::printf("curl --parallel (download only) %5.3f s\n", c);
  }
  server.stop();
  listener.join();
  return failed == 0 ? 0 : 1;
}
