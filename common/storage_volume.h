#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// libvirt storage volume XML, both ways: base images, per-replica qcow2 overlays and seeds.
// Pure functions; the libvirt adapter sends and reads the XML.
namespace egov {

/// A storage volume as egov-cloud describes and reads it.
struct StorageVolume {
  std::string name;
  std::string path;            ///< where the pool keeps it; chosen by the pool on creation
  std::string format;          ///< qcow2, raw, iso, ...
  uint64_t capacity = 0;       ///< bytes the guest sees
  uint64_t allocation = 0;     ///< bytes the volume takes on the host
  std::string backing_path;    ///< the backing store's path; empty when none
  std::string backing_format;  ///< its format (qcow2, raw)
};

/// The XML for virStorageVolCreateXML; `path` is not written (the pool chooses it).
std::string BuildVolumeXml(const StorageVolume& volume);

/// Reads a volume's XML (virStorageVolGetXMLDesc); nullopt when it is not volume XML.
std::optional<StorageVolume> ParseVolumeXml(std::string_view xml);

}  // namespace egov
