#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agents/config.h"
#include "checks/scan.h"
#include "common/model.h"

// From profile names and waiver files to what the check engine runs: shared by
// `egov-agent scan` (once) and `egov-agent run` (at start and on every reload).
namespace egov::agent {

struct ScanSetup {
  std::vector<checks::CompiledProfilePtr> profiles;
  std::vector<Waiver> waivers;
};

/// Loads the profiles (`names`: profile names looked up in `profiles_dir`, or paths to YAML
/// files or directories) and the waivers, and compiles the profiles at `level`. Waivers are
/// validated together with the profiles they name. Throws ConfigError naming every problem.
ScanSetup LoadScanSetup(const std::vector<std::string>& names, const std::string& profiles_dir,
                        const std::vector<std::string>& waiver_paths, std::optional<int> level);

/// The agent's scan settings, loaded.
ScanSetup LoadScanSetup(const ScanConfig& scan);

}  // namespace egov::agent
