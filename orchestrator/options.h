#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "orchestrator/placement.h"
#include "orchestrator/world.h"

// The options egovctl's commands share, parsed (common/command_line.h) into the plain option
// structs the rest of the orchestrator takes.
namespace egov::orchestrator {

/// What --format chose (common/command_line.h).
enum class OutputFormat { kText, kJson };

/// Reads --format (text|json); throws ConfigError on anything else.
OutputFormat ReadOutputFormat(const boost::program_options::variables_map& vm);

/// Adds -f, --policy, --results, --agent-timeout, --keepalive, --journal, --format.
void AddWorldOptions(boost::program_options::options_description& desc);
/// Adds --lock-wait.
void AddLockOptions(boost::program_options::options_description& desc);
/// Reads the options of AddWorldOptions (and AddLockOptions when added); throws ConfigError.
WorldOptions ReadWorldOptions(const boost::program_options::variables_map& vm);

/// Adds --seed, --strategy, --candidates.
void AddPlacementOptions(boost::program_options::options_description& desc);
/// Reads them, with today's date; throws ConfigError.
PlacementOptions ReadPlacementOptions(const boost::program_options::variables_map& vm);

}  // namespace egov::orchestrator
