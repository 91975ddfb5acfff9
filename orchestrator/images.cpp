#include "orchestrator/images.h"

#include <ostream>

#include "common/units.h"
#include "orchestrator/desired.h"

namespace egov::orchestrator {

std::vector<HostImage> ListHostImages(const std::vector<ObservedHost>& hosts) {
  std::vector<HostImage> out;
  for (const auto& h : hosts) {
    auto it = h.volumes.find(kImagesPool);
    if (!h.reachable || it == h.volumes.end()) continue;
    for (const auto& base : it->second) {
      HostImage image{h.ref.host->name, base, {}};
      for (const auto& [pool, volumes] : h.volumes) {
        for (const auto& v : volumes) {
          if (!base.path.empty() && v.backing_path == base.path) {
            image.users.push_back(pool + "/" + v.name);
          }
        }
      }
      out.push_back(std::move(image));
    }
  }
  return out;
}

nlohmann::json ToJson(const std::vector<HostImage>& images) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& i : images) {
    out.push_back({{"host", i.host},
                   {"volume", i.volume.name},
                   {"path", i.volume.path},
                   {"capacity", i.volume.capacity},
                   {"allocation", i.volume.allocation},
                   {"used_by", i.users}});
  }
  return {{"schema", "egov.images/v1"}, {"images", out}};
}

void PrintHostImages(const std::vector<HostImage>& images, std::ostream& out) {
  if (images.empty()) {
    out << "No base images on the reachable hosts.\n";
    return;
  }
  std::string host;
  for (const auto& i : images) {
    if (i.host != host) out << (host.empty() ? "" : "\n") << (host = i.host) << ":\n";
    out << "  " << i.volume.name << "  " << FormatSize(i.volume.capacity) << " capacity, "
        << FormatSize(i.volume.allocation) << " allocated, ";
    if (i.users.empty()) {
      out << "unused (egovctl images prune removes it)\n";
    } else {
      out << "backs " << i.users.size() << " root disk(s)\n";
    }
  }
}

}  // namespace egov::orchestrator
