#include "common/clock.h"

#include <cstdio>

namespace egov {

std::string FormatTimestamp(std::chrono::system_clock::time_point t, TimePrecision precision) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<milliseconds>(t - day)};
  char buf[48];  // room for any int in every field, so no truncation is possible
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                              unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                              int(hms.minutes().count()), int(hms.seconds().count()));
  if (precision == TimePrecision::kMilliseconds) {
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", int(hms.subseconds().count()));
  } else {
    std::snprintf(buf + n, sizeof buf - n, "Z");
  }
  return buf;
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace egov
