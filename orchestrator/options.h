#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "orchestrator/commands.h"
#include "orchestrator/placement.h"
#include "orchestrator/world.h"

// The command line of egovctl's commands, parsed into the plain option structs the rest of the
// orchestrator takes.
namespace egov::orchestrator {

/// Parses a command's arguments. Prints help (exit 0) or the parse error (exit 2) itself and
/// returns that code; returns nullopt when the command should go on.
std::optional<int> ParseOptions(const std::vector<std::string>& args, const std::string& usage,
                                boost::program_options::options_description& desc,
                                const boost::program_options::positional_options_description& pos,
                                boost::program_options::variables_map& vm, CommandIo io);

/// Output format chosen with --output.
enum class OutputFormat { kText, kJson };

/// Reads --output (text|json); throws ConfigError on anything else.
OutputFormat ReadOutputFormat(const boost::program_options::variables_map& vm);

/// Adds -f, --policy, --results, --agent-timeout, --keepalive, --journal, --output.
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
