#include "agents/agent.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "agents/commands.h"
#include "agents/domains.h"
#include "agents/http_server.h"
#include "agents/log.h"
#include "agents/probes.h"
#include "agents/process_stats.h"
#include "agents/scan_process.h"
#include "agents/scan_setup.h"
#include "agents/web_config.h"
#include "common/clock.h"
#include "common/install_dirs.h"
#include "common/version.h"

namespace egov::agent {
namespace {

using namespace std::chrono_literals;

// Start-up pages are released at the latest this long after start, e.g. with libvirt down.
constexpr auto kStartupLimit = 60s;

// Everything one configuration file leads to, validated before any of it is applied.
struct Loaded {
  AgentConfig config;
  WebConfig web;
  bool scans = false;  // profiles are configured (and valid), or a test's scan function is set
};

Loaded Load(const std::string& path, const ConfigOverrides& overrides, bool engine) {
  Loaded l;
  l.config = LoadAgentConfig(path, overrides);
  std::error_code ec;
  if (!std::filesystem::is_directory(l.config.scan.root, ec)) {
    throw ConfigError({l.config.file.empty() ? "--root" : l.config.file, 0, 0},
                      "scan.root: " + l.config.scan.root +
                          " is not a directory; expected the host tree to check");
  }
  if (!l.config.web_config_file.empty()) l.web = LoadWebConfig(l.config.web_config_file);
  // Each scan's child process loads the profiles and waivers itself; they are loaded here too,
  // so that a bad one is refused at start and on reload like any other bad configuration.
  if (engine && !l.config.scan.profiles.empty()) LoadScanSetup(l.config.scan);
  l.scans = !engine || !l.config.scan.profiles.empty();
  return l;
}

std::vector<ProbeTarget> ProbeTargets(const AgentConfig& c, const LibvirtState* libvirt) {
  std::vector<ProbeTarget> targets;
  for (const auto& t : c.probes.targets) {
    targets.push_back({t.workload, t.domain, t.url, t.interval.value_or(c.probes.interval),
                       t.timeout.value_or(c.probes.timeout), t.expect_status});
  }
  if (libvirt && c.probes.domain_health_urls) {
    for (const auto& d : libvirt->domains) {
      if (d.metadata.health_url.empty()) continue;
      targets.push_back({d.metadata.workload, d.name, d.metadata.health_url, c.probes.interval,
                         c.probes.timeout, 0});
    }
  }
  return targets;  // the prober keeps the first of duplicate (workload, domain) pairs: config's
}

}  // namespace

struct Agent::Impl {
  std::string path;
  ConfigOverrides overrides;
  bool engine = true;  // scans run egov-agent (a test may substitute its own scan function)
  ScanFunction scan;
  std::atomic<bool> cancel_scan{false};  // kills a scan child at stop
  std::shared_ptr<SnapshotStore> store = std::make_shared<SnapshotStore>();

  std::mutex reload_mutex;  // one Apply at a time
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<DomainWatcher> watcher;
  std::unique_ptr<Prober> prober;

  // Shared with the scan thread and the libvirt callback.
  std::mutex mutex;
  std::condition_variable wake;
  std::shared_ptr<const Loaded> current;
  std::shared_ptr<const LibvirtState> domains;
  std::vector<ProbeTarget> probe_targets;
  uint64_t generation = 0;
  bool stopping = false;
  bool scan_exited = false;
  std::thread scan_thread;

  // Binds the new listener before anything else changes, so a failure leaves all as it was.
  void ApplyHttp(const Loaded& next, const Loaded* prev) {
    if (prev && http && next.config.listen == prev->config.listen && !next.web.tls &&
        !prev->web.tls && next.web.headers == prev->web.headers) {
      http->SetUsers(next.web.users);
      return;
    }
    ListenAddress listen = next.config.listen;
    if (prev && http && listen == prev->config.listen) {
      // Same address (TLS files may have been rotated): the old listener must close first.
      if (listen.port == 0) listen.port = http->port();
      http.reset();
      try {
        http = std::make_unique<HttpServer>(listen, next.web, store);
      } catch (const std::exception&) {
        http = std::make_unique<HttpServer>(listen, prev->web, store);
        throw;
      }
    } else {
      http = std::make_unique<HttpServer>(listen, next.web, store);
    }
    Log::Info("listening", {{"address", listen.host + ":" + std::to_string(http->port())},
                            {"tls", http->tls() ? "true" : "false"},
                            {"basic_auth", next.web.users.empty() ? "false" : "true"}});
  }

  void ApplyLibvirt(const Loaded& next, const Loaded* prev) {
    const LibvirtConfig& l = next.config.libvirt;
    if (prev && prev->config.libvirt.uri == l.uri &&
        prev->config.libvirt.refresh_interval == l.refresh_interval &&
        prev->config.libvirt.timeout == l.timeout) {
      return;
    }
    watcher.reset();  // joins its thread; must not hold `mutex` (its callback takes it)
    {
      std::lock_guard lock(mutex);
      domains.reset();
    }
    store->Update([](Snapshot& s) { s.libvirt.reset(); });
    if (l.uri.empty()) return;
    store->Update([](Snapshot& s) { s.libvirt = std::make_shared<const LibvirtState>(); });
    watcher = std::make_unique<DomainWatcher>(
        l.uri, l.refresh_interval, l.timeout, [this](std::shared_ptr<const LibvirtState> state) {
          store->Update([&](Snapshot& s) { s.libvirt = state; });
          {
            std::lock_guard lock(mutex);
            domains = std::move(state);
          }
          UpdateProbes();
        });
  }

  void UpdateProbes() {
    std::lock_guard lock(mutex);
    if (!current) return;
    auto targets = ProbeTargets(current->config, domains.get());
    if (targets == probe_targets) return;
    probe_targets = targets;
    prober->Configure(std::move(targets), current->config.probes.concurrency,
                      current->config.probes.ca_file);
  }

  void Apply(std::shared_ptr<const Loaded> next) {
    std::lock_guard reload(reload_mutex);
    std::shared_ptr<const Loaded> prev;
    {
      std::lock_guard lock(mutex);
      prev = current;
    }
    ApplyHttp(*next, prev.get());
    Log::SetLevel(next->config.log_level);
    ApplyLibvirt(*next, prev.get());
    {
      std::lock_guard lock(mutex);
      current = next;
      probe_targets.clear();  // settings may have changed: configure the prober again
      ++generation;
    }
    wake.notify_all();
    UpdateProbes();
    store->Update([&](Snapshot& s) {
      s.config_reload_ok = true;
      s.config_reload_time = UnixNow();
      s.certification_expiry = CertificationExpiry(next->config);
    });
  }

  void RunScan(const Loaded& l) {
    const auto start = std::chrono::steady_clock::now();
    try {
      ScanOutcome out = scan(l.config);
      auto state = std::make_shared<const ScanState>(ScanStateFromResults(out.results, UnixNow()));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      int failing = 0;
      for (const auto& p : state->profiles) failing += p.counts.at("fail") + p.counts.at("error");
      store->Update([&](Snapshot& s) {
        s.scan = state;
        ++s.scan_counters.scans;
        s.scan_counters.check_timeouts += state->check_timeouts;
      });
      Log::Info("scan finished", {{"profiles", std::to_string(state->profiles.size())},
                                  {"failing_controls", std::to_string(failing)},
                                  {"check_timeouts", std::to_string(state->check_timeouts)},
                                  {"duration_seconds", std::to_string(seconds)}});
      malloc_trim(0);  // the parsed document is free now; return it rather than keep it
    } catch (const std::exception& e) {
      store->Update([](Snapshot& s) {
        ++s.scan_counters.scans;
        ++s.scan_counters.failures;
      });
      Log::Error("scan failed; the previous results stay published", {{"err", e.what()}});
    }
  }

  // Scans at start, after every reload, and every scan.interval; never holds `mutex` while
  // scanning, so reloads and stops are not held up by a slow scan.
  void ScanLoop() {
    std::unique_lock lock(mutex);
    uint64_t seen = 0;
    const auto start = std::chrono::steady_clock::now();
    auto next = start;
    bool released = false;  // the start-up pages, once start-up is over (or after a minute)
    while (!stopping) {
      if (generation != seen) {
        seen = generation;
        next = std::chrono::steady_clock::now();
      }
      const bool enabled = current && current->scans;
      if (enabled && std::chrono::steady_clock::now() >= next) {
        const auto loaded = current;
        const auto started = std::chrono::steady_clock::now();
        lock.unlock();
        RunScan(*loaded);
        lock.lock();
        next = started + loaded->config.scan.interval;
        continue;
      }
      if (!released && current &&
          (StartupSettled(*store->Get(), enabled, probe_targets.size()) ||
           std::chrono::steady_clock::now() >= start + kStartupLimit)) {
        released = true;
        lock.unlock();
        Log::Debug("released start-up pages", {{"mappings", std::to_string(ReleaseFilePages())}});
        lock.lock();
        continue;
      }
      if (!released) {  // until start-up is over, look every second whether it is
        const auto soon = std::chrono::steady_clock::now() + 1s;
        wake.wait_until(lock, enabled ? std::min(next, soon) : soon);
      } else if (enabled) {
        wake.wait_until(lock, next);
      } else {
        wake.wait(lock);
      }
    }
    scan_exited = true;
    wake.notify_all();
  }

  void Stop() {
    http.reset();
    std::shared_ptr<const Loaded> loaded;
    {
      std::unique_lock lock(mutex);
      stopping = true;
      cancel_scan = true;
      wake.notify_all();
      loaded = current;
      // A scan child is killed now (cancel_scan); a test's scan function ends by itself.
      const auto grace = (loaded ? loaded->config.scan.check_timeout : std::chrono::seconds(10)) +
                         std::chrono::seconds(5);
      if (!wake.wait_for(lock, grace, [&] { return scan_exited; })) {
        Log::Warn("scan still running at stop; leaving it behind");
      }
    }
    if (scan_exited) {
      scan_thread.join();
    } else {
      scan_thread.detach();  // it holds its own reference to this Impl
    }
    watcher.reset();
    prober.reset();
  }
};

Agent::Agent(std::string config_path, ConfigOverrides overrides, ScanFunction scan)
    : impl_(std::make_shared<Impl>()) {
  impl_->path = std::move(config_path);
  impl_->overrides = std::move(overrides);
  impl_->engine = scan == nullptr;
  if (impl_->engine) {
    scan = [impl = impl_.get(), program = ProgramPath("egov-agent", kBinDir)](
               const AgentConfig& c) { return RunScanProcess(program, c, impl->cancel_scan); };
  }
  impl_->scan = std::move(scan);
  auto loaded = std::make_shared<const Loaded>(Load(impl_->path, impl_->overrides, impl_->engine));
  impl_->prober = std::make_unique<Prober>(
      [store = impl_->store](std::shared_ptr<const std::vector<ProbeState>> states) {
        store->Update([&](Snapshot& s) { s.probes = std::move(states); });
      });
  impl_->scan_thread = std::thread([impl = impl_] { impl->ScanLoop(); });
  try {
    impl_->Apply(std::move(loaded));
  } catch (...) {
    impl_->Stop();
    throw;
  }
  Log::Info("egov-agent started", {{"config", impl_->path.empty() ? "(defaults)" : impl_->path},
                                   {"host", impl_->current->config.host}});
}

Agent::~Agent() {
  impl_->Stop();
  Log::Info("egov-agent stopped");
}

bool Agent::Reload() {
  try {
    impl_->Apply(
        std::make_shared<const Loaded>(Load(impl_->path, impl_->overrides, impl_->engine)));
    Log::Info("configuration reloaded", {{"config", impl_->path}});
    return true;
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) {
      Log::Error("reload failed; keeping the running configuration",
                 {{"err", FormatDiagnostic(d)}});
    }
  } catch (const std::exception& e) {
    Log::Error("reload failed; keeping the running configuration", {{"err", e.what()}});
  }
  impl_->store->Update([](Snapshot& s) { s.config_reload_ok = false; });
  return false;
}

int Agent::port() const { return impl_->http ? impl_->http->port() : 0; }

std::shared_ptr<const SnapshotStore> Agent::store() const { return impl_->store; }

}  // namespace egov::agent
