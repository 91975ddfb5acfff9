#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace egov {

// Modes of what the tools write, whatever the umask: results, plans and reports may be read by
// the operators' group, state (journal, simulated hosts) only by its owner.
inline constexpr mode_t kReportMode = 0640;
inline constexpr mode_t kStateMode = 0600;
inline constexpr mode_t kDirectoryMode = 0750;

/// `path` as written in a file in `base_dir`: a relative path is taken from that directory;
/// absolute and empty paths (and any path when `base_dir` is empty) stay as they are.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

/// The bytes of an input file named on the command line; `what` names it in errors ("report",
/// "credentials file"). Throws ConfigError when it is missing, not a regular file, larger than
/// `max_bytes` or unreadable.
std::string ReadInputFile(const std::string& path, size_t max_bytes, const std::string& what);

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a reader
/// (or a crash) never sees half a file. Throws std::runtime_error naming the file on failure,
/// leaving `path` as it was and no temporary behind. The file gets `mode` exactly.
void WriteFileAtomically(const std::string& path, std::string_view bytes,
                         mode_t mode = kReportMode);

/// The same guarantee for a file rewritten again and again (a simulated host's state): writes
/// `path + ".prev"` and exchanges it with `path` (renameat2 RENAME_EXCHANGE), so the previous
/// contents stay in `.prev` and both inodes are reused. Replacing by a new temporary frees an
/// inode per write, and ext4 without a journal skips inodes freed in the last minute when it
/// allocates the next: rewriting a thousand host files that way spent a tenth of an apply in
/// the kernel.
void ReplaceFileKeepingPrevious(const std::string& path, std::string_view bytes,
                                mode_t mode = kStateMode);

/// Creates `path` and its missing parents with `mode` (not subject to the umask); a
/// directory that exists is left as it is. Throws std::runtime_error naming the directory.
void CreateDirectories(const std::string& path, mode_t mode = kDirectoryMode);

}  // namespace egov
