#pragma once

#include <string>
#include <vector>

#include "common/model.h"
#include "orchestrator/placement.h"

// The desired state: which hosts exist, and what each workload asks for once the policy of its
// level is applied.
namespace egov::orchestrator {

/// One host of the inventory with its provider and zone.
struct FleetHost {
  const Provider* provider = nullptr;
  const Zone* zone = nullptr;
  const Host* host = nullptr;
};

/// Every host, in inventory order.
std::vector<FleetHost> ListHosts(const Inventory& inv);

/// The policy to plan with: `policy_file` when given, else the one Policy in the inventory,
/// else `<kDataDir>/profiles/policy-default.yaml`. Throws ConfigError on two policies.
Policy SelectPolicy(const Inventory& inv, const std::string& policy_file);

/// The workload with its level's policy applied: replicas = max(workload, policy minimum),
/// spread = the stricter of the two. Throws ConfigError when the policy lacks the level.
PlacementWorkload Effective(const Workload& w, const Policy& policy);

/// How many of the workload's replicas may be down at once while they are replaced, restarted
/// or moved: its update.max_unavailable, else its level's default. Throws ConfigError when
/// above the level's limit.
int MaxUnavailable(const Workload& w, const Policy& policy);

/// Hash of everything a replica's domain is built from ("sha256:…"); a change means replace.
std::string SpecHash(const Workload& w, const PlacementWorkload& effective);

/// Stable UUID of a replica (UUIDv5 of "egov-cloud/<workload>/<replica>"), so that defining it
/// again updates the same domain instead of failing or duplicating it.
std::string ReplicaUuid(const std::string& workload, int replica);

/// UUIDv5 of any name in the project's namespace (networks, pools).
std::string NameUuid(const std::string& name);

/// Domain name of a replica: `<workload>-<replica>`.
std::string DomainName(const std::string& workload, int replica);

/// Per-workload network and storage pool of logical separation: `egov-<workload>`. A workload
/// with an image keeps its replicas' disks in that pool at every level.
std::string SeparationName(const std::string& workload);

/// The directory pool of the base images on every host that runs a replica with an image.
inline constexpr const char* kImagesPool = "egov-images";

/// The image's volume in egov-images: `<name>-<first 8 digits of its sha256>`, so a new
/// release under the same name is a new volume and the old one stays until pruned.
std::string BaseVolumeName(const Image& image);

/// The marker volume that says base volume `base` is whole: `<base>.complete`, an empty volume
/// in egov-images made only after the upload finished and libvirt confirmed it. libvirt cannot
/// rename a volume, so a base cannot appear under its name only once complete; a base without
/// its marker is a cut-short upload (egovctl killed mid-stream) and is never used. Base names
/// are DNS labels plus `-<hex>`, so no base ends in `.complete`.
std::string BaseMarkerName(const std::string& base);

/// The base a marker volume of egov-images vouches for, or "" when `volume` is no marker.
std::string MarkedBase(const std::string& volume);

/// A replica's writable root disk (a qcow2 overlay of the base) and its cloud-init seed, both
/// in its workload's pool: `<domain>-root`, `<domain>-seed`.
std::string RootVolumeName(const std::string& domain);
std::string SeedVolumeName(const std::string& domain);

/// Digest of what a workload's seeds carry from its cloud_init (keys and user data), without
/// revealing it: part of the spec hash, and what a saved plan's seeds must still match.
std::string CloudInitDigest(const CloudInit& cloud_init);

}  // namespace egov::orchestrator
