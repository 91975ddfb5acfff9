#pragma once

#include <optional>
#include <string>

#include "common/domain_metadata.h"
#include "common/model.h"

// The libvirt XML egovctl defines. Every value is escaped (names are DNS labels, free text goes
// through XmlEscape), and the domain is hardened: no graphics, no host devices, no balloon, a
// dynamic security label where the host has a MAC security driver.
namespace egov::orchestrator {

/// What the XML depends on about the host.
struct HostTraits {
  enum class Kind { kTest, kQemu, kKvm };
  Kind kind = Kind::kTest;
  std::string security_model;  ///< selinux, apparmor, testSecurity; empty when none
};

/// Reads the traits from the URI and the host's capabilities XML.
HostTraits TraitsFromCapabilities(const std::string& uri, const std::string& capabilities);

struct DomainRequest {
  std::string name;
  std::string uuid;
  const Workload* workload = nullptr;
  DomainMetadata metadata;
  std::string network;  ///< libvirt network for the NIC; empty for none
  /// With an image: the pool holding the replica's root disk (attached read-write as the first
  /// virtio disk) and its cloud-init seed (a read-only cdrom). Empty: diskless.
  std::string disk_pool;
};

/// The MAC address of a replica's interface, derived from its UUID so that a redefined domain
/// keeps its address (and its seed's network-config matches it).
std::string MacAddress(const std::string& uuid);

std::string BuildDomainXml(const DomainRequest& request, const HostTraits& traits);

/// An isolated network (no forwarding, no address on the host).
std::string BuildNetworkXml(const std::string& name);

/// A directory storage pool under /var/lib/egov/pools.
std::string BuildPoolXml(const std::string& name);

/// The domain a definition is for.
struct ExpectedDomain {
  std::string name;
  std::string uuid;
  std::string workload;
  int replica = 0;
};

/// Checks a definition before any host sees it, whether generated now or read from a saved
/// plan: libvirt's own domain schema (the RelaxNG files libvirt ships, parsed once per
/// process); the hardening above (only the elements BuildDomainXml writes: no graphics, host
/// devices, balloon, host kernel or firmware, or QEMU pass-through; disks only the replica's own
/// root and seed volumes in its workload's pool, network interfaces, a dynamic security label); and
/// that it describes `expected` with egovctl's metadata. Returns the first problem, or nullopt.
/// Thread-safe.
std::optional<std::string> ValidateDomainXml(const std::string& xml,
                                             const ExpectedDomain& expected);

}  // namespace egov::orchestrator
