#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/libvirt.h"
#include "orchestrator/desired.h"
#include "orchestrator/observed.h"

// The hosts as libvirt shows them: a connection per host and what was read through it (plain
// data, observed.h). Simulated hosts (test:///ABS/PATH.xml) are libvirt test-driver files that
// egovctl creates when missing and writes back after changing them, so they keep their domains
// between commands.
namespace egov::orchestrator {

/// One host's open connection, for the commands that change hosts.
struct HostSession {
  std::string name;
  std::string uri;
  std::string sim_path;  ///< the test-driver file of a simulated host; empty otherwise
  std::unique_ptr<libvirt::Connection> conn;  ///< null when the host could not be read
  std::string error;                          ///< why it could not
  bool fenced = false;  ///< declared failed in the inventory: never opened, never called
  /// Extra connections for calls in parallel on a remote host (see OpenWorkers).
  std::vector<std::unique_ptr<libvirt::Connection>> workers;
  int keepalive_interval = 5;
  std::chrono::milliseconds open_timeout{15000};
};

struct ConnectOptions {
  int keepalive_interval = 5;  ///< seconds; the host is declared lost after about 4 intervals
  std::chrono::milliseconds open_timeout{15000};
  size_t threads = 16;
};

/// Every host opened and read, both in the order of the hosts given.
struct ConnectedHosts {
  std::vector<std::unique_ptr<HostSession>> sessions;
  std::vector<ObservedHost> observed;
};

/// Opens every host and reads its state, in parallel. Never throws for a host that fails:
/// that host is returned unreachable (no connection) with the error. A host the inventory
/// declares failed is not called at all: returned unreachable and fenced.
ConnectedHosts ConnectHosts(const std::vector<FleetHost>& hosts, const ConnectOptions& options);

/// True for libvirt's test driver, which runs in this process: its one connection takes
/// calls from several threads safely, and a second connection to a test-driver file would be
/// a separate host.
bool InProcess(const HostSession& host);

/// Opens up to `n` connections to a remote host for parallel calls, one call in flight on
/// each, each open bounded by the host's open timeout: libvirt 9.0's keepalive does not end
/// calls on a connection that has several calls in flight when the daemon freezes, so
/// parallelism comes from connections, not threads. In-process hosts get none.
void OpenWorkers(HostSession& host, size_t n);

/// Reads the domains, networks, pools and (with `volumes`) egovctl's volumes of an open host
/// into `into`.
void ReadHost(const libvirt::Connection& conn, ObservedHost& into, bool volumes = true);

/// True when the URI names a test-driver file; sets `path` to it.
bool IsSimulatedUri(const std::string& uri, std::string& path);

/// Creates an empty simulated host file with the inventory's capacity when it does not exist.
void EnsureSimulatedHostFile(const std::string& path, const Host& host);

/// Writes a simulated host's current state (domains with their run state and metadata,
/// networks, pools with their volumes) back to its file, atomically (temp file + rename).
void SaveSimulatedHost(const HostSession& host);

}  // namespace egov::orchestrator
