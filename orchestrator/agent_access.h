#pragma once

#include <iosfwd>
#include <string>

#include <boost/program_options.hpp>

#include "common/agent_client.h"

// How egovctl reaches the agents, the same for every command that talks to them (plan, apply,
// destroy, status, explain, audit): the CA of their certificates, a client certificate and key,
// and basic-auth credentials. Each setting comes from its option, else its environment
// variable, else the agents configuration file (docs/orchestrator.md, "Reaching the agents").
namespace egov::orchestrator {

/// Adds --cacert, --cert, --key, --credentials and --agents-config.
void AddAgentAccessOptions(boost::program_options::options_description& desc);

/// The settings as written in an agents configuration file (`cacert`, `cert`, `key`,
/// `credentials`; relative paths from the file's directory). Throws ConfigError with
/// file:line:col on an unknown key or a bad value.
struct AgentAccessFile {
  std::string cacert, cert, key, credentials;
};
AgentAccessFile ParseAgentAccessFile(const std::string& text, const std::string& file);

/// The access the options, the environment and the configuration file give (TLS files checked,
/// credentials read). A credentials file that others may read is refused; one the group may
/// read is warned about on `err`. Throws ConfigError.
agent_client::CollectOptions ReadAgentAccess(const boost::program_options::variables_map& vm,
                                             std::ostream& err);

}  // namespace egov::orchestrator
