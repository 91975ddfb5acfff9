#include "checks/conf_parse.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace egov::checks {
namespace {

std::string Unquote(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 &&
      ((v.front() == '"' && v.back() == '"') || (v.front() == '\'' && v.back() == '\''))) {
    v = v.substr(1, v.size() - 2);
  }
  return std::string(v);
}

// Drops a # comment that is not inside quotes.
std::string_view StripComment(std::string_view line) {
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == '#' && !quoted) return line.substr(0, i);
  }
  return line;
}

void LoadInto(const HostContext& ctx, ConfFormat format, const std::string& path,
              const std::string& block, int depth, ConfData& out) {
  const bool glob = path.find_first_of("*?[") != std::string::npos;
  for (const auto& file : glob ? ctx.Glob(path) : std::vector{path}) {
    const FileData data = ctx.Read(file);
    if (!data.ok()) {
      if (!data.missing()) out.errors.push_back(data.message);
      continue;
    }
    out.files.push_back(file);
    for (auto& s : ParseConf(format, data.bytes, file)) {
      if (format == ConfFormat::kSshd && s.key == "include") {
        if (depth >= 8) {
          out.errors.push_back(file + ":" + std::to_string(s.line) + ": Include nested too deep");
          continue;
        }
        for (auto target : SplitFields(s.value)) {
          std::string t(target);
          if (t.empty() || t[0] != '/') t = "/etc/ssh/" + t;
          LoadInto(ctx, format, t, s.block.empty() ? block : s.block, depth + 1, out);
        }
        continue;
      }
      if (s.block.empty()) s.block = block;
      out.settings.push_back(std::move(s));
    }
  }
}

}  // namespace

std::string NormalizeKey(ConfFormat format, std::string_view key) {
  if (format == ConfFormat::kSshd) return Lower(key);
  std::string k(key);
  // sysctl.d(5): when the first separator is a slash, dots inside the names are kept (an
  // interface `enp3s0.200`); the canonical form here is dotted, with such dots as slashes.
  if (format == ConfFormat::kSysctl && k.find_first_of("./") != std::string::npos &&
      k[k.find_first_of("./")] == '/') {
    for (char& c : k) c = c == '/' ? '.' : c == '.' ? '/' : c;
  }
  return k;
}

std::vector<Setting> ParseConf(ConfFormat format, std::string_view text, const std::string& file) {
  std::vector<Setting> out;
  std::string block;
  for (auto [n, raw] : NumberedLines(text)) {
    std::string_view line = Trim(format == ConfFormat::kKeyValue ? StripComment(raw) : raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (format == ConfFormat::kKeyValue && line.front() == '[' && line.back() == ']') {
      block = std::string(Trim(line.substr(1, line.size() - 2)));
      continue;
    }
    std::string_view key, value;
    if (format == ConfFormat::kSshd || format == ConfFormat::kSpace) {
      size_t i = 0;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '=') ++i;
      key = line.substr(0, i);
      value = Trim(line.substr(i));
      if (!value.empty() && value.front() == '=') value = Trim(value.substr(1));
    } else {
      const size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        // sysctl.d: `-key` alone keeps every glob assignment off that key.
        if (format == ConfFormat::kSysctl && line.size() > 1 && line.front() == '-') {
          out.push_back({NormalizeKey(format, Trim(line.substr(1))), "", file, n, "", true});
        }
        continue;
      }
      key = Trim(line.substr(0, eq));
      value = line.substr(eq + 1);
      if (format == ConfFormat::kSysctl && !key.empty() && key.front() == '-') key.remove_prefix(1);
    }
    if (key.empty()) continue;
    const std::string k = NormalizeKey(format, key);
    if (format == ConfFormat::kSshd && k == "match") {
      block = std::string(value);
      continue;
    }
    out.push_back({k, Unquote(value), file, n, block});
  }
  return out;
}

std::vector<std::string> SysctlFiles(const HostContext& ctx) {
  return *ctx.Memo<std::vector<std::string>>("sysctl-files", [&] {
    std::map<std::string, std::string> by_name;  // the first directory holding a name wins
    for (const char* dir : {"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                            "/usr/lib/sysctl.d", "/lib/sysctl.d"}) {
      for (const auto& name : ctx.List(dir)) {
        if (name.ends_with(".conf")) by_name.emplace(name, std::string(dir) + "/" + name);
      }
    }
    std::vector<std::string> files;
    for (const auto& [name, path] : by_name) {
      auto target = ctx.ReadLink(path);
      if (!target) {
        files.push_back(path);
      } else if (*target != "/dev/null") {
        // Named by what it links to: /etc/sysctl.d/99-sysctl.conf is /etc/sysctl.conf.
        files.push_back((*target)[0] == '/' ? *target
                                            : (std::filesystem::path(path).parent_path() / *target)
                                                  .lexically_normal()
                                                  .string());
      }
    }
    return files;
  });
}

std::shared_ptr<const ConfData> LoadConf(const HostContext& ctx, ConfFormat format,
                                         const std::vector<std::string>& paths) {
  std::string key = "conf:" + std::to_string(static_cast<int>(format));
  for (const auto& p : paths) key += ":" + p;
  return ctx.Memo<ConfData>(key, [&] {
    ConfData out;
    for (const auto& p : paths) LoadInto(ctx, format, p, "", 0, out);
    return out;
  });
}

const Setting* Effective(const ConfData& conf, ConfFormat format, const std::string& key,
                         const std::string& section) {
  const std::string k = NormalizeKey(format, key);
  if (format == ConfFormat::kSysctl) {
    // An explicit assignment beats any glob, whatever the order; `-key` keeps globs off.
    const Setting *exact = nullptr, *glob = nullptr;
    bool excluded = false;
    for (const auto& s : conf.settings) {
      const bool wild = s.key.find_first_of("*?[") != std::string::npos;
      if (!wild && s.key == k) {
        if (s.exclude) {
          excluded = true;
        } else {
          exact = &s;
        }
      } else if (wild && !s.exclude && ::fnmatch(s.key.c_str(), k.c_str(), 0) == 0) {
        glob = &s;
      }
    }
    return exact ? exact : excluded ? nullptr : glob;
  }
  const Setting* found = nullptr;
  for (const auto& s : conf.settings) {
    if (s.key != k) continue;
    if (format == ConfFormat::kSshd) {
      if (s.block.empty()) return &s;
      continue;
    }
    if (format == ConfFormat::kKeyValue && !section.empty() && s.block != section) continue;
    found = &s;
  }
  return found;
}

std::vector<const Setting*> MatchBlockValues(const ConfData& conf, const std::string& key) {
  const std::string k = NormalizeKey(ConfFormat::kSshd, key);
  std::vector<const Setting*> out;
  for (const auto& s : conf.settings) {
    if (s.key != k || s.block.empty()) continue;
    if (std::any_of(out.begin(), out.end(),
                    [&](const Setting* o) { return o->block == s.block; })) {
      continue;
    }
    out.push_back(&s);
  }
  return out;
}

}  // namespace egov::checks
