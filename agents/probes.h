#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/snapshot.h"

// Availability probes: every health URL on its own interval and timeout, many at once through
// one libcurl multi handle on one thread. Each probe opens a fresh connection (as
// blackbox_exporter does), so a broken listener or TLS setup cannot hide behind a kept-alive
// connection.
namespace egov::agent {

struct ProbeTarget {
  std::string workload;
  std::string domain;
  std::string url;
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds timeout{5000};
  int expect_status = 0;  ///< 0: any 2xx

  bool operator==(const ProbeTarget&) const = default;
};

/// Parses the `Expire date` libcurl reports for a certificate (OpenSSL's
/// `Jan  2 03:04:05 2030 GMT`) into Unix time. Pure.
std::optional<double> ParseCertDate(std::string_view text);

/// Runs probes on a thread of its own until destroyed. Thread-safe.
class Prober {
 public:
  using Publish = std::function<void(std::shared_ptr<const std::vector<ProbeState>>)>;

  /// `publish` receives the probe states (sorted by workload, domain) after probes complete,
  /// at most every 100 ms while probes are in flight and at once when none are.
  explicit Prober(Publish publish);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  /// Replaces the targets and settings. Targets that stay keep their counters and schedule;
  /// new ones are probed at once; removed ones vanish from the next publication.
  void Configure(std::vector<ProbeTarget> targets, int concurrency, std::string ca_file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace egov::agent
