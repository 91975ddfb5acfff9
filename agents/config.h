#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/log.h"
#include "common/diagnostics.h"
#include "common/units.h"

// The agent's configuration file (`egov-agent run -c agent.yaml`): one strict YAML mapping,
// unknown keys are errors with file:line:col. Command-line flags override it (Overrides).
namespace egov::agent {

using std::chrono::milliseconds;

/// A host and port to listen on: `127.0.0.1:9464`, `[::1]:9464`, `localhost:0`.
struct ListenAddress {
  std::string host;
  int port = 0;  ///< 0: any free port (tests); the bound port is logged

  bool operator==(const ListenAddress&) const = default;
};

/// Parses `HOST:PORT` (IPv6 in brackets); nullopt with the reason in `error`.
std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string& error);

/// One health URL to probe besides those of the managed domains.
struct ProbeTargetConfig {
  std::string workload;
  std::string domain;  ///< optional
  std::string url;
  std::optional<milliseconds> interval;  ///< unset: probes.interval
  std::optional<milliseconds> timeout;   ///< unset: probes.timeout
  int expect_status = 0;                 ///< 0: any 2xx
};

struct ScanConfig {
  std::string root = "/";
  std::vector<std::string> profiles;  ///< names under profile_dir, or paths to files
  std::string profile_dir;            ///< default: the installed profiles/
  std::optional<int> level;           ///< security level to scan at (1-5)
  milliseconds interval{std::chrono::hours(1)};
  milliseconds check_timeout{std::chrono::seconds(10)};
  std::string waivers;  ///< file or directory of `kind: Waiver` documents; optional
  /// What a scan child may allocate (its own limit, inside the unit's MemoryMax): a runaway
  /// scan fails alone instead of taking the agent over the unit's limit.
  uint64_t memory_limit = 96 << 20;
};

struct LibvirtConfig {
  std::string uri;  ///< empty: libvirt is not read
  milliseconds refresh_interval{std::chrono::seconds(15)};
  /// Bound on every libvirt call (open included); a daemon that does not answer in time is
  /// reported down, so reload and stop never wait for it.
  milliseconds timeout{std::chrono::seconds(4)};
};

struct ProbesConfig {
  milliseconds interval{std::chrono::seconds(30)};
  milliseconds timeout{std::chrono::seconds(5)};
  int concurrency = 64;            ///< probes in flight at once
  bool domain_health_urls = true;  ///< probe the health-url of every managed domain
  std::string ca_file;             ///< extra CA bundle for https probes; empty: the system's
  std::vector<ProbeTargetConfig> targets;
};

/// Everything `egov-agent run` needs, validated.
struct AgentConfig {
  std::string file;  ///< the file it came from; empty when built from defaults and flags
  std::string host;  ///< name in results and waiver host globs; default: gethostname()
  ListenAddress listen{"127.0.0.1", 9464};
  std::string web_config_file;  ///< exporter-toolkit web config (TLS, basic auth); optional
  LogLevel log_level = LogLevel::kInfo;
  /// The last day the host's provider is certified (the inventory's `certification.expires`);
  /// exported as egov_provider_certification_expiry_timestamp_seconds.
  std::optional<Date> certification_expires;
  ScanConfig scan;
  LibvirtConfig libvirt;
  ProbesConfig probes;
};

/// When the provider's certification lapses: the end (UTC) of `certification_expires`, in Unix
/// time; nullopt when the configuration does not say.
std::optional<double> CertificationExpiry(const AgentConfig& config);

/// Command-line flags that take precedence over the file.
struct ConfigOverrides {
  std::optional<std::string> listen;
  std::optional<std::string> web_config_file;
  std::optional<std::string> host;
  std::optional<std::string> root;
  std::optional<std::string> libvirt_uri;
  std::optional<std::string> waivers;
  std::vector<std::string> profiles;
  std::optional<int> level;
  std::optional<std::string> scan_interval;
  std::optional<std::string> log_level;
};

/// Reads and validates `path` (empty: defaults only), then applies `overrides`. Relative paths
/// in the file are taken from the file's directory. Throws ConfigError naming every problem.
AgentConfig LoadAgentConfig(const std::string& path, const ConfigOverrides& overrides = {});

/// Same from text in memory; `name` stands for the file in messages and `base_dir` anchors
/// relative paths.
AgentConfig ParseAgentConfig(const std::string& name, std::string_view text,
                             const std::string& base_dir);

}  // namespace egov::agent
