#include "agents/scan_setup.h"

#include <filesystem>

#include "common/loader.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;

bool LooksLikePath(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".yaml") || s.ends_with(".yml");
}

}  // namespace

ScanSetup LoadScanSetup(const std::vector<std::string>& names, const std::string& profiles_dir,
                        const std::vector<std::string>& waiver_paths, std::optional<int> level) {
  std::vector<std::string> inputs;
  bool by_name = false;
  for (const auto& n : names) {
    if (LooksLikePath(n)) {
      inputs.push_back(n);
    } else {
      by_name = true;
    }
  }
  if (by_name) inputs.push_back(profiles_dir);
  inputs.insert(inputs.end(), waiver_paths.begin(), waiver_paths.end());
  // Profiles and waivers load together, so a waiver naming an unknown profile or control is
  // refused like any other bad input.
  const Inventory inv = LoadInventory(inputs);
  std::vector<const Profile*> selected;
  std::error_code ec;
  for (const auto& n : names) {
    if (!LooksLikePath(n)) {
      const Profile* p = inv.FindProfile(n);
      if (!p) {
        std::string known;
        for (const auto& q : inv.profiles) known += (known.empty() ? "" : ", ") + q.name;
        throw ConfigError({"--profile", 0, 0}, "no profile named '" + n + "' in " + profiles_dir +
                                                   "; expected one of: " + known);
      }
      selected.push_back(p);
      continue;
    }
    bool any = false;
    const bool dir_given = fs::is_directory(n, ec);
    for (const auto& p : inv.profiles) {
      const fs::path file(p.pos.file);
      if (fs::equivalent(dir_given ? file.parent_path() : file, n, ec)) {
        selected.push_back(&p);
        any = true;
      }
    }
    if (!any) throw ConfigError({n, 0, 0}, "holds no Profile document");
  }
  ScanSetup setup;
  for (const Profile* p : selected) setup.profiles.push_back(checks::CompileProfile(*p, level));
  setup.waivers = inv.waivers;
  return setup;
}

ScanSetup LoadScanSetup(const ScanConfig& scan) {
  std::vector<std::string> waivers;
  if (!scan.waivers.empty()) waivers.push_back(scan.waivers);
  return LoadScanSetup(scan.profiles, scan.profile_dir, waivers, scan.level);
}

}  // namespace egov::agent
