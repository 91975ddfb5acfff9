#include "agents/process_stats.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace egov::agent {
namespace {

std::string ReadSmallFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename T>
bool ToNumber(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(std::string_view stat, long ticks_per_second,
                                          long page_size, double boot_time) {
  // The command name is in parentheses and may itself hold spaces and parentheses.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state) of proc(5)
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
  long long rss = 0;
  if (fields.size() < 22 || !ToNumber(fields[11], utime) || !ToNumber(fields[12], stime) ||
      !ToNumber(fields[19], start) || !ToNumber(fields[20], vsize) || !ToNumber(fields[21], rss)) {
    return std::nullopt;
  }
  ProcessStats s;
  const auto ticks = static_cast<double>(ticks_per_second);
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  s.start_time_seconds = boot_time + static_cast<double>(start) / ticks;
  s.virtual_memory_bytes = static_cast<double>(vsize);
  s.resident_memory_bytes = static_cast<double>(rss) * static_cast<double>(page_size);
  return s;
}

std::optional<double> ParseBootTime(std::string_view proc_stat) {
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    auto end = proc_stat.find('\n', pos);
    if (end == std::string_view::npos) end = proc_stat.size();
    std::string_view line = proc_stat.substr(pos, end - pos);
    if (line.starts_with("btime ")) {
      long long value = 0;
      if (ToNumber(line.substr(6), value)) return static_cast<double>(value);
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

ProcessStats ReadProcessStats() {
  static const double boot_time = ParseBootTime(ReadSmallFile("/proc/stat")).value_or(0);
  ProcessStats s = ParseProcStat(ReadSmallFile("/proc/self/stat"), ::sysconf(_SC_CLK_TCK),
                                 ::sysconf(_SC_PAGESIZE), boot_time)
                       .value_or(ProcessStats{});
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    int count = 0;
    while (const dirent* e = ::readdir(dir)) count += e->d_name[0] != '.';
    ::closedir(dir);
    s.open_fds = count - 1;  // the directory stream's own descriptor
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = static_cast<double>(limit.rlim_cur);
  return s;
}

size_t ReleaseFilePages() {
  std::ifstream maps("/proc/self/maps");
  size_t advised = 0;
  std::string line;
  while (std::getline(maps, line)) {
    // start-end perms offset dev inode [path]
    unsigned long start = 0, end = 0, inode = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx %*s %*s %*s %lu", &start, &end, &inode) != 3 ||
        inode == 0) {
      continue;
    }
    void* const addr = reinterpret_cast<void*>(start);
    if (madvise(addr, end - start, MADV_PAGEOUT) == 0) ++advised;
    madvise(addr, end - start, MADV_RANDOM);  // no read-around on the faults that follow
  }
  return advised;
}

}  // namespace egov::agent
