#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/config.h"
#include "agents/snapshot.h"

// `egov-agent run`: the long-running agent. It owns the HTTP server, the scan thread, the
// prober and the libvirt watcher, and applies a new configuration to all of them at once.
namespace egov::agent {

/// What one scan produced: the results document (docs/results.md).
struct ScanOutcome {
  nlohmann::json results;
};

/// Runs one scan for a configuration. The default runs `egov-agent scan`, found beside the
/// running program, in a child process (scan_process.h); tests substitute their own (a scan
/// that hangs, a scan that throws).
using ScanFunction = std::function<ScanOutcome(const AgentConfig&)>;

class Agent {
 public:
  /// Loads `config_path` (empty: defaults) with `overrides`, the web config, profiles and
  /// waivers; binds the listener; starts scanning, probing and watching libvirt. Throws
  /// ConfigError for bad configuration (exit 2) and std::runtime_error when the address cannot
  /// be bound.
  Agent(std::string config_path, ConfigOverrides overrides, ScanFunction scan = nullptr);
  /// Stops everything: the listener first, then the threads.
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  /// Reads everything again (SIGHUP). On any error the running configuration stays, the error
  /// is logged and egov_agent_config_last_reload_successful becomes 0. Returns success.
  bool Reload();

  /// The port the HTTP server listens on.
  int port() const;
  std::shared_ptr<const SnapshotStore> store() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the scan thread, which may outlive a stop
};

}  // namespace egov::agent
