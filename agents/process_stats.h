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

/// Asks the kernel to reclaim the pages of this process' file mappings (its code and the
/// libraries') that no other process maps: madvise(MADV_PAGEOUT) on every mapping with an
/// inode. Start-up (loading ~60 libraries, initialising OpenSSL, GnuTLS, libvirt, the first
/// libvirt refresh and probe round) touches far more code than the agent runs afterwards, and
/// those pages would otherwise stay resident until memory runs short; the pages still in use
/// come back on their next fault.
/// They come back one page at a time: the mappings are also marked MADV_RANDOM, because the
/// kernel otherwise reads around every fault (read_ahead_kb: 8 MB on the machines we measure)
/// and maps whole large folios of code the agent never runs.
/// Never loses data: clean file pages are dropped; pages the process wrote (relocations, data)
/// stay, or go to swap if there is any. Returns how many mappings were advised.
size_t ReleaseFilePages();

}  // namespace egov::agent
