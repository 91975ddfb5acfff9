#include "common/install_dirs.h"

#include <filesystem>
#include <stdexcept>

#include "common/version.h"

namespace egov {

namespace fs = std::filesystem;

std::string ProgramDir() {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this program's directory: " + ec.message());
  return self.parent_path().string();
}

std::string DataDir() {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return kDataDir;
  fs::path dir = self.parent_path();
  for (int up = 0; up <= 3; ++up, dir = dir.parent_path()) {
    const fs::path link = dir / "egov-cloud-data";
    if (fs::is_directory(link / "profiles", ec)) return link.string();
    if (dir == dir.root_path()) break;
  }
  return kDataDir;
}

std::string ProgramPath(const std::string& name, const std::string& installed_dir) {
  const fs::path beside = fs::path(ProgramDir()) / name;
  std::error_code ec;
  if (fs::exists(beside, ec)) return beside.string();
  return (fs::path(installed_dir) / name).string();
}

}  // namespace egov
