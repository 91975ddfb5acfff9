#include "common/install_dirs.h"

#include <cstdlib>
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

std::string UserPath(const char* override_env, const char* xdg_env, const char* home_default,
                     const std::string& leaf) {
  auto env = [](const char* name) -> const char* {
    const char* v = name ? std::getenv(name) : nullptr;
    return v && *v ? v : nullptr;
  };
  if (const char* p = env(override_env)) return p;
  if (const char* xdg = env(xdg_env)) return std::string(xdg) + "/egov-cloud/" + leaf;
  const char* home = env("HOME");
  return std::string(home ? home : "/tmp") + "/" + home_default + "/egov-cloud/" + leaf;
}

}  // namespace egov
