#include "checks/context.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace egov::checks {
namespace {

std::string Relative(const std::string& path) {
  size_t i = 0;
  while (i < path.size() && path[i] == '/') ++i;
  return i == path.size() ? std::string(".") : path.substr(i);
}

std::string ErrorText(const std::string& path, int error) {
  return path + ": " + std::strerror(error);
}

const char* TypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

HostContext::HostContext(std::string root, std::chrono::system_clock::time_point now)
    : root_(root.empty() ? "/" : std::move(root)), now_(now) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat rs {
  }, ls{};
  live_ = root_fd_ >= 0 && ::fstat(root_fd_, &rs) == 0 && ::stat("/", &ls) == 0 &&
          rs.st_dev == ls.st_dev && rs.st_ino == ls.st_ino;
}

HostContext::~HostContext() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

int HostContext::Open(const std::string& path, int flags) const {
  if (root_fd_ < 0) return -ENOENT;
  const std::string rel = Relative(path);
  // openat2 refuses flags that mean nothing with O_PATH.
  if (!(flags & O_PATH)) flags |= O_NOCTTY;
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root_fd_, rel.c_str(), &how, sizeof how);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
    // Kernels before 5.6 (or seccomp filters) lack openat2: links resolve as on the host.
    fd = ::openat(root_fd_, rel.c_str(), flags | O_CLOEXEC);
  }
  return fd < 0 ? -errno : static_cast<int>(fd);
}

FileData HostContext::Read(const std::string& path, size_t max_bytes) const {
  FileData out;
  out.path = path;
  Fd f{Open(path, O_RDONLY | O_NONBLOCK)};
  if (f.fd < 0) {
    out.error = -f.fd;
    out.message = ErrorText(path, out.error);
    return out;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    out.error = errno;
    out.message = ErrorText(path, out.error);
    return out;
  }
  if (!S_ISREG(st.st_mode)) {
    out.error = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    out.message = path + ": " + TypeName(st.st_mode) + ", not a regular file; not read";
    return out;
  }
  // Read straight into the string: sized from fstat (plus one byte to see the end), grown when
  // the file is longer than it said (/proc files say 0).
  size_t used = 0;
  out.bytes.resize(std::min(static_cast<size_t>(st.st_size), max_bytes) + 1);
  for (;;) {
    if (used == out.bytes.size())
      out.bytes.resize(std::min(out.bytes.size() * 2 + 4096, max_bytes + 1));
    const ssize_t n = ::read(f.fd, out.bytes.data() + used, out.bytes.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.error = errno;
      out.message = ErrorText(path, out.error);
      out.bytes.clear();
      return out;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > max_bytes) {
      out.error = EFBIG;
      out.message = path + ": larger than " + std::to_string(max_bytes) + " bytes; not read";
      out.bytes.clear();
      return out;
    }
  }
  out.bytes.resize(used);
  return out;
}

std::optional<FileInfo> HostContext::Stat(const std::string& path, bool follow, int* error) const {
  Fd f{Open(path, O_PATH | (follow ? 0 : O_NOFOLLOW))};
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0) {
    if (error) *error = f.fd < 0 ? -f.fd : errno;
    return std::nullopt;
  }
  FileInfo info;
  info.mode = st.st_mode;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  return info;
}

std::optional<std::string> HostContext::ReadLink(const std::string& path) const {
  Fd f{Open(path, O_PATH | O_NOFOLLOW)};
  if (f.fd < 0) return std::nullopt;
  char buf[4096];
  const ssize_t n = ::readlinkat(f.fd, "", buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<std::string> HostContext::List(const std::string& dir, int* error) const {
  std::vector<std::string> names;
  const int fd = Open(dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
  if (fd < 0) {
    if (error) *error = -fd;
    return names;
  }
  DIR* d = ::fdopendir(fd);
  if (!d) {
    if (error) *error = errno;
    ::close(fd);
    return names;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> HostContext::Glob(const std::string& pattern) const {
  std::vector<std::string> parts;
  for (size_t i = 0; i < pattern.size();) {
    const size_t j = pattern.find('/', i);
    const size_t end = j == std::string::npos ? pattern.size() : j;
    if (end > i) parts.push_back(pattern.substr(i, end - i));
    i = end + 1;
  }
  std::vector<std::string> current = {""};
  for (size_t k = 0; k < parts.size(); ++k) {
    const std::string& part = parts[k];
    const bool wild = part.find_first_of("*?[") != std::string::npos;
    std::vector<std::string> next;
    for (const auto& base : current) {
      if (!wild) {
        next.push_back(base + "/" + part);
        continue;
      }
      for (const auto& name : List(base.empty() ? "/" : base)) {
        if (name[0] == '.' && part[0] != '.') continue;
        if (::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0)
          next.push_back(base + "/" + name);
      }
    }
    current = std::move(next);
  }
  std::vector<std::string> out;
  for (auto& p : current) {
    if (Stat(p, false)) out.push_back(p.empty() ? "/" : p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<struct statvfs> HostContext::StatFs(const std::string& path, int* error) const {
  Fd f{Open(path, O_PATH)};
  struct statvfs sv {};
  if (f.fd < 0 || ::fstatvfs(f.fd, &sv) != 0) {
    if (error) *error = f.fd < 0 ? -f.fd : errno;
    return std::nullopt;
  }
  return sv;
}

std::shared_ptr<HostContext::Slot> HostContext::SlotFor(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto& slot = memo_[key];
  if (!slot) slot = std::make_shared<Slot>();
  return slot;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t i = 0;
  while (i < text.size()) {
    const size_t j = text.find('\n', i);
    const size_t end = j == std::string_view::npos ? text.size() : j;
    std::string_view line = text.substr(i, end - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    i = end + 1;
  }
  return lines;
}

std::vector<NumberedLine> NumberedLines(std::string_view text) {
  std::vector<NumberedLine> lines;
  int n = 0;
  for (auto line : SplitLines(text)) lines.push_back({++n, line});
  return lines;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitFields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) Append(out, item, separator);
  return out;
}

void Append(std::string& list, std::string_view item, std::string_view separator) {
  if (!list.empty()) list += separator;
  list += item;
}

}  // namespace egov::checks
