#include "common/clock.h"

#include <charconv>
#include <cstdio>

namespace egov {
namespace {

bool TakeInt(std::string_view& s, size_t digits, int& out) {
  if (s.size() < digits) return false;
  for (size_t i = 0; i < digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data(), s.data() + digits, out);
  s.remove_prefix(digits);
  return true;
}

bool TakeChar(std::string_view& s, std::string_view allowed) {
  if (s.empty() || allowed.find(s.front()) == std::string_view::npos) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::string FormatTimestamp(std::chrono::system_clock::time_point t, TimePrecision precision) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<microseconds>(t - day)};
  char buf[48];  // room for any int in every field, so no truncation is possible
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                              unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                              int(hms.minutes().count()), int(hms.seconds().count()));
  const auto us = hms.subseconds().count();
  if (precision == TimePrecision::kMilliseconds) {
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", int(us / 1000));
  } else if (precision == TimePrecision::kMicroseconds) {
    std::snprintf(buf + n, sizeof buf - n, ".%06dZ", int(us));
  } else {
    std::snprintf(buf + n, sizeof buf - n, "Z");
  }
  return buf;
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::chrono::sys_seconds> ParseTimestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!TakeInt(s, 4, y) || !TakeChar(s, "-") || !TakeInt(s, 2, mo) || !TakeChar(s, "-") ||
      !TakeInt(s, 2, d) || !TakeChar(s, "Tt ") || !TakeInt(s, 2, h) || !TakeChar(s, ":") ||
      !TakeInt(s, 2, mi) || !TakeChar(s, ":") || !TakeInt(s, 2, sec)) {
    return std::nullopt;
  }
  if (TakeChar(s, ".")) {
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (!TakeChar(s, "Zz")) {
    const bool negative = !s.empty() && s.front() == '-';
    int oh = 0, om = 0;
    if (!TakeChar(s, "+-") || !TakeInt(s, 2, oh) || !TakeChar(s, ":") || !TakeInt(s, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (negative ? -1 : 1) * (oh * 60 + om);
  }
  if (!s.empty() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(mo)),
                                        std::chrono::day(unsigned(d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec) - std::chrono::minutes(offset_minutes);
}

}  // namespace egov
