#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agents/snapshot.h"
#include "common/libvirt.h"

// The host's libvirt as the agent sees it: managed domains (those with the project's metadata
// element) and whether the daemon answers.
namespace egov::agent {

/// Reads every domain once: managed ones with their state and resources, and the number of
/// unmanaged ones. Throws libvirt::Error.
LibvirtState ReadDomains(const libvirt::Connection& conn);

/// Watches one libvirt URI on a thread of its own: reads the domains every `interval` and at
/// once on domain lifecycle or metadata events; when the connection dies (daemon restarted,
/// keepalive timeout) or a call gets no answer within `timeout` (open included), publishes
/// `up = false`, logs why, and reconnects with backoff (1 s doubling to 30 s). The connection
/// is read-only: the agent never changes a domain.
class DomainWatcher {
 public:
  using Publish = std::function<void(std::shared_ptr<const LibvirtState>)>;

  DomainWatcher(std::string uri, std::chrono::milliseconds interval,
                std::chrono::milliseconds timeout, Publish publish);
  /// Stops the thread at once: a libvirt call in progress is left to end in the background.
  ~DomainWatcher();
  DomainWatcher(const DomainWatcher&) = delete;
  DomainWatcher& operator=(const DomainWatcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace egov::agent
