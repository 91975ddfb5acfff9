#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/context.h"

// Readers for the configuration formats checks look into. Parsing is pure (tested table-driven);
// LoadConf is the thin part that reads files and follows includes through the context.
namespace egov::checks {

enum class ConfFormat {
  kSshd,      ///< `Keyword value`, case-insensitive keywords, first value wins, Match, Include
  kKeyValue,  ///< `key = value` with # comments and "quotes" (libvirtd.conf, qemu.conf,
              ///< journald.conf with [Section]s); the last value wins
  kSpace,     ///< `KEY value` (login.defs, chrony.conf); the last value wins
  kSysctl,    ///< `a.b.c = value` (sysctl.d): `/` and `.` both separate, `*` globs, and
              ///< `-a.b.c` alone excludes a key from globs (systemd's sysctl.d(5))
};

/// One assignment found in a file.
struct Setting {
  std::string key;    ///< lower-cased for sshd, `.`-separated for sysctl, as written otherwise
  std::string value;  ///< without quotes
  std::string file;   ///< as inside the root
  int line = 0;
  std::string block;     ///< sshd: the Match criteria it is under; ini: its [section]; else empty
  bool exclude = false;  ///< sysctl: `-key` with no value, which keeps globs off the key
};

/// Parses one file's text. For sshd, `Include` lines come back as settings with key "include".
std::vector<Setting> ParseConf(ConfFormat format, std::string_view text, const std::string& file);

/// The settings of `paths` (files or globs, read in order; sshd Includes followed, relative to
/// /etc/ssh; sysctl: the systemd-sysctl order). Missing files are skipped; read errors go to
/// `errors`. Parsed once per scan.
struct ConfData {
  std::vector<Setting> settings;
  std::vector<std::string> files;   ///< files read
  std::vector<std::string> errors;  ///< files that exist but could not be read
};
std::shared_ptr<const ConfData> LoadConf(const HostContext& ctx, ConfFormat format,
                                         const std::vector<std::string>& paths);

/// The files systemd-sysctl applies at boot, in its order: every `*.conf` of /etc/sysctl.d,
/// /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d sorted by file
/// name whatever the directory, a name in an earlier directory hiding the same name in a later
/// one, one linked to /dev/null masking it. /etc/sysctl.conf counts only through Debian's
/// /etc/sysctl.d/99-sysctl.conf link, in that name's place (links are named by their target).
std::vector<std::string> SysctlFiles(const HostContext& ctx);

/// The value that takes effect for `key` outside any block (first for sshd, last otherwise;
/// sysctl: the last explicit assignment, else the last glob that matches and is not excluded);
/// `section` restricts keyvalue files to one [section]. nullptr when not set.
const Setting* Effective(const ConfData& conf, ConfFormat format, const std::string& key,
                         const std::string& section = "");

/// sshd: the first value of `key` inside each Match block that sets it.
std::vector<const Setting*> MatchBlockValues(const ConfData& conf, const std::string& key);

/// Normalises a key as the format compares them.
std::string NormalizeKey(ConfFormat format, std::string_view key);

}  // namespace egov::checks
