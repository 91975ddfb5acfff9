#include "orchestrator/observed.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "common/enum_names.h"
#include "common/units.h"

namespace egov::orchestrator {

const char* StateName(RunState state) {
  static constexpr const char* kNames[] = {"unknown",       "running", "blocked", "paused",
                                           "shutting-down", "shutoff", "crashed", "suspended"};
  static_assert(std::size(kNames) == static_cast<size_t>(RunState::kSuspended) + 1);
  return EnumName(kNames, state);
}

const StorageVolume* ObservedHost::FindVolume(const std::string& pool,
                                              const std::string& name) const {
  auto it = volumes.find(pool);
  if (it == volumes.end()) return nullptr;
  for (const auto& v : it->second) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::vector<FieldChange> SizeChanges(const ObservedDomain& d, const Resources& spec) {
  std::vector<FieldChange> out;
  if (d.vcpus != static_cast<unsigned>(spec.vcpus)) {
    out.push_back({"vcpus", std::to_string(d.vcpus), std::to_string(spec.vcpus)});
  }
  if (d.memory_bytes / 1024 != spec.memory / 1024) {
    out.push_back({"memory", FormatSize(d.memory_bytes), FormatSize(spec.memory)});
  }
  return out;
}

std::string Fingerprint(const std::vector<ObservedHost>& hosts) {
  std::vector<std::string> lines;
  for (const auto& h : hosts) {
    lines.push_back(h.ref.host->name + (h.reachable ? " up" : " unknown"));
    for (const auto& d : h.domains) {
      lines.push_back(h.ref.host->name + " " + d.uuid + " " + d.name + " " +
                      std::to_string(static_cast<int>(d.state)) + " " + std::to_string(d.vcpus) +
                      " " + std::to_string(d.memory_bytes) + " " +
                      (d.metadata ? d.metadata->spec_hash : std::string("unmanaged")));
    }
    for (const auto& [pool, vols] : h.volumes) {
      for (const auto& v : vols) {
        lines.push_back(h.ref.host->name + " " + pool + "/" + v.name + " " +
                        std::to_string(v.capacity) + " " + v.backing_path);
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (const auto& l : lines) EVP_DigestUpdate(ctx, l.data(), l.size() + 1);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return "sha256:" + hex;
}

}  // namespace egov::orchestrator
