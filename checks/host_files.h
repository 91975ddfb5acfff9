#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/context.h"

// Parsed system databases that several check types read, each parsed once per scan through
// HostContext::Memo. Parsers are pure and tested table-driven; loaders are the thin reads.
namespace egov::checks {

struct PasswdEntry {
  std::string name;
  std::string password;  ///< the passwd field ("x" when in shadow)
  int64_t uid = -1;
  int64_t gid = -1;
  std::string shell;
  int line = 0;
};

struct ShadowEntry {
  std::string name;
  std::string hash;  ///< empty: no password; starts with ! or *: locked
  std::optional<int64_t> last_change, min_days, max_days, warn_days, inactive_days, expire;
  int line = 0;
};

struct GroupEntry {
  std::string name;
  int64_t gid = -1;
  int line = 0;
};

std::vector<PasswdEntry> ParsePasswd(std::string_view text);
std::vector<ShadowEntry> ParseShadow(std::string_view text);
std::vector<GroupEntry> ParseGroup(std::string_view text);

/// A file read once per scan (through Memo), with the read's error kept.
std::shared_ptr<const FileData> ReadCached(const HostContext& ctx, const std::string& path);
std::shared_ptr<const std::vector<PasswdEntry>> LoadPasswd(const HostContext& ctx);
std::shared_ptr<const std::vector<ShadowEntry>> LoadShadow(const HostContext& ctx);
std::shared_ptr<const std::vector<GroupEntry>> LoadGroup(const HostContext& ctx);

/// Name of a uid / gid from the root's passwd / group, else the number.
std::string UserName(const HostContext& ctx, int64_t uid);
std::string GroupName(const HostContext& ctx, int64_t gid);
/// A user or group given as a name or a number, resolved in the root; nullopt when unknown.
std::optional<int64_t> ResolveUser(const HostContext& ctx, const std::string& user);
std::optional<int64_t> ResolveGroup(const HostContext& ctx, const std::string& group);

/// A dpkg package as /var/lib/dpkg/status records it.
struct DpkgPackage {
  std::string name;
  std::string version;
  std::string status;  ///< e.g. "install ok installed"
  std::string arch;
  int line = 0;
};
/// Parses the dpkg status database (RFC 822-style stanzas).
std::vector<DpkgPackage> ParseDpkgStatus(std::string_view text);
/// Packages by name, from /var/lib/dpkg/status, by what their status word says of the files.
struct DpkgDatabase {
  /// Configured: `installed` (whatever the selection: install, hold, deinstall), or only
  /// waiting for triggers.
  std::map<std::string, DpkgPackage> installed;
  /// Every package whose files may be on disk: the installed ones and those unpacked, half
  /// configured or half installed (all but `not-installed` and `config-files`).
  std::map<std::string, DpkgPackage> on_disk;
  std::string error;  ///< when the database could not be read
};
std::shared_ptr<const DpkgDatabase> LoadDpkg(const HostContext& ctx);
/// dpkg's version ordering (epoch, upstream, revision; `~` sorts before everything).
int CompareDebianVersions(std::string_view a, std::string_view b);

/// Octal text of permission bits: 0644, 1777.
std::string ModeText(unsigned mode);

}  // namespace egov::checks
