#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/scan.h"
#include "common/domain_metadata.h"

// The agent's view of the world, published as one immutable value: the scan, libvirt and probe
// threads each replace their part, and every HTTP request reads whole snapshots without locks
// or waiting, so a slow scan or a hung libvirt call never delays a scrape.
namespace egov::agent {

/// One control's latest result, as the metrics need it (derived from checks::ControlResult).
struct ControlResult {
  std::string id;
  std::string group;
  std::string feature;
  std::string severity;
  std::string status;                   ///< pass, fail, error, skipped, not_applicable, waived
  std::string waiver;                   ///< waiver name when waived
  std::optional<double> waiver_expiry;  ///< Unix time the waiver stops applying
};

struct FeatureResult {
  std::string group;
  std::string feature;
  bool passed = false;
};

struct ProfileResult {
  std::string name;
  std::vector<ControlResult> controls;
  std::vector<FeatureResult> features;
  std::map<std::string, int> counts;  ///< per status, every status present
  std::optional<double> ratio;        ///< pass / applicable; unset with nothing applicable
  double duration_seconds = 0;
};

/// The latest completed scan: the results document (docs/results.md) as served by
/// /api/v1/results, and what the metrics read from it.
struct ScanState {
  std::string results_json;
  std::vector<ProfileResult> profiles;
  double finished_at = 0;       ///< Unix time
  uint64_t check_timeouts = 0;  ///< controls abandoned on their timeout (`timed_out`)
};

/// The metrics' view of a scan's results.
ScanState ScanStateFromScan(const checks::ScanResult& scan, double finished_at);
/// Reads a results document (checks::ScanResultFromJson) into the metrics' view, and keeps the
/// document to serve. Throws ConfigError (a std::runtime_error) when it does not follow the
/// contract.
ScanState ScanStateFromResults(const nlohmann::json& results, double finished_at);

struct ScanCounters {
  uint64_t scans = 0;
  uint64_t failures = 0;
  uint64_t check_timeouts = 0;
};

/// A managed domain (one with the project's metadata element) as libvirt reports it.
struct DomainState {
  std::string name;
  std::string uuid;
  DomainMetadata metadata;
  int state = 0;  ///< virDomainState
  bool up = false;
  unsigned vcpus = 0;
  uint64_t memory_bytes = 0;
  uint64_t max_memory_bytes = 0;
  double cpu_seconds = 0;
};

struct LibvirtState {
  bool up = false;
  std::vector<DomainState> domains;  ///< managed domains, sorted by name
  int unmanaged = 0;                 ///< domains without the metadata element
};

/// The last probe of one health URL and the counters since the target appeared.
struct ProbeState {
  std::string workload;
  std::string domain;
  uint64_t attempts = 0;
  uint64_t failures = 0;
  bool probed = false;  ///< false until the first probe finished
  bool success = false;
  double duration_seconds = 0;
  int http_status = 0;
  std::optional<double> cert_expiry;   ///< leaf certificate notAfter, Unix time (https)
  std::optional<double> last_success;  ///< Unix time
};

struct Snapshot {
  std::shared_ptr<const ScanState> scan;  ///< null until the first scan completes
  ScanCounters scan_counters;
  std::shared_ptr<const LibvirtState> libvirt;  ///< null when no libvirt URI is configured
  std::shared_ptr<const std::vector<ProbeState>> probes;  ///< sorted by workload, domain
  bool config_reload_ok = true;
  double config_reload_time = 0;  ///< Unix time of the last (re)load attempt
  /// When the provider's certification lapses (the end of its last day), Unix time; unset when
  /// the configuration does not say.
  std::optional<double> certification_expiry;
};

/// Whether start-up is over: the first scan has ended (when `scans`), libvirt is connected (when
/// configured) and each of the `probe_targets` has been probed once. The code and data of
/// start-up are then no longer needed, and the agent releases them.
bool StartupSettled(const Snapshot& s, bool scans, size_t probe_targets);

/// Holds the current snapshot. Get() is lock-free for readers; Update() serialises writers
/// and publishes a new snapshot built from a copy of the current one.
class SnapshotStore {
 public:
  SnapshotStore() : current_(std::make_shared<const Snapshot>()) {}

  std::shared_ptr<const Snapshot> Get() const { return current_.load(); }

  void Update(const std::function<void(Snapshot&)>& change) {
    std::lock_guard lock(writer_);
    auto next = std::make_shared<Snapshot>(*current_.load());
    change(*next);
    current_.store(std::move(next));
  }

 private:
  std::mutex writer_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace egov::agent
