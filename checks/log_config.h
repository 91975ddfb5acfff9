#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/context.h"

// logrotate and journald retention settings, parsed purely and loaded through the context.
namespace egov::checks {

/// Rotation settings in force for one block of files (globals inherited).
struct LogrotateRule {
  std::vector<std::string> patterns;  ///< file globs the block names
  std::optional<int64_t> rotate;      ///< rotated files kept
  std::optional<int> period_days;     ///< daily 1, weekly 7, monthly 30, yearly 365
  std::optional<int64_t> maxage;      ///< days
  std::string file;                   ///< where the block starts
  int line = 0;
  std::string rotate_file;  ///< where the `rotate` in force is written (the block or a global)
  int rotate_line = 0;

  /// Days of logs the rule keeps: rotate x period, capped by maxage; nullopt if unknown.
  std::optional<int64_t> RetentionDays() const;
  /// "rotate 4 weekly (28 days)".
  std::string Describe() const;
};

/// Settings outside any block, inherited by the blocks that follow.
struct LogrotateDefaults {
  std::optional<int64_t> rotate;
  std::optional<int> period_days;
  std::optional<int64_t> maxage;
  std::string rotate_file;
  int rotate_line = 0;
};

/// Parses one file. `defaults` carries the global settings in and out; `includes` receives the
/// paths named by `include` lines, in order, with the rule index they come before.
std::vector<LogrotateRule> ParseLogrotate(std::string_view text, const std::string& file,
                                          LogrotateDefaults& defaults,
                                          std::vector<std::string>* includes);

struct LogrotateConfig {
  std::vector<LogrotateRule> rules;
  std::string error;
};
/// /etc/logrotate.conf and what it includes (directories: every file in them, sorted).
LogrotateConfig LoadLogrotate(const HostContext& ctx);

/// A systemd time span ("1year", "6month", "90d", "3w 2d") in days; nullopt if not one.
std::optional<double> ParseTimespanDays(std::string_view text);

}  // namespace egov::checks
