#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// Wall-clock time as the project writes it: UTC, RFC 3339.
namespace egov {

enum class TimePrecision { kSeconds, kMilliseconds, kMicroseconds };

/// `2026-11-23T01:02:03Z`, or `2026-11-23T01:02:03.041Z` with milliseconds, or
/// `2026-11-23T01:02:03.041007Z` with microseconds (truncated).
std::string FormatTimestamp(std::chrono::system_clock::time_point t,
                            TimePrecision precision = TimePrecision::kSeconds);

/// Parses RFC 3339 (`2026-11-23T01:02:03Z`; fractional seconds and `+07:00` offsets allowed,
/// fractions dropped).
std::optional<std::chrono::sys_seconds> ParseTimestamp(std::string_view text);

/// Seconds since the Unix epoch, as Prometheus timestamps are.
double UnixNow();

}  // namespace egov
