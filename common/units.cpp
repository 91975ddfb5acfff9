#include "common/units.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

namespace egov {
namespace {

// Reads a non-negative decimal integer at the front of `text`, advancing it.
std::optional<uint64_t> TakeNumber(std::string_view& text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<size_t>(ptr - text.data()));
  return value;
}

std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace

std::optional<uint64_t> ParseSize(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 10> kUnits = {{
      {"Ki", 1ULL << 10},
      {"Mi", 1ULL << 20},
      {"Gi", 1ULL << 30},
      {"Ti", 1ULL << 40},
      {"Pi", 1ULL << 50},
      {"K", 1000ULL},
      {"M", 1000ULL * 1000},
      {"G", 1000ULL * 1000 * 1000},
      {"T", 1000ULL * 1000 * 1000 * 1000},
      {"P", 1000ULL * 1000 * 1000 * 1000 * 1000},
  }};
  auto number = TakeNumber(text);
  if (!number) return std::nullopt;
  if (text.empty()) return number;
  for (const auto& [suffix, factor] : kUnits) {
    if (text == suffix) return CheckedMul(*number, factor);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 6> kUnits = {{
      {"ms", 1},
      {"s", 1000},
      {"m", 60 * 1000},
      {"h", 3600 * 1000},
      {"d", 86400 * 1000},
      {"w", 7 * 86400 * 1000},
  }};
  if (text.empty()) return std::nullopt;
  uint64_t total = 0;
  size_t last_rank = kUnits.size();  // units must go from larger to smaller: 1h30m, not 30m1h
  while (!text.empty()) {
    auto number = TakeNumber(text);
    if (!number) return std::nullopt;
    size_t rank = kUnits.size();
    // Longest match first so that "ms" is not read as "m" followed by garbage.
    for (size_t i = 0; i < kUnits.size(); ++i) {
      const auto& suffix = kUnits[i].first;
      if (text.substr(0, suffix.size()) == suffix &&
          (rank == kUnits.size() || suffix.size() > kUnits[rank].first.size())) {
        rank = i;
      }
    }
    if (rank == kUnits.size()) return std::nullopt;
    if (last_rank != kUnits.size() && kUnits[rank].second >= kUnits[last_rank].second) {
      return std::nullopt;
    }
    last_rank = rank;
    text.remove_prefix(kUnits[rank].first.size());
    auto part = CheckedMul(*number, kUnits[rank].second);
    if (!part || __builtin_add_overflow(total, *part, &total)) return std::nullopt;
  }
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto field = [&](size_t pos, size_t len) -> std::optional<unsigned> {
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, v);
    if (ec != std::errc() || ptr != text.data() + pos + len) return std::nullopt;
    return v;
  };
  auto y = field(0, 4), m = field(5, 2), d = field(8, 2);
  if (!y || !m || !d) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)), std::chrono::month(*m),
                                  std::chrono::day(*d)};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

std::string FormatDate(Date date) {
  std::chrono::year_month_day ymd(date);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string FormatSize(uint64_t bytes) {
  static constexpr std::array<std::pair<const char*, uint64_t>, 5> kUnits = {{
      {"Pi", 1ULL << 50},
      {"Ti", 1ULL << 40},
      {"Gi", 1ULL << 30},
      {"Mi", 1ULL << 20},
      {"Ki", 1ULL << 10},
  }};
  for (const auto& [suffix, factor] : kUnits) {
    if (bytes != 0 && bytes % factor == 0) return std::to_string(bytes / factor) + suffix;
  }
  return std::to_string(bytes);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  static constexpr std::array<std::pair<const char*, int64_t>, 5> kUnits = {{
      {"w", 7LL * 86400 * 1000},
      {"d", 86400LL * 1000},
      {"h", 3600LL * 1000},
      {"m", 60LL * 1000},
      {"s", 1000},
  }};
  const int64_t ms = duration.count();
  for (const auto& [suffix, factor] : kUnits) {
    if (ms != 0 && ms % factor == 0) return std::to_string(ms / factor) + suffix;
  }
  return std::to_string(ms) + "ms";
}

Date Today() {
  if (const char* fixed = std::getenv("EGOV_TODAY")) {
    if (auto d = ParseDate(fixed)) return *d;
  }
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

}  // namespace egov
