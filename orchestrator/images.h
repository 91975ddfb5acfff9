#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/observed.h"

// The base images on the hosts (pool egov-images) and the root disks each one backs, from
// observed data: what `egovctl images list` shows and `egovctl images prune` removes.
namespace egov::orchestrator {

/// One base image volume on one host.
struct HostImage {
  std::string host;
  StorageVolume volume;
  std::vector<std::string> users;  ///< root disks it backs, as pool/volume
};

/// The base images of every reachable host, by host in inventory order, then by name.
std::vector<HostImage> ListHostImages(const std::vector<ObservedHost>& hosts);

nlohmann::json ToJson(const std::vector<HostImage>& images);
void PrintHostImages(const std::vector<HostImage>& images, std::ostream& out);

}  // namespace egov::orchestrator
