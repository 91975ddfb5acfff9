#pragma once

#include <chrono>
#include <iosfwd>
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

/// Reads the duration option `name` ("30s", "5m"); throws ConfigError naming `example`.
std::chrono::milliseconds ReadDuration(const boost::program_options::variables_map& vm,
                                       const char* name, const char* example);

/// Reads --format (text|json); throws ConfigError on anything else.
OutputFormat ReadOutputFormat(const boost::program_options::variables_map& vm);

/// Adds -f, --policy, --results, --agent-timeout, --keepalive, the journal's options
/// (AddStateOptions), --format and the access to the agents (agent_access.h).
void AddWorldOptions(boost::program_options::options_description& desc);
/// Adds --state, --journal, --state-prefix, --state-cacert, --state-cert, --state-key and
/// --lock-ttl: where the journal and lock are (journal.h).
void AddStateOptions(boost::program_options::options_description& desc);
/// Reads them: --state, else --journal, else $EGOV_STATE, else the default SQLite file.
/// Throws ConfigError.
StateOptions ReadStateOptions(const boost::program_options::variables_map& vm);
/// Adds --lock-wait.
void AddLockOptions(boost::program_options::options_description& desc);
/// Reads the options of AddWorldOptions (and AddLockOptions when added); warnings go to `err`;
/// throws ConfigError.
WorldOptions ReadWorldOptions(const boost::program_options::variables_map& vm, std::ostream& err);

/// Adds -f/--file, also the positional arguments: the YAML files or directories of an inventory
/// read on its own, without the hosts (validate, targets).
void AddInventoryOption(boost::program_options::options_description& desc,
                        boost::program_options::positional_options_description& pos);
/// Loads the inventory -f names; throws ConfigError.
Inventory LoadInventoryOption(const boost::program_options::variables_map& vm);

/// Adds --cert-warning (how long before a provider's certification expires to warn).
void AddCertWarningOption(boost::program_options::options_description& desc);
/// Reads --cert-warning; throws ConfigError on a bad duration.
std::chrono::days ReadCertWarning(const boost::program_options::variables_map& vm);
/// Prints to `err` a warning per provider whose certification expires within `horizon` of
/// today (certification.h).
void WarnOfExpiringCertifications(const Inventory& inv, std::chrono::days horizon,
                                  std::ostream& err);

/// Adds --seed, --strategy, --candidates.
void AddPlacementOptions(boost::program_options::options_description& desc);
/// Reads them, with today's date; throws ConfigError.
PlacementOptions ReadPlacementOptions(const boost::program_options::variables_map& vm);

}  // namespace egov::orchestrator
