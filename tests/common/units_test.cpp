#include "common/units.h"

#include <gtest/gtest.h>

namespace egov {
namespace {

TEST(ParseSize, AcceptsBinaryAndDecimalUnits) {
  struct Case {
    const char* text;
    uint64_t bytes;
  } cases[] = {
      {"0", 0},
      {"1048576", 1048576},
      {"512Mi", 512ULL << 20},
      {"4Gi", 4ULL << 30},
      {"2Ti", 2ULL << 40},
      {"1Ki", 1024},
      {"1Pi", 1ULL << 50},
      {"10G", 10'000'000'000ULL},
      {"3M", 3'000'000},
      {"5K", 5000},
      {"1T", 1'000'000'000'000ULL},
  };
  for (const auto& c : cases) {
    auto v = ParseSize(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(*v, c.bytes) << c.text;
  }
}

TEST(ParseSize, RejectsMalformedText) {
  for (const char* text : {"", "-1Gi", "1.5Gi", "8GB", "Gi", "4 Gi", "4gi", "99999999999999Pi",
                           "0x10", "4Gi ", "+4Gi"}) {
    EXPECT_FALSE(ParseSize(text).has_value()) << text;
  }
}

TEST(ParseDuration, AcceptsUnitsAndCompounds) {
  using std::chrono::milliseconds;
  struct Case {
    const char* text;
    int64_t ms;
  } cases[] = {
      {"250ms", 250},       {"30s", 30'000},        {"5m", 300'000},
      {"2h", 7'200'000},    {"90d", 7'776'000'000}, {"1w", 604'800'000},
      {"1h30m", 5'400'000}, {"1m30s", 90'000},      {"1s500ms", 1'500},
  };
  for (const auto& c : cases) {
    auto v = ParseDuration(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(v->count(), c.ms) << c.text;
  }
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* text : {"", "30", "30 seconds", "s", "-5m", "5y", "30m1h", "1m1m", "1.5h",
                           "99999999999999999999d"}) {
    EXPECT_FALSE(ParseDuration(text).has_value()) << text;
  }
}

TEST(ParseDate, AcceptsRealDatesOnly) {
  EXPECT_TRUE(ParseDate("2026-11-23").has_value());
  EXPECT_TRUE(ParseDate("2028-02-29").has_value());
  for (const char* text : {"2026-02-30", "2027-02-29", "2026-13-01", "2026-1-01", "26-01-01",
                           "2026/01/01", "2026-01-01T00:00", ""}) {
    EXPECT_FALSE(ParseDate(text).has_value()) << text;
  }
}

TEST(FormatDate, RoundTrips) { EXPECT_EQ(FormatDate(*ParseDate("2027-06-14")), "2027-06-14"); }

TEST(FormatSize, PicksLargestExactUnit) {
  EXPECT_EQ(FormatSize(8ULL << 30), "8Gi");
  EXPECT_EQ(FormatSize(1536ULL << 20), "1536Mi");
  EXPECT_EQ(FormatSize(100), "100");
}

TEST(FormatDuration, PicksLargestExactUnit) {
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(30'000)), "30s");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(90 * 86'400'000LL)), "90d");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace egov
