#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "agents/process_stats.h"
#include "agents/snapshot.h"

// Every metric family the agent exports is declared here (names and labels are the contract
// in DESIGN.md) and built from one snapshot at scrape time, so controls, domains and probes
// that go away vanish from the next scrape.
namespace egov::agent {

/// Builds every egov_* family from `snapshot`; families without samples are left out. Pure:
/// the same snapshot always gives the same families, so callers may render it once.
std::vector<prometheus::MetricFamily> BuildFamilies(const Snapshot& snapshot);

/// The process_* families.
std::vector<prometheus::MetricFamily> BuildProcessFamilies(const ProcessStats& process);

/// The Prometheus text exposition (format 0.0.4) of `families`.
std::string RenderText(const std::vector<prometheus::MetricFamily>& families);

/// The content type of RenderText's output.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace egov::agent
