#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/observed.h"

// The base images on the hosts (pool egov-images) and the root disks each one backs, from
// observed data: what `egovctl images list` shows and `egovctl images prune` removes.
namespace egov::orchestrator {

/// Whether a base is whole: its volume and its marker (BaseMarkerName) are both there.
enum class BaseState {
  kComplete,
  kIncomplete,  ///< the volume without its marker: an upload that did not finish
  kMarkerOnly,  ///< a marker whose volume is gone (deleted by hand)
};

/// One base image volume on one host.
struct HostImage {
  std::string host;
  StorageVolume volume;            ///< for kMarkerOnly, just the base's name
  std::vector<std::string> users;  ///< root disks it backs, as pool/volume
  BaseState state = BaseState::kComplete;
};

const char* ToString(BaseState state);

/// The base images of every reachable host, by host in inventory order, then by name; the
/// marker volumes are not listed apart but make their bases complete.
std::vector<HostImage> ListHostImages(const std::vector<ObservedHost>& hosts);

nlohmann::json ToJson(const std::vector<HostImage>& images);
void PrintHostImages(const std::vector<HostImage>& images, std::ostream& out);

}  // namespace egov::orchestrator
