#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/context.h"
#include "common/domain_metadata.h"

// libvirt domain definitions as the domain checks need them: parsed purely from domain XML,
// loaded from the persistent definitions under the root or from a live libvirt connection.
namespace egov::checks {

struct DomainGraphics {
  std::string type;     ///< vnc, spice, sdl, ...
  std::string listen;   ///< address; empty when none is given (qemu.conf's default applies)
  bool local = false;   ///< a UNIX socket or no listener at all
  bool secure = false;  ///< SPICE with defaultMode="secure"
};

struct DomainDisk {
  std::string target;    ///< vda, sdb ...
  std::string identity;  ///< what it shares with others: dir:/var/lib/..., pool:NAME, dev:/dev/...
  bool encrypted = false;
};

struct DomainInfo {
  std::string name;
  std::string source;                      ///< file inside the root, or the libvirt URI
  std::optional<DomainMetadata> metadata;  ///< egovctl's element; nullopt: unmanaged
  std::vector<DomainGraphics> graphics;
  std::string seclabel;  ///< type of the domain-level <seclabel>; empty when absent
  std::vector<DomainDisk> disks;
  std::vector<std::string> networks;  ///< network:NAME, bridge:NAME, direct:DEV
};

/// Parses one domain XML document; nullopt (with `error`) when it is not one.
std::optional<DomainInfo> ParseDomainXml(std::string_view xml, std::string& error);

struct DomainSet {
  std::vector<DomainInfo> domains;
  std::vector<std::string> errors;  ///< files or domains that could not be read
  std::string where;                ///< directory or URI, for evidence
};
/// `<root>/<dir>/*.xml` (libvirt's persistent definitions), once per scan.
std::shared_ptr<const DomainSet> LoadDomainsFromDir(const HostContext& ctx, const std::string& dir);
/// Every domain of a libvirt connection (read-only), once per scan.
std::shared_ptr<const DomainSet> LoadDomainsFromUri(const HostContext& ctx, const std::string& uri);

}  // namespace egov::checks
