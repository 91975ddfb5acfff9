#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egov {

/// Parses a size such as `512Mi`, `4Gi`, `2Ti`, `10G` or `1048576` into bytes.
/// Binary suffixes Ki..Pi are powers of 1024, decimal K..P powers of 1000.
/// Returns nullopt on anything else (negative, fractional, overflow, unknown unit).
std::optional<uint64_t> ParseSize(std::string_view text);

/// Parses a duration such as `30s`, `5m`, `90d`, `1h30m` or `250ms`; units ms, s, m, h, d, w.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// A calendar date (no time of day), as in certificate and waiver expiry.
using Date = std::chrono::sys_days;

/// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2026-02-30.
std::optional<Date> ParseDate(std::string_view text);

/// Formats a date as `YYYY-MM-DD`.
std::string FormatDate(Date date);

/// Formats bytes with the largest binary unit that divides them (`8Gi`, `1536Mi`, `100`).
std::string FormatSize(uint64_t bytes);

/// Formats a duration with the largest unit that divides it (`30s`, `5m`, `90d`).
std::string FormatDuration(std::chrono::milliseconds duration);

/// Today's date in UTC; EGOV_TODAY=YYYY-MM-DD overrides it so that tests and reports can be
/// reproduced on a fixed day.
Date Today();

}  // namespace egov
