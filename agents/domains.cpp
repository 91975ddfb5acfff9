#include "agents/domains.h"

#include <algorithm>
#include <atomic>
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

namespace {

// What libvirt's event callbacks reach: it lives as long as a registration holds it (the
// registration frees it), so an event on a connection left behind on a timeout is harmless.
struct Wakeup {
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> stop{false};
  bool event = false;  // a domain event arrived since the last read
};

void OnEvent(void* opaque) {
  auto& w = **static_cast<std::shared_ptr<Wakeup>*>(opaque);
  {
    std::lock_guard lock(w.mutex);
    w.event = true;
  }
  w.cv.notify_all();
}
int OnLifecycle(virConnectPtr, virDomainPtr, int, int, void* opaque) {
  OnEvent(opaque);
  return 0;
}
void OnMetadata(virConnectPtr, virDomainPtr, int, const char*, void* opaque) { OnEvent(opaque); }
void FreeWakeup(void* opaque) { delete static_cast<std::shared_ptr<Wakeup>*>(opaque); }

struct Opened {
  std::shared_ptr<libvirt::Connection> conn;
  std::vector<int> callbacks;
};

}  // namespace

struct DomainWatcher::Impl {
  std::string uri;
  std::chrono::milliseconds interval;
  std::chrono::milliseconds timeout;
  Publish publish;
  std::shared_ptr<Wakeup> wakeup = std::make_shared<Wakeup>();
  // Set while a libvirt call runs, also one left behind on its timeout: no other call starts
  // until it has returned, so a daemon that never answers holds one thread, not one per try.
  std::shared_ptr<std::atomic<bool>> calling = std::make_shared<std::atomic<bool>>(false);
  std::thread thread;

  // Waits for `d`, a domain event or stop; false on stop.
  bool Wait(std::chrono::milliseconds d) {
    std::unique_lock lock(wakeup->mutex);
    wakeup->cv.wait_for(lock, d, [&] { return wakeup->stop || wakeup->event; });
    wakeup->event = false;
    return !wakeup->stop;
  }

  // Runs `call` (which holds what it uses) within `timeout`; `cancel`: also give up at stop.
  template <typename F>
  auto Call(const std::string& what, F call, bool cancel = true) {
    if (*calling) {
      throw libvirt::Error(what + ": libvirt has not answered an earlier call", 0, 0, true);
    }
    *calling = true;
    return libvirt::CallWithTimeout(
        timeout, what,
        [calling = calling, call = std::move(call)]() mutable {
          struct Done {
            std::atomic<bool>& flag;
            ~Done() { flag = false; }
          } done{*calling};
          return call();
        },
        cancel ? &wakeup->stop : nullptr);
  }

  Opened Open() {
    return Call("cannot connect to " + uri, [uri = uri, wakeup = wakeup] {
      Opened o;
      o.conn = libvirt::Connection::Open(
          uri, {.keepalive_interval = 5, .keepalive_count = 3, .read_only = true});
      const std::pair<int, virConnectDomainEventGenericCallback> events[] = {
          {VIR_DOMAIN_EVENT_ID_LIFECYCLE, Generic(&OnLifecycle)},
          {VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, Generic(&OnMetadata)}};
      for (const auto& [id, callback] : events) {
        // Drivers without events still work, by polling.
        auto* opaque = new std::shared_ptr<Wakeup>(wakeup);
        if (const int cb = o.conn->RegisterDomainEvent(id, callback, opaque, FreeWakeup); cb >= 0) {
          o.callbacks.push_back(cb);
        } else {
          delete opaque;
        }
      }
      return o;
    });
  }

  // Closing is a call to the daemon too: bounded, and left to finish in the background.
  void Close(Opened& o) {
    if (!o.conn) return;
    try {
      Call(
          "closing the connection to " + uri,
          [o = std::move(o)]() mutable {
            for (int id : o.callbacks) o.conn->DeregisterDomainEvent(id);
            o.conn.reset();
            return true;
          },
          false);
    } catch (const libvirt::Error& e) {
      Log::Debug("libvirt close left behind", {{"uri", uri}, {"err", e.what()}});
    }
    o = {};
  }

  void Run() {
    Opened opened;
    auto backoff = std::chrono::milliseconds(1000);
    bool was_up = false;
    bool first = true;
    const auto down = [&](const std::string& why) {
      if (wakeup->stop) return;
      if (was_up || first) Log::Warn("libvirt unreachable", {{"uri", uri}, {"err", why}});
      was_up = false;
      first = false;
      publish(std::make_shared<const LibvirtState>());
    };
    while (!wakeup->stop) {
      if (opened.conn && !opened.conn->IsAlive()) {
        const int reason = opened.conn->close_reason();
        Close(opened);
        down("connection closed (reason " + std::to_string(reason) + ")");
      }
      if (!opened.conn) {
        try {
          opened = Open();
          backoff = std::chrono::milliseconds(1000);
        } catch (const libvirt::Error& e) {
          down(e.what());
          if (!Wait(backoff)) break;
          backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
          continue;
        }
      }
      try {
        auto state = Call("reading the domains of " + uri, [conn = opened.conn] {
          return std::make_shared<const LibvirtState>(ReadDomains(*conn));
        });
        if (!was_up) {
          Log::Info("libvirt connected",
                    {{"uri", uri},
                     {"managed_domains", std::to_string(state->domains.size())},
                     {"unmanaged_domains", std::to_string(state->unmanaged)}});
        }
        was_up = true;
        first = false;
        if (!wakeup->stop) publish(std::move(state));
      } catch (const libvirt::Error& e) {
        if (e.connection_lost() || !opened.conn->IsAlive()) {
          Close(opened);
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
    Close(opened);
  }
};

DomainWatcher::DomainWatcher(std::string uri, std::chrono::milliseconds interval,
                             std::chrono::milliseconds timeout, Publish publish)
    : impl_(std::make_unique<Impl>()) {
  impl_->uri = std::move(uri);
  impl_->interval = interval;
  impl_->timeout = timeout;
  impl_->publish = std::move(publish);
  impl_->thread = std::thread([this] { impl_->Run(); });
}

DomainWatcher::~DomainWatcher() {
  {
    std::lock_guard lock(impl_->wakeup->mutex);
    impl_->wakeup->stop = true;
  }
  impl_->wakeup->cv.notify_all();
  impl_->thread.join();
}

}  // namespace egov::agent
