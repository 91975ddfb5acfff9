#include "common/files.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "common/diagnostics.h"

namespace egov {
namespace {

// Writes the whole file with exactly `mode` (fchmod: the umask does not apply).
bool WriteWhole(const std::string& path, std::string_view bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  return ::close(fd) == 0 && ok;
}

}  // namespace

std::string ReadInputFile(const std::string& path, size_t max_bytes, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw ConfigError({path, 0, 0}, "no such " + what);
  if (fs::file_size(path, ec) > max_bytes) {
    throw ConfigError({path, 0, 0},
                      what + " larger than " + std::to_string(max_bytes >> 20) + " MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ConfigError({path, 0, 0}, "cannot read " + what);
  return bytes;
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

void WriteFileAtomically(const std::string& path, std::string_view bytes, mode_t mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  if (!WriteWhole(tmp, bytes, mode)) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot replace " + path + ": " + why);
  }
}

void ReplaceFileKeepingPrevious(const std::string& path, std::string_view bytes, mode_t mode) {
  const std::string prev = path + ".prev";
  if (!WriteWhole(prev, bytes, mode)) throw std::runtime_error("cannot write " + prev);
  if (::renameat2(AT_FDCWD, prev.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != ENOENT && errno != EINVAL) {
    throw std::runtime_error("cannot replace " + path + ": " + std::strerror(errno));
  }
  // No file yet, or a file system without exchange: an ordinary rename.
  std::error_code ec;
  std::filesystem::rename(prev, path, ec);
  if (ec) throw std::runtime_error("cannot replace " + path + ": " + ec.message());
}

void CreateDirectories(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::path partial;
  for (const auto& part : std::filesystem::path(path)) {
    partial /= part;
    if (std::filesystem::is_directory(partial, ec)) continue;
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST) {
      throw std::runtime_error("cannot create directory " + partial.string() + ": " +
                               std::strerror(errno));
    }
    ::chmod(partial.c_str(), mode);  // mkdir's mode is subject to the umask
  }
}

}  // namespace egov
