#include "orchestrator/images.h"

#include <iterator>
#include <map>
#include <ostream>
#include <set>

#include "common/enum_names.h"
#include "common/units.h"
#include "orchestrator/desired.h"

namespace egov::orchestrator {

const char* ToString(BaseState state) {
  static constexpr const char* kNames[] = {"complete", "incomplete", "marker-only"};
  static_assert(std::size(kNames) == static_cast<size_t>(BaseState::kMarkerOnly) + 1);
  return EnumName(kNames, state);
}

std::vector<HostImage> ListHostImages(const std::vector<ObservedHost>& hosts) {
  std::vector<HostImage> out;
  for (const auto& h : hosts) {
    auto it = h.volumes.find(kImagesPool);
    if (!h.reachable || it == h.volumes.end()) continue;
    std::set<std::string> bases, marked;
    for (const auto& v : it->second) {
      if (const std::string base = MarkedBase(v.name); !base.empty()) {
        marked.insert(base);
      } else {
        bases.insert(v.name);
      }
    }
    std::map<std::string, HostImage> found;  // by base name
    for (const auto& base : it->second) {
      if (!bases.count(base.name)) continue;
      HostImage image{h.ref.host->name,
                      base,
                      {},
                      marked.count(base.name) ? BaseState::kComplete : BaseState::kIncomplete};
      for (const auto& [pool, volumes] : h.volumes) {
        for (const auto& v : volumes) {
          if (!base.path.empty() && v.backing_path == base.path) {
            image.users.push_back(pool + "/" + v.name);
          }
        }
      }
      found.emplace(base.name, std::move(image));
    }
    for (const auto& base : marked) {
      if (bases.count(base)) continue;
      StorageVolume v;
      v.name = base;
      found.emplace(base, HostImage{h.ref.host->name, v, {}, BaseState::kMarkerOnly});
    }
    for (auto& [name, image] : found) out.push_back(std::move(image));
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
                   {"used_by", i.users},
                   {"state", ToString(i.state)}});
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
    out << "  " << i.volume.name << "  ";
    if (i.state == BaseState::kMarkerOnly) {
      out << "only its completion marker is left (egovctl images prune removes it)\n";
      continue;
    }
    out << FormatSize(i.volume.capacity) << " capacity, " << FormatSize(i.volume.allocation)
        << " allocated, ";
    if (i.state == BaseState::kIncomplete) out << "INCOMPLETE (an upload that did not finish), ";
    if (!i.users.empty()) {
      out << "backs " << i.users.size() << " root disk(s)\n";
    } else if (i.state == BaseState::kIncomplete) {
      out << "unused (apply sends it again; egovctl images prune removes it)\n";
    } else {
      out << "unused (egovctl images prune removes it)\n";
    }
  }
}

}  // namespace egov::orchestrator
