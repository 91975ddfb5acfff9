#pragma once

#include <filesystem>
#include <string>

// Scratch directories and whole-file reads and writes, for every test executable.
namespace egov::testing {

/// A fresh directory under the system temp dir, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  /// A fresh directory under `parent` instead (a file system a test has chosen).
  explicit TempDir(const std::filesystem::path& parent);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  /// Writes `text` to `name` inside the directory (making its parents) and returns its path.
  std::filesystem::path Write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

/// The bytes of a file; empty when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);
/// Replaces the file's contents with `bytes`.
void WriteFile(const std::filesystem::path& path, const std::string& bytes);

}  // namespace egov::testing
