#pragma once

#include <map>
#include <string>

#include "common/model.h"
#include "orchestrator/audit/report.h"

// Which workload replicas run on which host, read from each host's libvirt: the domains that
// carry the project's metadata element (common/domain_metadata.h). Read-only connections,
// many hosts at once; a host that cannot be read is returned with its error, never skipped.
namespace egov::orchestrator::audit {

/// The managed domains of every inventory host with a libvirt URI, by host name.
std::map<std::string, HostDomains> ReadPlacement(const Inventory& inventory, size_t parallel);

}  // namespace egov::orchestrator::audit
