// Probe benchmark for egov-agent (not a test; run by bench/agent-bench).
//
//   agent_probes serve [--threads N]           serve /healthz/* on 127.0.0.1 (port printed)
//   agent_probes round --base URL [--targets N] [--concurrency C] [--seconds S]
//
// `round` probes N endpoints under URL with the agent's prober: the time of the first full
// round, then the sustained rate over S seconds with every target due again at once (interval
// 100 ms), as probes per second.
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "agents/probes.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

int Serve(int threads) {
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.Get(R"(/healthz/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  int listening = -1;
  server.set_socket_options([&listening](int sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening = sock;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ::listen(listening, SOMAXCONN);  // Debian's libcpp-httplib listens with a backlog of 5
  std::printf("%d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}

int Round(const std::string& base, int n, int concurrency, int seconds) {
  std::mutex mutex;
  std::condition_variable changed;
  uint64_t attempts = 0, failures = 0;
  size_t probed = 0;
  egov::agent::Prober prober([&](std::shared_ptr<const std::vector<egov::agent::ProbeState>> s) {
    std::lock_guard lock(mutex);
    attempts = failures = 0;
    probed = 0;
    for (const auto& p : *s) {
      attempts += p.attempts;
      failures += p.failures;
      probed += p.probed;
    }
    changed.notify_all();
  });
  std::vector<egov::agent::ProbeTarget> targets;
  for (int i = 0; i < n; ++i) {
    targets.push_back({"w" + std::to_string(i), "", base + "/healthz/" + std::to_string(i),
                       std::chrono::milliseconds(100), std::chrono::milliseconds(100)});
  }
  // First round: every target once, with a long interval so none repeats.
  auto once = targets;
  for (auto& t : once) t.interval = std::chrono::hours(1), t.timeout = std::chrono::seconds(5);
  const auto start = Clock::now();
  prober.Configure(once, concurrency, "");
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return probed == static_cast<size_t>(n); });
  }
  const double round = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t round_failures = 0;
  {
    std::lock_guard lock(mutex);
    round_failures = failures;
  }
  // Sustained: new targets (fresh counters) due every 100 ms, as fast as the prober goes.
  for (auto& t : targets) t.workload += "-s";
  prober.Configure(targets, concurrency, "");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  uint64_t a0, f0;
  {
    std::lock_guard lock(mutex);
    a0 = attempts;
    f0 = failures;
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  uint64_t a1, f1;
  {
    std::lock_guard lock(mutex);
    a1 = attempts;
    f1 = failures;
  }
  std::printf(
      "round_seconds %.4f\nround_failures %llu\nsustained_probes_per_second %.1f\n"
      "sustained_failures %llu\n",
      round, static_cast<unsigned long long>(round_failures),
      static_cast<double>(a1 - a0) / seconds, static_cast<unsigned long long>(f1 - f0));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "serve") return Serve(std::stoi(Arg(argc, argv, "--threads", "64")));
  if (mode == "round") {
    return Round(Arg(argc, argv, "--base", "http://127.0.0.1:8080"),
                 std::stoi(Arg(argc, argv, "--targets", "1000")),
                 std::stoi(Arg(argc, argv, "--concurrency", "128")),
                 std::stoi(Arg(argc, argv, "--seconds", "10")));
  }
  std::cerr << "usage: agent_probes serve [--threads N] | round --base URL [--targets N] "
               "[--concurrency C] [--seconds S]\n";
  return 2;
}
