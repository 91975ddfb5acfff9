#include "orchestrator/hosts.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "common/digest.h"
#include "common/files.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
constexpr const char* kTestNamespace = "http://libvirt.org/schemas/domain/test/1.0";

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

// The domain's inactive XML with `<test:runstate>` set to its current state, so the test
// driver brings it back running or shut off.
std::string WithRunState(const std::string& xml, int state) {
  // Most domains carry nothing of the test namespace (those defined since the host was
  // loaded): the element goes in as text, before libvirt's closing tag. Re-parsing every
  // definition took half the time of writing a host back.
  constexpr std::string_view kOpen = "<domain";
  const std::string_view text(xml);
  const size_t close = text.rfind("</domain>");
  if (text.rfind("<domain ", 0) == 0 && close != std::string_view::npos &&
      text.find("xmlns:test") == std::string_view::npos &&
      text.find(kTestNamespace) == std::string_view::npos) {
    std::string out;
    out.reserve(xml.size() + 128);
    out.append(kOpen).append(" xmlns:test=\"").append(kTestNamespace).append("\"");
    out.append(text.substr(kOpen.size(), close - kOpen.size()));
    out.append("  <test:runstate>").append(std::to_string(state)).append("</test:runstate>\n");
    out.append("</domain>");
    return out;
  }
  std::unique_ptr<xmlDoc, DocFree> doc(xmlReadMemory(
      xml.data(), static_cast<int>(xml.size()), "domain.xml", "UTF-8",
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS));
  if (!doc) throw std::runtime_error("libvirt returned domain XML that does not parse");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  auto href = reinterpret_cast<const xmlChar*>(kTestNamespace);
  for (xmlNode* child = root->children; child;) {
    xmlNode* next = child->next;
    if (child->type == XML_ELEMENT_NODE && child->ns && xmlStrEqual(child->ns->href, href)) {
      xmlUnlinkNode(child);
      xmlFreeNode(child);
    }
    child = next;
  }
  xmlNs* ns = xmlSearchNsByHref(doc.get(), root, href);
  if (!ns) ns = xmlNewNs(root, href, reinterpret_cast<const xmlChar*>("test"));
  xmlNewChild(root, ns, reinterpret_cast<const xmlChar*>("runstate"),
              reinterpret_cast<const xmlChar*>(std::to_string(state).c_str()));
  std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buf(xmlBufferCreate(), xmlBufferFree);
  xmlNodeDump(buf.get(), doc.get(), root, 1, 1);
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf.get())),
                     static_cast<size_t>(xmlBufferLength(buf.get())));
}

// libvirt numbers the states as RunState does (observed.h); anything newer is "no state".
RunState ToRunState(int state) {
  static_assert(VIR_DOMAIN_NOSTATE == static_cast<int>(RunState::kNoState) &&
                VIR_DOMAIN_RUNNING == static_cast<int>(RunState::kRunning) &&
                VIR_DOMAIN_BLOCKED == static_cast<int>(RunState::kBlocked) &&
                VIR_DOMAIN_PAUSED == static_cast<int>(RunState::kPaused) &&
                VIR_DOMAIN_SHUTDOWN == static_cast<int>(RunState::kShutdown) &&
                VIR_DOMAIN_SHUTOFF == static_cast<int>(RunState::kShutoff) &&
                VIR_DOMAIN_CRASHED == static_cast<int>(RunState::kCrashed) &&
                VIR_DOMAIN_PMSUSPENDED == static_cast<int>(RunState::kSuspended));
  if (state < VIR_DOMAIN_NOSTATE || state > VIR_DOMAIN_PMSUSPENDED) return RunState::kNoState;
  return static_cast<RunState>(state);
}

}  // namespace

bool IsSimulatedUri(const std::string& uri, std::string& path) {
  static constexpr std::string_view kPrefix = "test://";
  if (uri.rfind(kPrefix, 0) != 0) return false;
  path = uri.substr(kPrefix.size());
  return path.size() > 1 && path[0] == '/' && path != "/default";
}

void EnsureSimulatedHostFile(const std::string& path, const Host& host) {
  std::error_code ec;
  if (fs::exists(path, ec)) return;
  CreateDirectories(fs::path(path).parent_path().string());
  const std::string node =
      "<node>\n  <cpu><nodes>1</nodes><sockets>1</sockets><cores>" +
      std::to_string(std::max<int64_t>(host.capacity.vcpus, 1)) +
      "</cores><threads>1</threads><mhz>2400</mhz><model>x86_64</model></cpu>\n  <memory>" +
      std::to_string(std::max<uint64_t>(host.capacity.memory / 1024, 1)) + "</memory>\n</node>\n";
  WriteFileAtomically(path, node, kStateMode);
}

void ReadHost(const libvirt::Connection& conn, ObservedHost& h, bool volumes) {
  h.domains.clear();
  h.networks.clear();
  h.pools.clear();
  h.volumes.clear();
  for (const auto& dom : conn.ListAllDomains()) {
    ObservedDomain d;
    const libvirt::DomainInfo info = libvirt::GetDomainInfo(dom.get());
    d.name = info.name;
    d.uuid = info.uuid;
    d.state = ToRunState(info.state);
    d.vcpus = info.vcpus;
    d.memory_bytes = info.max_memory_kib * 1024;
    if (auto xml = libvirt::GetDomainMetadata(dom.get(), kMetadataNamespace)) {
      d.metadata = ParseMetadataElement(*xml);
    }
    h.domains.push_back(std::move(d));
  }
  std::sort(h.domains.begin(), h.domains.end(),
            [](const ObservedDomain& a, const ObservedDomain& b) { return a.name < b.name; });
  for (const auto& net : conn.ListAllNetworks()) {
    h.networks.insert(libvirt::NetworkName(net.get()));
  }
  for (const auto& pool : conn.ListAllStoragePools()) {
    const std::string name = libvirt::StoragePoolName(pool.get());
    h.pools.insert(name);
    if (volumes && name.rfind("egov-", 0) == 0 && libvirt::StoragePoolIsActive(pool.get())) {
      h.volumes[name] = libvirt::ListVolumes(pool.get());
    }
  }
}

ConnectedHosts ConnectHosts(const std::vector<FleetHost>& hosts, const ConnectOptions& options) {
  ConnectedHosts out;
  out.sessions.resize(hosts.size());
  out.observed.resize(hosts.size());
  ParallelFor(hosts.size(), options.threads, [&](size_t i) {
    auto s = std::make_unique<HostSession>();
    ObservedHost& o = out.observed[i];
    o.ref = hosts[i];
    s->name = hosts[i].host->name;
    s->uri = hosts[i].host->uri;
    s->keepalive_interval = options.keepalive_interval;
    s->open_timeout = options.open_timeout;
    if (hosts[i].host->state == HostState::kFailed) {
      s->fenced = true;
      s->error = o.error =
          "declared failed in the inventory (fenced): egovctl does not call it; its replicas "
          "are re-created elsewhere";
      out.sessions[i] = std::move(s);
      return;
    }
    try {
      libvirt::OpenOptions open;
      open.keepalive_interval = options.keepalive_interval;
      if (IsSimulatedUri(s->uri, s->sim_path)) {
        EnsureSimulatedHostFile(s->sim_path, *hosts[i].host);
      } else {
        open.open_timeout = options.open_timeout;
      }
      s->conn = libvirt::Connection::Open(s->uri, open);
      o.traits = TraitsFromCapabilities(s->uri, s->conn->Capabilities());
      ReadHost(*s->conn, o);
      o.reachable = true;
    } catch (const std::exception& e) {
      s->conn.reset();
      s->error = o.error = e.what();
      o.domains.clear();
    }
    out.sessions[i] = std::move(s);
  });
  return out;
}

bool InProcess(const HostSession& h) { return h.uri.rfind("test", 0) == 0; }

void OpenWorkers(HostSession& h, size_t n) {
  if (InProcess(h)) return;
  libvirt::OpenOptions open;
  open.keepalive_interval = h.keepalive_interval;
  open.open_timeout = h.open_timeout;
  while (h.workers.size() < n) h.workers.push_back(libvirt::Connection::Open(h.uri, open));
}

void SaveSimulatedHost(const HostSession& h) {
  if (h.sim_path.empty()) return;
  const virNodeInfo node = h.conn->NodeInfo();
  const unsigned cpus = std::max(1u, node.cpus);
  std::string out = "<node>\n  <cpu><nodes>1</nodes><sockets>1</sockets><cores>" +
                    std::to_string(cpus) + "</cores><threads>1</threads><mhz>" +
                    std::to_string(node.mhz) + "</mhz><model>" + XmlEscape(node.model) +
                    "</model></cpu>\n  <memory>" + std::to_string(node.memory) + "</memory>\n";
  for (const auto& net : h.conn->ListAllNetworks()) out += libvirt::GetNetworkXml(net.get());
  for (const auto& pool : h.conn->ListAllStoragePools()) {
    // The test driver reads a pool's volumes from <volume> elements inside its <pool>.
    std::string xml = libvirt::GetStoragePoolXml(pool.get());
    const size_t end = xml.rfind("</pool>");
    if (end != std::string::npos && libvirt::StoragePoolIsActive(pool.get())) {
      // libvirt's own XML of each volume, which the test driver reads back as it is: parsing
      // it into a StorageVolume to write it again was a third of writing a host back.
      std::string volumes;
      for (const auto& v : libvirt::ListVolumeXml(pool.get())) volumes += v;
      xml.insert(end, volumes);
    }
    out += xml;
  }
  for (const auto& dom : h.conn->ListAllDomains()) {
    const libvirt::DomainInfo info = libvirt::GetDomainInfo(dom.get());
    out += WithRunState(
        libvirt::GetDomainXml(dom.get(), VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE),
        info.state);
    out += "\n";
  }
  out += "</node>\n";
  ReplaceFileKeepingPrevious(h.sim_path, out);
}

}  // namespace egov::orchestrator
