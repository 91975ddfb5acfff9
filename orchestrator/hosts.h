#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/domain_metadata.h"
#include "common/libvirt.h"
#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"

// The actual state of the hosts, read from libvirt. A host that cannot be read is "unknown":
// its domains are never taken for gone. Simulated hosts (test:///ABS/PATH.xml) are libvirt
// test-driver files that egovctl creates when missing and writes back after changing them, so
// they keep their domains between commands.
namespace egov::orchestrator {

struct ObservedDomain {
  std::string name;
  std::string uuid;
  int state = 0;  ///< virDomainState
  unsigned vcpus = 0;
  uint64_t memory_bytes = 0;
  std::optional<DomainMetadata> metadata;  ///< nullopt: not managed by egovctl
};

/// One host, its open connection and what was read from it.
struct HostSession {
  FleetHost ref;
  std::string uri;
  std::string sim_path;  ///< the test-driver file of a simulated host; empty otherwise
  std::unique_ptr<libvirt::Connection> conn;
  /// Extra connections for calls in parallel on a remote host (see OpenWorkers).
  std::vector<std::unique_ptr<libvirt::Connection>> workers;
  int keepalive_interval = 5;
  bool reachable = false;
  std::string error;  ///< why the host is unknown
  HostTraits traits;
  std::vector<ObservedDomain> domains;
  std::set<std::string> networks;
  std::set<std::string> pools;
  bool changed = false;  ///< a simulated host that must be written back
};

struct ConnectOptions {
  int keepalive_interval = 5;  ///< seconds; the host is declared lost after about 4 intervals
  std::chrono::milliseconds open_timeout{15000};
  size_t threads = 16;
};

/// Opens every host and reads its state, in parallel. Never throws for a host that fails:
/// that host is returned unreachable with the error.
std::vector<std::unique_ptr<HostSession>> ConnectHosts(const std::vector<FleetHost>& hosts,
                                                       const ConnectOptions& options);

/// Opens up to `n` connections to a remote host for parallel calls, one call in flight on
/// each: libvirt 9.0's keepalive does not end calls on a connection that has several calls in
/// flight when the daemon freezes, so parallelism comes from connections, not threads.
/// Simulated hosts get none (each connection to a test-driver file is a separate host).
void OpenWorkers(HostSession& host, size_t n);

/// Reads (or re-reads) the domains, networks and pools of an open host.
void ReadHost(HostSession& host);

/// True when the URI names a test-driver file; sets `path` to it.
bool IsSimulatedUri(const std::string& uri, std::string& path);

/// Creates an empty simulated host file with the inventory's capacity when it does not exist.
void EnsureSimulatedHostFile(const std::string& path, const Host& host);

/// Writes a simulated host's current state (domains with their run state and metadata,
/// networks, pools) back to its file, atomically (temp file + rename).
void SaveSimulatedHost(HostSession& host);

/// Hash of the observed state of all hosts (reachability, every domain's UUID, name, state,
/// spec hash and size): a saved plan is applied only while this is unchanged.
std::string Fingerprint(const std::vector<std::unique_ptr<HostSession>>& hosts);

/// Domain state as a word: running, paused, shutoff, crashed, ...
const char* StateName(int state);

}  // namespace egov::orchestrator
