#pragma once

#include <optional>
#include <string>
#include <string_view>

// The <metadata> element egovctl writes into every domain it manages, in the project's own XML
// namespace (libvirt allows one top-level element per namespace). Domains without it are
// unmanaged: reported, never touched. The agent and the check library read the same element.
struct _xmlNode;  // libxml2's element

namespace egov {

inline constexpr const char* kMetadataNamespace = "https://egov-cloud.vn/xmlns/workload/1";
inline constexpr const char* kMetadataPrefix = "egov";
inline constexpr const char* kMetadataElement = "workload";

struct DomainMetadata {
  std::string workload;  ///< Workload name (DNS label)
  std::string agency;    ///< UTF-8, kept byte for byte
  std::string system;    ///< UTF-8, kept byte for byte
  int security_level = 0;
  int replica = 0;  ///< replica index within the workload
  std::string provider;
  std::string zone;
  std::string spec_hash;  ///< hash of the spec the domain was defined from
  std::string health_url;
  std::string network;

  bool operator==(const DomainMetadata&) const = default;
};

/// Escapes text for an XML attribute or element body (&, <, >, ", ').
std::string XmlEscape(std::string_view text);

/// The element as libvirt stores it: `<egov:workload xmlns:egov="…" workload="…" …/>`.
std::string FormatMetadataElement(const DomainMetadata& metadata);

/// Parses the element as virDomainGetMetadata returns it (without namespace: libvirt drops it)
/// or as FormatMetadataElement writes it (in our namespace).
/// Returns nullopt when it is not our element or a required attribute is missing or malformed.
std::optional<DomainMetadata> ParseMetadataElement(std::string_view xml);

/// The same from the element in a document already parsed (in our namespace).
std::optional<DomainMetadata> MetadataFromNode(_xmlNode* node);

/// Finds and parses our element inside a whole domain XML document; nullopt when the domain
/// is not managed by egovctl (or the XML is not well formed).
std::optional<DomainMetadata> ParseDomainMetadata(std::string_view domain_xml);

}  // namespace egov
