#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Every read of the scanned host goes through a HostContext, which holds the root (`--root`):
// `/` for the live host, a fixture tree or a mounted image otherwise. Paths given to it are
// absolute as seen inside the root; symbolic links are resolved inside the root (an absolute
// link in a mounted image points into the image, never at the scanning host).
namespace egov::checks {

/// Files larger than this are refused rather than read.
inline constexpr size_t kMaxReadBytes = 16u << 20;

/// The bytes of one file, or why they could not be read.
struct FileData {
  std::string path;  ///< as inside the root
  std::string bytes;
  int error = 0;        ///< errno; 0 when read
  std::string message;  ///< the error in words, with the path

  bool ok() const { return error == 0; }
  bool missing() const { return error == ENOENT || error == ENOTDIR; }
};

/// What stat says about a file.
struct FileInfo {
  mode_t mode = 0;  ///< type and permission bits
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;
  std::chrono::system_clock::time_point mtime;
};

/// Read-only access to a host tree. Thread-safe: checks run in parallel on one context.
class HostContext {
 public:
  /// `root` must name a directory; `now` is the time checks judge ages and expiry against.
  explicit HostContext(std::string root, std::chrono::system_clock::time_point now =
                                             std::chrono::system_clock::now());
  ~HostContext();
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  const std::string& root() const { return root_; }
  /// True when the root is the running system's `/` (kernel state may be asked directly).
  bool IsLiveRoot() const { return live_; }
  std::chrono::system_clock::time_point now() const { return now_; }

  /// Reads a regular file without ever blocking on it (FIFOs, devices and sockets are refused
  /// after fstat, the open itself is O_NONBLOCK).
  FileData Read(const std::string& path, size_t max_bytes = kMaxReadBytes) const;
  /// stat (follow = true) or lstat of `path`; nullopt with `*error` set when it fails.
  std::optional<FileInfo> Stat(const std::string& path, bool follow = true,
                               int* error = nullptr) const;
  /// The target of a symbolic link, as stored.
  std::optional<std::string> ReadLink(const std::string& path) const;
  /// Names in a directory, sorted, without `.` and `..`; empty when it cannot be listed.
  std::vector<std::string> List(const std::string& dir, int* error = nullptr) const;
  /// Absolute paths matching a pattern whose components may hold `*`, `?` and `[...]`, sorted.
  std::vector<std::string> Glob(const std::string& pattern) const;
  /// statvfs of the file system holding `path`.
  std::optional<struct statvfs> StatFs(const std::string& path, int* error = nullptr) const;

  /// Computes `make()` once per key for the whole scan and shares the result between checks
  /// (parsed dpkg database, passwd, /proc/net/tcp...). Keys name what is cached.
  template <class T>
  std::shared_ptr<const T> Memo(const std::string& key, const std::function<T()>& make) const {
    auto slot = SlotFor(key);
    std::call_once(slot->once, [&] { slot->value = std::make_shared<const T>(make()); });
    return std::static_pointer_cast<const T>(slot->value);
  }

 private:
  struct Slot {
    std::once_flag once;
    std::shared_ptr<const void> value;
  };
  std::shared_ptr<Slot> SlotFor(const std::string& key) const;
  /// Opens `path` inside the root with `flags`; returns the fd or -errno.
  int Open(const std::string& path, int flags) const;

  std::string root_;
  bool live_ = false;
  int root_fd_ = -1;
  std::chrono::system_clock::time_point now_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<Slot>> memo_;
};

/// Splits text into lines (without the newline); a final line without newline counts.
std::vector<std::string_view> SplitLines(std::string_view text);
/// A line of a text with its number, counted from 1 (what evidence names).
struct NumberedLine {
  int n = 0;
  std::string_view text;
};
/// SplitLines, each line with its number.
std::vector<NumberedLine> NumberedLines(std::string_view text);
/// Strips spaces and tabs at both ends.
std::string_view Trim(std::string_view s);
/// Splits on runs of spaces and tabs.
std::vector<std::string_view> SplitFields(std::string_view s);
/// Lower-cases ASCII letters.
std::string Lower(std::string_view s);
/// Parses a whole string as a decimal integer.
std::optional<int64_t> ParseInt(std::string_view s);
/// The items with `separator` between them.
std::string Join(const std::vector<std::string>& items, std::string_view separator);
/// Adds `item` to a `separator`-separated list (a check's problems, the names in a reason).
void Append(std::string& list, std::string_view item, std::string_view separator = "; ");

}  // namespace egov::checks
