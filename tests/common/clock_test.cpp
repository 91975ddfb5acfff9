#include "common/clock.h"

#include <gtest/gtest.h>

namespace egov {
namespace {

using namespace std::chrono;

TEST(FormatTimestamp, Rfc3339InUtcToTheSecondOrMillisecond) {
  const struct {
    system_clock::time_point t;
    TimePrecision precision;
    std::string want;
  } cases[] = {
      {system_clock::time_point{}, TimePrecision::kSeconds, "1970-01-01T00:00:00Z"},
      {sys_days{2026y / 11 / 23} + 1h + 2min + 3s, TimePrecision::kSeconds, "2026-11-23T01:02:03Z"},
      {sys_days{2026y / 11 / 23} + 1h + 2min + 3s + 41ms + 999us, TimePrecision::kSeconds,
       "2026-11-23T01:02:03Z"},  // truncated, never rounded up
      {sys_days{2026y / 11 / 23} + 1h + 2min + 3s + 41ms + 999us, TimePrecision::kMilliseconds,
       "2026-11-23T01:02:03.041Z"},
      {sys_days{2024y / 2 / 29} + 23h + 59min + 59s, TimePrecision::kMilliseconds,
       "2024-02-29T23:59:59.000Z"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatTimestamp(c.t, c.precision), c.want);
}

TEST(FormatTimestamp, TakesWholeSecondsAsTheAuditGivesThem) {
  const sys_seconds t = sys_days{2030y / 1 / 2} + 3h + 4min + 5s;
  EXPECT_EQ(FormatTimestamp(t), "2030-01-02T03:04:05Z");
}

TEST(UnixNow, IsTheSystemClockInSeconds) {
  const double before = duration<double>(system_clock::now().time_since_epoch()).count();
  const double now = UnixNow();
  EXPECT_GE(now, before);
  EXPECT_LT(now - before, 60);
}

}  // namespace
}  // namespace egov
