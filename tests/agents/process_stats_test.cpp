#include "agents/process_stats.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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

// Rss of the mapping that starts at `start`, from /proc/self/smaps, in kB; -1 if not found.
long MappingRssKib(const void* start) {
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%lx-", reinterpret_cast<unsigned long>(start));
  std::ifstream smaps("/proc/self/smaps");
  bool in = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.starts_with(prefix)) in = true;
    if (in && line.starts_with("Rss:")) return std::stol(line.substr(4));
  }
  return -1;
}

TEST(ProcessStats, ReleaseFilePagesDropsCleanPagesAndKeepsData) {
  // A file on disk (the test's directory; tmpfs pages cannot be reclaimed without swap).
  const std::string path = "release_file_pages.bin";
  constexpr size_t kSize = 4 << 20;
  {
    std::string bytes(kSize, '\0');
    for (size_t i = 0; i < kSize; ++i) bytes[i] = static_cast<char>(i * 7 / 4096);
    std::ofstream(path, std::ios::binary) << bytes;
  }
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fdatasync(fd), 0);  // dirty pages are not reclaimed, only clean ones
  auto* code = static_cast<const char*>(::mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE, fd, 0));
  auto* data =
      static_cast<char*>(::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  ::close(fd);
  std::filesystem::remove(path);
  ASSERT_NE(code, MAP_FAILED);
  ASSERT_NE(data, MAP_FAILED);
  long sum = 0;
  for (size_t i = 0; i < kSize; i += 4096) sum += code[i];
  data[4096] = 'x';  // a private copy of one page: anonymous memory, which must survive
  ASSERT_GE(MappingRssKib(code), 4000) << sum;

  EXPECT_GE(ReleaseFilePages(), 2u);
  EXPECT_LT(MappingRssKib(code), 1000);  // nothing else maps this file
  EXPECT_EQ(code[kSize / 2], static_cast<char>((kSize / 2) * 7 / 4096));
  EXPECT_LT(MappingRssKib(code), 64);  // one page read back, not the pages around it
  for (size_t i = 0; i < kSize; i += 4096) {
    ASSERT_EQ(code[i], static_cast<char>(i * 7 / 4096)) << i;  // read back from the file
  }
  EXPECT_EQ(data[4096], 'x');
  EXPECT_EQ(data[8192], static_cast<char>(8192 * 7 / 4096));
  ::munmap(const_cast<char*>(code), kSize);
  ::munmap(data, kSize);
}

}  // namespace
}  // namespace egov::agent
