#include "orchestrator/audit/placement.h"

#include <libxml/xmlerror.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <mutex>

#include "common/domain_metadata.h"
#include "common/libvirt.h"

namespace egov::orchestrator::audit {
namespace {

void Silent(void*, const char*, ...) {}

HostDomains ReadHost(const Host& host) {
  HostDomains out;
  out.source = "libvirt";
  // libvirt's test driver parses host files with libxml2, which prints "I/O warning" lines
  // for a missing file; the error is reported with the host instead. Per thread in libxml2.
  xmlSetGenericErrorFunc(nullptr, Silent);
  try {
    libvirt::OpenOptions options;
    options.read_only = true;
    const auto conn = libvirt::Connection::Open(host.uri, options);
    for (const auto& dom : conn->ListAllDomains()) {
      // The whole definition, not virDomainGetMetadata: that returns the element without its
      // namespace declaration, which ParseMetadataElement needs to recognise it.
      const auto meta = ParseDomainMetadata(libvirt::GetDomainXml(dom.get()));
      if (!meta) continue;  // not managed by egovctl
      out.domains.push_back(
          {libvirt::GetDomainInfo(dom.get()).name, meta->workload, meta->replica});
    }
    out.known = true;
  } catch (const libvirt::Error& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace

std::map<std::string, HostDomains> ReadPlacement(const Inventory& inventory, size_t parallel) {
  std::map<std::string, HostDomains> out;
  std::mutex mu;
  boost::asio::thread_pool pool(std::max<size_t>(1, std::min<size_t>(parallel, 32)));
  for (const auto& p : inventory.providers) {
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) {
        if (h.uri.empty() || h.state == HostState::kFailed) continue;  // fenced: never called
        boost::asio::post(pool, [&out, &mu, &h] {
          HostDomains d = ReadHost(h);
          const std::lock_guard lock(mu);
          out[h.name] = std::move(d);
        });
      }
    }
  }
  pool.join();
  return out;
}

}  // namespace egov::orchestrator::audit
