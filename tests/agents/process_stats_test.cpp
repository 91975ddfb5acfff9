#include "agents/process_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace egov::agent {
namespace {

// /proc/self/stat of a process named "egov (agent) x", from proc(5)'s field layout.
constexpr const char* kStat =
    "4242 (egov (agent) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 5 0 "
    "123400 104857600 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStats, ParsesStatWithParenthesesInName) {
  const auto s = ParseProcStat(kStat, 100, 4096, 1700000000);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);  // (250 + 150) / 100
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1700000000 + 1234.0);
  EXPECT_DOUBLE_EQ(s->virtual_memory_bytes, 104857600);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 2048.0 * 4096);
}

TEST(ProcessStats, RefusesWhatIsNotAStatLine) {
  EXPECT_FALSE(ParseProcStat("", 100, 4096, 0));
  EXPECT_FALSE(ParseProcStat("4242 (x) S 1 2 3", 100, 4096, 0));
  EXPECT_FALSE(ParseProcStat("4242 x S 1", 100, 4096, 0));
  std::string garbled = kStat;
  garbled.replace(garbled.find(" 250 "), 5, " 2x0 ");
  EXPECT_FALSE(ParseProcStat(garbled, 100, 4096, 0));
  EXPECT_FALSE(ParseProcStat(kStat, 0, 4096, 0));
}

TEST(ProcessStats, FindsBootTime) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1700000000);
  EXPECT_FALSE(ParseBootTime("cpu 1\n"));
  EXPECT_FALSE(ParseBootTime("btime soon\n"));
}

TEST(ProcessStats, ReadsThisProcess) {
  const ProcessStats s = ReadProcessStats();
  EXPECT_GT(s.resident_memory_bytes, 0);
  EXPECT_GT(s.virtual_memory_bytes, s.resident_memory_bytes);
  EXPECT_GT(s.open_fds, 2);
  EXPECT_GE(s.max_fds, s.open_fds);
  EXPECT_GT(s.start_time_seconds, 1.6e9);
  EXPECT_LE(s.start_time_seconds, static_cast<double>(::time(nullptr)) + 1);
}

}  // namespace
}  // namespace egov::agent
