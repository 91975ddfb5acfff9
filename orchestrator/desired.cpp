#include "orchestrator/desired.h"

#include <openssl/sha.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/digest.h"
#include "common/install_dirs.h"
#include "common/loader.h"

namespace egov::orchestrator {
namespace {

int SpreadRank(Spread s) { return static_cast<int>(s); }

constexpr std::string_view kMarkerSuffix = ".complete";

}  // namespace

std::vector<FleetHost> ListHosts(const Inventory& inv) {
  std::vector<FleetHost> out;
  for (const auto& p : inv.providers) {
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) out.push_back({&p, &z, &h});
    }
  }
  return out;
}

Policy SelectPolicy(const Inventory& inv, const std::string& policy_file) {
  if (policy_file.empty() && inv.policies.size() == 1) return inv.policies[0];
  if (policy_file.empty() && inv.policies.size() > 1) {
    throw ConfigError(inv.policies[1].pos,
                      "a second Policy '" + inv.policies[1].name +
                          "'; expected at most one Policy among the inputs (or --policy FILE)");
  }
  const std::string path =
      policy_file.empty() ? DataDir() + "/profiles/policy-default.yaml" : policy_file;
  Inventory loaded = LoadInventory({path});
  if (loaded.policies.size() != 1) {
    throw ConfigError({path, 0, 0}, "expected exactly one Policy document in the policy file");
  }
  return loaded.policies[0];
}

PlacementWorkload Effective(const Workload& w, const Policy& policy) {
  const LevelPolicy* lp = policy.ForLevel(w.security_level);
  if (!lp) {
    throw ConfigError(w.pos, "Workload " + w.name + ": policy '" + policy.name +
                                 "' has no rules for security level " +
                                 std::to_string(w.security_level));
  }
  MaxUnavailable(w, policy);  // within the level's limit
  PlacementWorkload e;
  e.name = w.name;
  e.level = w.security_level;
  e.replicas = std::max(w.replicas, lp->min_replicas);
  const Spread own = w.placement.spread.value_or(Spread::kNone);
  e.spread = SpreadRank(own) >= SpreadRank(lp->spread) ? own : lp->spread;
  e.separation = lp->separation;
  e.providers = w.placement.providers;
  e.labels = w.placement.labels;
  e.residency = lp->residency;
  e.require_compliance = lp->require_compliance;
  e.profile = lp->compliance_profile;
  e.unknown = lp->unknown_compliance;
  e.allow_memory_overcommit = lp->allow_memory_overcommit;
  e.allow_disk_overcommit = lp->allow_disk_overcommit;
  e.resources = w.resources;
  e.spec_hash = SpecHash(w, e);
  return e;
}

int MaxUnavailable(const Workload& w, const Policy& policy) {
  const LevelPolicy* lp = policy.ForLevel(w.security_level);
  if (!lp) return 1;
  const int n = w.update.max_unavailable.value_or(lp->max_unavailable);
  if (lp->max_unavailable_limit > 0 && n > lp->max_unavailable_limit) {
    throw ConfigError(w.update.max_unavailable ? w.update.pos : w.pos,
                      "Workload " + w.name + ": update.max_unavailable: expected at most " +
                          std::to_string(lp->max_unavailable_limit) + " (policy '" + policy.name +
                          "' limit for level " + std::to_string(w.security_level) + "), got " +
                          std::to_string(n));
  }
  return n;
}

std::string SpecHash(const Workload& w, const PlacementWorkload& e) {
  nlohmann::json spec = {
      {"agency", w.agency},
      {"system", w.system},
      {"level", w.security_level},
      {"vcpus", w.resources.vcpus},
      {"memory", w.resources.memory},
      {"disk", w.resources.disk},
      {"image", w.image},
      {"network", w.network},
      {"health", w.health ? w.health->url : ""},
      {"separation", ToString(e.separation)},
  };
  // Only present where set, so that the hash of a workload without them is what it was.
  if (!w.cloud_init.empty()) spec["cloud_init"] = CloudInitDigest(w.cloud_init);
  return "sha256:" + Sha256Hex(spec.dump()).substr(0, 24);
}

std::string NameUuid(const std::string& name) {
  // RFC 4122 version 5: SHA-1 of namespace + name, with version and variant bits set.
  static constexpr unsigned char kNamespace[16] = {0x3c, 0x1e, 0x7a, 0x52, 0x9b, 0x0d, 0x4f, 0x61,
                                                   0x8e, 0x2a, 0x64, 0x65, 0x67, 0x6f, 0x76, 0x01};
  std::string data(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
  data += name;
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x50);
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);
  const std::string h = Hex({reinterpret_cast<const char*>(d), 16});
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string ReplicaUuid(const std::string& workload, int replica) {
  return NameUuid("egov-cloud/" + workload + "/" + std::to_string(replica));
}

std::string DomainName(const std::string& workload, int replica) {
  return workload + "-" + std::to_string(replica);
}

std::string SeparationName(const std::string& workload) { return "egov-" + workload; }

std::string BaseVolumeName(const Image& image) {
  return image.name + "-" + image.sha256.substr(0, 8);
}

std::string BaseMarkerName(const std::string& base) { return base + std::string(kMarkerSuffix); }

std::string MarkedBase(const std::string& volume) {
  if (!volume.ends_with(kMarkerSuffix) || volume.size() == kMarkerSuffix.size()) return "";
  return volume.substr(0, volume.size() - kMarkerSuffix.size());
}

std::string RootVolumeName(const std::string& domain) { return domain + "-root"; }

std::string SeedVolumeName(const std::string& domain) { return domain + "-seed"; }

std::string CloudInitDigest(const CloudInit& c) {
  std::string all;
  for (const auto& k : c.ssh_authorized_keys) all += k + "\n";
  all += '\0' + c.user_data;
  return "sha256:" + Sha256Hex(all).substr(0, 24);
}

}  // namespace egov::orchestrator
