#pragma once

#include <string>

// The cloud-init NoCloud seed of one replica, written in-process with libisofs (the library
// xorriso is built on): an ISO 9660 image labelled `cidata`, with Rock Ridge and Joliet so that
// `meta-data`, `user-data` and `network-config` keep their names.
namespace egov::orchestrator {

/// What one replica's seed holds. user_data may hold secrets: never log a SeedSpec.
struct SeedSpec {
  std::string instance_id;     ///< the domain UUID
  std::string hostname;        ///< the domain name
  std::string user_data;       ///< cloud_init::BuildUserData of the workload's cloud_init
  std::string network_config;  ///< empty: no network-config file (cloud-init's DHCP fallback)
};

/// The ISO image's bytes. Throws std::runtime_error when libisofs fails.
std::string BuildSeedIso(const SeedSpec& spec);

}  // namespace egov::orchestrator
