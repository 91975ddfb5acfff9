#pragma once

#include <optional>
#include <string_view>

// The standard process_* metrics (Prometheus' "standard exports"), read from /proc/self because
// prometheus-cpp has no process collector.
namespace egov::agent {

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_memory_bytes = 0;
  double virtual_memory_bytes = 0;
  double start_time_seconds = 0;  ///< Unix time
  double open_fds = 0;
  double max_fds = 0;
};

/// Interprets /proc/self/stat (`stat`) with the clock ticks per second, the page size and the
/// boot time (Unix seconds, /proc/stat `btime`). Fills cpu, memory and start time; nullopt
/// when the text is not a stat line. Pure.
std::optional<ProcessStats> ParseProcStat(std::string_view stat, long ticks_per_second,
                                          long page_size, double boot_time);

/// Finds `btime` in the text of /proc/stat. Pure.
std::optional<double> ParseBootTime(std::string_view proc_stat);

/// Reads this process' figures now; fields it cannot read stay 0.
ProcessStats ReadProcessStats();

}  // namespace egov::agent
