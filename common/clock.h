#pragma once

#include <chrono>
#include <string>

// Wall-clock time as the project writes it: UTC, RFC 3339.
namespace egov {

enum class TimePrecision { kSeconds, kMilliseconds };

/// `2026-11-23T01:02:03Z`, or `2026-11-23T01:02:03.041Z` with milliseconds (truncated).
std::string FormatTimestamp(std::chrono::system_clock::time_point t,
                            TimePrecision precision = TimePrecision::kSeconds);

/// Seconds since the Unix epoch, as Prometheus timestamps are.
double UnixNow();

}  // namespace egov
