#include "checks/host_files.h"

#include <cstdio>

namespace egov::checks {
namespace {

std::vector<std::string_view> SplitColons(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  for (;;) {
    const size_t j = line.find(':', i);
    out.push_back(line.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

// The entries of a colon-separated account file (passwd, shadow, group): `make` turns the fields
// of each line and its number into one; comments and lines with fewer than `fields` are skipped.
template <typename Entry, typename Make>
std::vector<Entry> ParseColonFile(std::string_view text, size_t fields, Make make) {
  std::vector<Entry> out;
  for (auto [n, line] : NumberedLines(text)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitColons(line);
    if (f.size() >= fields) out.push_back(make(f, n));
  }
  return out;
}

std::optional<int64_t> Field(std::string_view s) { return s.empty() ? std::nullopt : ParseInt(s); }

// Splits a dpkg version into epoch, upstream and revision.
struct Version {
  int64_t epoch = 0;
  std::string_view upstream, revision;
};

Version Split(std::string_view v) {
  Version out;
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    out.epoch = ParseInt(v.substr(0, colon)).value_or(0);
    v.remove_prefix(colon + 1);
  }
  if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
    out.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  out.upstream = v;
  return out;
}

int Order(char c) {
  if (c >= '0' && c <= '9') return 0;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

// dpkg's verrevcmp.
int CompareFragment(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto isdigit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !isdigit(a[i])) || (j < b.size() && !isdigit(b[j]))) {
      const int ac = i < a.size() ? Order(a[i]) : 0;
      const int bc = j < b.size() ? Order(b[j]) : 0;
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    while (i < a.size() && isdigit(a[i]) && j < b.size() && isdigit(b[j])) {
      if (!first_diff) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < a.size() && isdigit(a[i])) return 1;
    if (j < b.size() && isdigit(b[j])) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

}  // namespace

std::vector<PasswdEntry> ParsePasswd(std::string_view text) {
  return ParseColonFile<PasswdEntry>(text, 7, [](const auto& f, int n) -> PasswdEntry {
    return {std::string(f[0]),           std::string(f[1]), ParseInt(f[2]).value_or(-1),
            ParseInt(f[3]).value_or(-1), std::string(f[6]), n};
  });
}

std::vector<ShadowEntry> ParseShadow(std::string_view text) {
  return ParseColonFile<ShadowEntry>(text, 8, [](const auto& f, int n) -> ShadowEntry {
    return {std::string(f[0]), std::string(f[1]), Field(f[2]),
            Field(f[3]),       Field(f[4]),       Field(f[5]),
            Field(f[6]),       Field(f[7]),       n};
  });
}

std::vector<GroupEntry> ParseGroup(std::string_view text) {
  return ParseColonFile<GroupEntry>(text, 3, [](const auto& f, int n) -> GroupEntry {
    return {std::string(f[0]), ParseInt(f[2]).value_or(-1), n};
  });
}

std::shared_ptr<const FileData> ReadCached(const HostContext& ctx, const std::string& path) {
  return ctx.Memo<FileData>("file:" + path, [&] { return ctx.Read(path); });
}

std::shared_ptr<const std::vector<PasswdEntry>> LoadPasswd(const HostContext& ctx) {
  return ctx.Memo<std::vector<PasswdEntry>>(
      "passwd", [&] { return ParsePasswd(ReadCached(ctx, "/etc/passwd")->bytes); });
}

std::shared_ptr<const std::vector<ShadowEntry>> LoadShadow(const HostContext& ctx) {
  return ctx.Memo<std::vector<ShadowEntry>>(
      "shadow", [&] { return ParseShadow(ReadCached(ctx, "/etc/shadow")->bytes); });
}

std::shared_ptr<const std::vector<GroupEntry>> LoadGroup(const HostContext& ctx) {
  return ctx.Memo<std::vector<GroupEntry>>(
      "group", [&] { return ParseGroup(ReadCached(ctx, "/etc/group")->bytes); });
}

std::string UserName(const HostContext& ctx, int64_t uid) {
  for (const auto& e : *LoadPasswd(ctx)) {
    if (e.uid == uid) return e.name;
  }
  return std::to_string(uid);
}

std::string GroupName(const HostContext& ctx, int64_t gid) {
  for (const auto& e : *LoadGroup(ctx)) {
    if (e.gid == gid) return e.name;
  }
  return std::to_string(gid);
}

std::optional<int64_t> ResolveUser(const HostContext& ctx, const std::string& user) {
  if (auto n = ParseInt(user)) return n;
  for (const auto& e : *LoadPasswd(ctx)) {
    if (e.name == user) return e.uid;
  }
  return std::nullopt;
}

std::optional<int64_t> ResolveGroup(const HostContext& ctx, const std::string& group) {
  if (auto n = ParseInt(group)) return n;
  for (const auto& e : *LoadGroup(ctx)) {
    if (e.name == group) return e.gid;
  }
  return std::nullopt;
}

std::vector<DpkgPackage> ParseDpkgStatus(std::string_view text) {
  std::vector<DpkgPackage> out;
  DpkgPackage cur;
  int n = 0;
  auto flush = [&] {
    if (!cur.name.empty()) out.push_back(std::move(cur));
    cur = DpkgPackage{};
  };
  for (auto line : SplitLines(text)) {
    ++n;
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') continue;  // continuation of a long field
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string value(Trim(line.substr(colon + 1)));
    if (key == "Package") {
      cur.name = value;
      cur.line = n;
    } else if (key == "Version") {
      cur.version = value;
    } else if (key == "Status") {
      cur.status = value;
    } else if (key == "Architecture") {
      cur.arch = value;
    }
  }
  flush();
  return out;
}

std::shared_ptr<const DpkgDatabase> LoadDpkg(const HostContext& ctx) {
  return ctx.Memo<DpkgDatabase>("dpkg", [&] {
    DpkgDatabase db;
    const FileData data = ctx.Read("/var/lib/dpkg/status");
    if (!data.ok()) {
      db.error = data.message;
      return db;
    }
    for (auto& p : ParseDpkgStatus(data.bytes)) {
      // "want flag status": the last word says where the files are.
      const auto words = SplitFields(p.status);
      const std::string_view state = words.empty() ? "" : words.back();
      if (state.empty() || state == "not-installed" || state == "config-files") continue;
      if (state == "installed" || state == "triggers-awaited" || state == "triggers-pending") {
        db.installed[p.name] = p;
      }
      db.on_disk[p.name] = std::move(p);
    }
    return db;
  });
}

int CompareDebianVersions(std::string_view a, std::string_view b) {
  const Version va = Split(a), vb = Split(b);
  if (va.epoch != vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  int r = CompareFragment(va.upstream, vb.upstream);
  if (r == 0) r = CompareFragment(va.revision, vb.revision);
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

std::string ModeText(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

}  // namespace egov::checks
