#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/config.h"

// The agent's scans run in a child process, `egov-agent scan --format json`: a check that hangs
// or crashes takes the child with it, never the agent, and the check engine's code and working
// memory are never part of the agent's own.
namespace egov::agent {

/// The command line (without the program) that scans with the agent's settings: root, host,
/// profiles, level, waivers, check timeout, two workers, JSON on stdout.
std::vector<std::string> ScanArguments(const AgentConfig& config);

/// How long a scan child may run before it is killed: until the next scan is due, and never
/// less than three check timeouts.
std::chrono::milliseconds ScanDeadline(const AgentConfig& config);

/// Runs `program` (egov-agent) with ScanArguments(config) and reads its results document. The
/// child is killed (SIGKILL) past ScanDeadline(config) or as soon as `cancel` is set. Throws
/// std::runtime_error, with what the child wrote to stderr, when it cannot start, is killed,
/// dies of a signal, exits with a status other than 0 (all passed) or 1 (some did not), or
/// writes something that is not a results document. Whatever happens, the child is reaped before
/// this returns. `poll_fn` stands in for ::poll (tests make it fail).
ScanOutcome RunScanProcess(const std::string& program, const AgentConfig& config,
                           const std::atomic<bool>& cancel,
                           int (*poll_fn)(pollfd*, nfds_t, int) = ::poll);

}  // namespace egov::agent
