#include "checks/conf_parse.h"

#include <algorithm>
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
  if (format == ConfFormat::kSysctl) std::replace(k.begin(), k.end(), '/', '.');
  return k;
}

std::vector<Setting> ParseConf(ConfFormat format, std::string_view text, const std::string& file) {
  std::vector<Setting> out;
  std::string block;
  int n = 0;
  for (auto raw : SplitLines(text)) {
    ++n;
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
      if (eq == std::string_view::npos) continue;
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
  std::map<std::string, std::string> by_name;  // later directories override earlier ones
  for (const char* dir : {"/usr/lib/sysctl.d", "/lib/sysctl.d", "/run/sysctl.d", "/etc/sysctl.d"}) {
    for (const auto& name : ctx.List(dir)) {
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0) {
        by_name[name] = std::string(dir) + "/" + name;
      }
    }
  }
  std::vector<std::string> files;
  for (const auto& [name, path] : by_name) files.push_back(path);
  // Debian links /etc/sysctl.d/99-sysctl.conf to ../sysctl.conf; read it once, last.
  std::erase_if(files, [&](const std::string& f) {
    auto target = ctx.ReadLink(f);
    return target && (*target == "../sysctl.conf" || *target == "/etc/sysctl.conf");
  });
  files.push_back("/etc/sysctl.conf");
  return files;
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
