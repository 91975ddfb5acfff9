#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/model.h"

namespace egov {

/// Expands `-f` arguments: a file stays itself; a directory gives its `*.yaml` and `*.yml`
/// files (not recursive), sorted by name. Missing paths and empty directories are reported.
std::vector<std::string> ExpandInputPaths(const std::vector<std::string>& paths,
                                          DiagnosticSink& sink);

/// Loads and validates every document of every input, with cross references checked across
/// all of them. Throws ConfigError listing every problem found; nothing is returned half-valid.
Inventory LoadInventory(const std::vector<std::string>& paths);

/// Same, from YAML text in memory; `name` stands for the file in messages.
Inventory LoadInventoryText(const std::string& name, std::string_view text);

/// The directory where simulated hosts (libvirt test-driver files) keep their state:
/// $EGOV_SIM_DIR, else $XDG_STATE_HOME/egov-cloud/sim, else ~/.local/state/egov-cloud/sim.
std::string SimulatedHostDir();

/// Expands `${NAME}` from the environment (EGOV_SIM_DIR defaults to SimulatedHostDir()).
/// Returns false and names the variable in `missing` when one is unset.
bool ExpandEnv(const std::string& in, std::string& out, std::string& missing);

/// True for a DNS label: [a-z0-9-], 1 to 63 characters, no leading or trailing '-'.
bool IsDnsLabel(std::string_view s);

}  // namespace egov
