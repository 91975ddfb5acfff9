#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/domain_metadata.h"
#include "common/storage_volume.h"
#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"

// What egovctl read from the hosts, as plain data: the planner, status and drift work on this
// and never on a connection. A host that cannot be read is "unknown": its domains are never
// taken for gone.
namespace egov::orchestrator {

/// A domain's run state. The numbers are libvirt's (virDomainState), so that fingerprints of
/// plans saved by earlier versions stay comparable.
enum class RunState : int {
  kNoState = 0,
  kRunning = 1,
  kBlocked = 2,
  kPaused = 3,
  kShutdown = 4,  ///< shutting down
  kShutoff = 5,
  kCrashed = 6,
  kSuspended = 7,  ///< suspended by guest power management
};

/// The state as a word: running, paused, shutoff, crashed, ...
const char* StateName(RunState state);

struct ObservedDomain {
  std::string name;
  std::string uuid;
  RunState state = RunState::kNoState;
  unsigned vcpus = 0;
  uint64_t memory_bytes = 0;
  std::optional<DomainMetadata> metadata;  ///< nullopt: not managed by egovctl
};

/// One inventory host and what was read from it.
struct ObservedHost {
  FleetHost ref;
  bool reachable = false;
  std::string error;  ///< why the host is unknown
  HostTraits traits;
  std::vector<ObservedDomain> domains;  ///< by name
  std::set<std::string> networks;
  std::set<std::string> pools;
  /// The volumes of egovctl's pools (egov-*: base images, root disks, seeds), by pool.
  std::map<std::string, std::vector<StorageVolume>> volumes;

  /// The volume `name` of `pool`, or nullptr.
  const StorageVolume* FindVolume(const std::string& pool, const std::string& name) const;
};

/// One field that differs between a domain as found and as its spec wants it.
struct FieldChange {
  std::string field;  ///< vcpus, memory
  std::string from;   ///< as found
  std::string to;     ///< as the spec wants it
  bool operator==(const FieldChange&) const = default;
};

/// The size fields (vCPUs, memory to the KiB libvirt keeps) in which a domain differs from
/// `spec`; empty when it has the size its spec asks for.
std::vector<FieldChange> SizeChanges(const ObservedDomain& domain, const Resources& spec);

/// Hash of the observed state of all hosts (reachability, every domain's UUID, name, state,
/// spec hash and size, every volume of egovctl's pools with its capacity and backing store):
/// a saved plan is applied only while this is unchanged.
std::string Fingerprint(const std::vector<ObservedHost>& hosts);

}  // namespace egov::orchestrator
