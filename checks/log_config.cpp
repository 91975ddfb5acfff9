#include "checks/log_config.h"

#include <sys/stat.h>

#include <charconv>
#include <cmath>

namespace egov::checks {
namespace {

std::optional<int> Period(std::string_view word) {
  if (word == "daily") return 1;
  if (word == "weekly") return 7;
  if (word == "monthly") return 30;
  if (word == "yearly") return 365;
  return std::nullopt;
}

void LoadFile(const HostContext& ctx, const std::string& path, LogrotateDefaults& defaults,
              int depth, LogrotateConfig& out) {
  const FileData data = ctx.Read(path);
  if (!data.ok()) {
    if (!data.missing() && out.error.empty()) out.error = data.message;
    return;
  }
  std::vector<std::string> includes;
  for (auto& r : ParseLogrotate(data.bytes, path, defaults, &includes))
    out.rules.push_back(std::move(r));
  if (depth > 4) return;
  for (const auto& inc : includes) {
    auto info = ctx.Stat(inc);
    if (info && S_ISDIR(info->mode)) {
      for (const auto& name : ctx.List(inc)) {
        if (name.ends_with(".dpkg-old") || name.ends_with(".dpkg-dist") || name.ends_with("~"))
          continue;
        LogrotateDefaults copy = defaults;  // an included directory's files start from the globals
        LoadFile(ctx, inc + "/" + name, copy, depth + 1, out);
      }
    } else {
      LoadFile(ctx, inc, defaults, depth + 1, out);
    }
  }
}

}  // namespace

std::optional<int64_t> LogrotateRule::RetentionDays() const {
  if (!rotate || !period_days) return std::nullopt;
  int64_t days = *rotate * *period_days;
  if (maxage && *maxage < days) days = *maxage;
  return days;
}

std::string LogrotateRule::Describe() const {
  std::string s = "rotate " + (rotate ? std::to_string(*rotate) : std::string("?"));
  if (period_days) {
    s += *period_days == 1    ? " daily"
         : *period_days == 7  ? " weekly"
         : *period_days == 30 ? " monthly"
                              : " yearly";
  } else {
    s += " (no period)";
  }
  if (maxage) s += ", maxage " + std::to_string(*maxage);
  const auto days = RetentionDays();
  return s + " (" + (days ? std::to_string(*days) + " days" : std::string("unknown")) + ")";
}

std::vector<LogrotateRule> ParseLogrotate(std::string_view text, const std::string& file,
                                          LogrotateDefaults& defaults,
                                          std::vector<std::string>* includes) {
  std::vector<LogrotateRule> rules;
  std::optional<LogrotateRule> block;
  std::vector<std::string> pending;  // file names before the opening brace
  int pending_line = 0;
  bool in_script = false;
  int n = 0;
  // One piece of a line: braces arrive as pieces of their own ("/var/log/x { daily }").
  auto handle = [&](std::string_view line) {
    line = Trim(line);
    if (line.empty()) return;
    auto f = SplitFields(line);
    if (block) {
      if (f[0] == "}") {
        rules.push_back(std::move(*block));
        block.reset();
      } else if (f[0] == "postrotate" || f[0] == "prerotate" || f[0] == "firstaction" ||
                 f[0] == "lastaction" || f[0] == "preremove") {
        in_script = true;
      } else if (f[0] == "rotate" && f.size() > 1) {
        block->rotate = ParseInt(f[1]);
        block->rotate_file = file;
        block->rotate_line = n;
      } else if (f[0] == "maxage" && f.size() > 1) {
        block->maxage = ParseInt(f[1]);
      } else if (auto p = Period(f[0])) {
        block->period_days = p;
      }
      return;
    }
    // Outside a block: a global directive, an include, or file names up to a '{'.
    if (line == "{") {
      block = LogrotateRule{pending, defaults.rotate, defaults.period_days, defaults.maxage,
                            file,    pending_line,    defaults.rotate_file, defaults.rotate_line};
      pending.clear();
      return;
    }
    if (line[0] == '/' || line[0] == '"' || line[0] == '*' || !pending.empty()) {
      if (pending.empty()) pending_line = n;
      for (auto w : f) {
        std::string name(w);
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
          name = name.substr(1, name.size() - 2);
        }
        pending.push_back(name);
      }
    } else if (f[0] == "include" && f.size() > 1) {
      if (includes) includes->emplace_back(f[1]);
    } else if (f[0] == "rotate" && f.size() > 1) {
      defaults.rotate = ParseInt(f[1]);
      defaults.rotate_file = file;
      defaults.rotate_line = n;
    } else if (f[0] == "maxage" && f.size() > 1) {
      defaults.maxage = ParseInt(f[1]);
    } else if (auto p = Period(f[0])) {
      defaults.period_days = p;
    }
  };
  for (auto raw : SplitLines(text)) {
    ++n;
    auto line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (in_script) {
      if (SplitFields(line)[0] == "endscript") in_script = false;
      continue;
    }
    size_t start = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '{' && line[i] != '}') continue;
      handle(line.substr(start, i - start));
      handle(line.substr(i, 1));
      start = i + 1;
    }
    handle(line.substr(start));
  }
  return rules;
}

LogrotateConfig LoadLogrotate(const HostContext& ctx) {
  return *ctx.Memo<LogrotateConfig>("logrotate", [&] {
    LogrotateConfig out;
    LogrotateDefaults defaults;
    LoadFile(ctx, "/etc/logrotate.conf", defaults, 0, out);
    return out;
  });
}

std::optional<double> ParseTimespanDays(std::string_view text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"usec", 1e-6},   {"us", 1e-6},        {"msec", 1e-3},      {"ms", 1e-3},
      {"seconds", 1},   {"second", 1},       {"sec", 1},          {"s", 1},
      {"minutes", 60},  {"minute", 60},      {"min", 60},         {"m", 60},
      {"hours", 3600},  {"hour", 3600},      {"hr", 3600},        {"h", 3600},
      {"days", 86400},  {"day", 86400},      {"d", 86400},        {"weeks", 604800},
      {"week", 604800}, {"w", 604800},       {"months", 2629800}, {"month", 2629800},
      {"M", 2629800},   {"years", 31557600}, {"year", 31557600},  {"y", 31557600}};
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  double seconds = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;
    double v = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
    if (ec != std::errc() || !std::isfinite(v) || v < 0) return std::nullopt;
    i = static_cast<size_t>(p - text.data());
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() &&
           ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z')))
      ++j;
    const std::string_view unit = text.substr(i, j - i);
    double scale = unit.empty() ? 1 : 0;
    for (const auto& [name, s] : kUnits) {
      if (unit == name) scale = s;
    }
    if (scale == 0) return std::nullopt;
    seconds += v * scale;
    i = j;
  }
  return seconds / 86400;
}

}  // namespace egov::checks
