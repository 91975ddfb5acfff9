// security_updates: no installed package is older than the version apt's lists of the security
// suite offer, and those lists are recent. Works offline on a tree: it compares
// /var/lib/apt/lists (what the last `apt update` fetched) with /var/lib/dpkg/status. It knows
// nothing published after that update, hence the age limit on the lists; it reads uncompressed
// lists only (apt's default), and it counts every newer version in the security suite as a fix.
#include "checks/host_files.h"
#include "checks/scan.h"
#include "checks/types/types.h"
#include "common/units.h"

namespace egov::checks::types {
namespace {

constexpr size_t kMaxListed = 20;  // pending packages shown one by one in the evidence

// The release file beside a Packages list: ..._dists_SUITE_COMPONENT_binary-ARCH_Packages ->
// ..._dists_SUITE_InRelease.
std::string ReleaseFile(const std::string& list) {
  const size_t dists = list.find("_dists_");
  if (dists == std::string::npos) return "";
  const size_t suite_end = list.find('_', dists + 7);
  if (suite_end == std::string::npos) return "";
  return list.substr(0, suite_end) + "_InRelease";
}

// The `Date:` of a release file (RFC 2822, as apt writes it), or nullopt.
std::optional<std::chrono::system_clock::time_point> ReleaseDate(std::string_view text) {
  for (auto line : SplitLines(text)) {
    if (line.rfind("Date:", 0) != 0) continue;
    std::tm tm{};
    const std::string value(Trim(line.substr(5)));
    if (!strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
  }
  return std::nullopt;
}

struct SecurityUpdatesCheck : Check {
  std::string lists_;
  std::chrono::milliseconds max_age_;

  Outcome Run(const HostContext& ctx) const override {
    const auto db = LoadDpkg(ctx);
    if (!db->error.empty()) return Outcome::Error(db->error);
    const std::string expected =
        "no pending security update, lists younger than " + FormatDuration(max_age_);
    const auto lists = ctx.Glob(lists_);
    if (lists.empty()) {
      return Outcome::Fail("apt has no list of a security suite: security updates never arrive",
                           {{lists_, 0, "no file matches", expected}});
    }
    std::vector<Evidence> ev;
    std::string bad;
    size_t pending = 0;
    for (const auto& list : lists) {
      const FileData data = ctx.Read(list);
      if (!data.ok()) return Outcome::Error(data.message);
      // How old is what apt knows?
      const std::string release = ReleaseFile(list);
      std::optional<std::chrono::system_clock::time_point> date;
      std::string dated = release;
      if (const FileData r = release.empty() ? FileData{} : ctx.Read(release); r.ok()) {
        date = ReleaseDate(r.bytes);
      }
      if (!date) {
        auto info = ctx.Stat(list);
        if (info) date = info->mtime;
        dated = list;
      }
      const auto age = date ? ctx.now() - *date : std::chrono::system_clock::duration::max();
      const std::string age_text =
          date ? FormatDuration(std::chrono::duration_cast<std::chrono::minutes>(
                     std::max(age, std::chrono::system_clock::duration::zero())))
               : std::string("unknown");
      const bool recent = date && age <= max_age_;
      ev.push_back({dated, 0,
                    "security list dated " + (date ? FormatTimestamp(*date) : "?") + " (" +
                        age_text + " old)",
                    "younger than " + FormatDuration(max_age_), recent});
      if (!recent) {
        Append(bad, "the security list is " + age_text +
                        " old: updates published since are unknown (apt update not running)");
      }
      for (const auto& offered : ParseDpkgStatus(data.bytes)) {
        auto it = db->installed.find(offered.name);
        if (it == db->installed.end()) continue;
        const DpkgPackage& have = it->second;
        if (offered.arch != "all" && have.arch != "all" && offered.arch != have.arch) continue;
        if (CompareDebianVersions(have.version, offered.version) >= 0) continue;
        if (++pending <= kMaxListed) {
          ev.push_back({list, offered.line,
                        offered.name + " " + have.version + " installed, " + offered.version +
                            " in the security suite",
                        "installed at the security suite's version", false});
        }
      }
    }
    if (pending) {
      Append(bad, std::to_string(pending) + " package(s) have a pending security update");
    }
    if (!bad.empty()) return Outcome::Fail(bad, ev);
    return Outcome::Pass("every installed package is at its security suite's version", ev);
  }
};

}  // namespace

CheckType SecurityUpdates() {
  return Define<SecurityUpdatesCheck>(
      "security_updates",
      "No installed package older than apt's lists of the security suite offer, and those lists "
      "recent (offline: /var/lib/apt/lists against /var/lib/dpkg/status)",
      {Required("max_age", &SecurityUpdatesCheck::max_age_,
                "how old the security lists (their InRelease Date:, else the file's time) may be"),
       Optional("lists", &SecurityUpdatesCheck::lists_, ParamType::kPath,
                "apt's Packages lists of the security suite (a glob)",
                "/var/lib/apt/lists/*security*_Packages")});
}

}  // namespace egov::checks::types
