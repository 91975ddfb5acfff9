#include "agents/domains.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "agents/log.h"
#include "common/domain_metadata.h"

namespace egov::agent {

LibvirtState ReadDomains(const libvirt::Connection& conn) {
  LibvirtState state;
  state.up = true;
  // The test driver runs no guest and reports the wall clock as a domain's CPU time: its
  // domains have used no CPU, and say so.
  const bool simulated = conn.Type() == "TEST";
  for (const auto& dom : conn.ListAllDomains()) {
    const auto xml = libvirt::GetDomainMetadata(dom.get(), kMetadataNamespace);
    const auto metadata = xml ? ParseMetadataElement(*xml) : std::nullopt;
    if (!metadata) {
      ++state.unmanaged;
      continue;
    }
    const libvirt::DomainInfo info = libvirt::GetDomainInfo(dom.get());
    DomainState d;
    d.name = info.name;
    d.uuid = info.uuid;
    d.metadata = *metadata;
    d.state = info.state;
    d.up = info.state == VIR_DOMAIN_RUNNING || info.state == VIR_DOMAIN_BLOCKED;
    d.vcpus = info.vcpus;
    d.memory_bytes = info.memory_kib * 1024;
    d.max_memory_bytes = info.max_memory_kib * 1024;
    d.cpu_seconds = simulated ? 0 : static_cast<double>(info.cpu_time_ns) / 1e9;
    state.domains.push_back(std::move(d));
  }
  std::sort(state.domains.begin(), state.domains.end(),
            [](const DomainState& a, const DomainState& b) { return a.name < b.name; });
  return state;
}

namespace {

// libvirt takes every event callback as one generic type; void(*)() converts to and from any
// function pointer type without a cast-function-type warning.
template <typename F>
virConnectDomainEventGenericCallback Generic(F* f) {
  return reinterpret_cast<virConnectDomainEventGenericCallback>(reinterpret_cast<void (*)()>(f));
}

}  // namespace

struct DomainWatcher::Impl {
  std::string uri;
  std::chrono::milliseconds interval;
  Publish publish;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  bool event = false;  // a domain event arrived since the last read
  std::thread thread;

  // Runs on libvirt's event-loop thread: only flags the watcher to read again.
  static void OnEvent(void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    {
      std::lock_guard lock(self->mutex);
      self->event = true;
    }
    self->wake.notify_all();
  }
  static int OnLifecycle(virConnectPtr, virDomainPtr, int, int, void* opaque) {
    OnEvent(opaque);
    return 0;
  }
  static void OnMetadata(virConnectPtr, virDomainPtr, int, const char*, void* opaque) {
    OnEvent(opaque);
  }

  // Waits for `d`, a domain event or stop; false on stop.
  bool Wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, d, [&] { return stop || event; });
    event = false;
    return !stop;
  }

  void Run() {
    std::unique_ptr<libvirt::Connection> conn;
    std::vector<int> callbacks;
    const auto disconnect = [&] {
      if (!conn) return;
      for (int id : callbacks) conn->DeregisterDomainEvent(id);
      callbacks.clear();
      conn.reset();
    };
    auto backoff = std::chrono::milliseconds(1000);
    bool was_up = false;
    bool first = true;
    const auto down = [&](const std::string& why) {
      if (was_up || first) Log::Warn("libvirt unreachable", {{"uri", uri}, {"err", why}});
      was_up = false;
      first = false;
      publish(std::make_shared<const LibvirtState>());
    };
    while (!stop) {
      if (conn && !conn->IsAlive()) {
        const int reason = conn->close_reason();
        disconnect();
        down("connection closed (reason " + std::to_string(reason) + ")");
      }
      if (!conn) {
        try {
          conn = libvirt::Connection::Open(
              uri, {.keepalive_interval = 5, .keepalive_count = 3, .read_only = true});
          const std::pair<int, virConnectDomainEventGenericCallback> events[] = {
              {VIR_DOMAIN_EVENT_ID_LIFECYCLE, Generic(&OnLifecycle)},
              {VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, Generic(&OnMetadata)}};
          for (const auto& [id, callback] : events) {
            // Drivers without events still work, by polling.
            if (const int cb = conn->RegisterDomainEvent(id, callback, this); cb >= 0) {
              callbacks.push_back(cb);
            }
          }
          backoff = std::chrono::milliseconds(1000);
        } catch (const libvirt::Error& e) {
          down(e.what());
          if (!Wait(backoff)) break;
          backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
          continue;
        }
      }
      try {
        auto state = std::make_shared<const LibvirtState>(ReadDomains(*conn));
        if (!was_up) {
          Log::Info("libvirt connected",
                    {{"uri", uri},
                     {"managed_domains", std::to_string(state->domains.size())},
                     {"unmanaged_domains", std::to_string(state->unmanaged)}});
        }
        was_up = true;
        first = false;
        publish(std::move(state));
      } catch (const libvirt::Error& e) {
        if (e.connection_lost() || !conn->IsAlive()) {
          disconnect();
          down(e.what());
          if (!Wait(backoff)) break;
          continue;
        }
        // A domain vanished between listing and reading it, or similar: try again soon.
        Log::Debug("libvirt read failed", {{"uri", uri}, {"err", e.what()}});
        if (!Wait(std::min(interval, std::chrono::milliseconds(1000)))) break;
        continue;
      }
      if (!Wait(interval)) break;
    }
    disconnect();
  }
};

DomainWatcher::DomainWatcher(std::string uri, std::chrono::milliseconds interval, Publish publish)
    : impl_(std::make_unique<Impl>()) {
  impl_->uri = std::move(uri);
  impl_->interval = interval;
  impl_->publish = std::move(publish);
  impl_->thread = std::thread([this] { impl_->Run(); });
}

DomainWatcher::~DomainWatcher() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
}

}  // namespace egov::agent
