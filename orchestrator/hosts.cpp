#include "orchestrator/hosts.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/digest.h"
#include "common/files.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
constexpr const char* kTestNamespace = "http://libvirt.org/schemas/domain/test/1.0";

// libvirt's open can block for long on a host that accepts TCP but does not answer (a frozen
// daemon); keepalive only starts once the connection is open. The attempt is abandoned after
// `timeout` and finishes (and closes) in the background.
std::unique_ptr<libvirt::Connection> OpenWithTimeout(const std::string& uri,
                                                     const libvirt::OpenOptions& options,
                                                     std::chrono::milliseconds timeout) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::unique_ptr<libvirt::Connection> conn;
    std::exception_ptr error;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, uri, options] {
    std::unique_ptr<libvirt::Connection> conn;
    std::exception_ptr error;
    try {
      conn = libvirt::Connection::Open(uri, options);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(shared->mu);
    shared->conn = std::move(conn);
    shared->error = error;
    shared->done = true;
    shared->cv.notify_all();
  }).detach();
  std::unique_lock lock(shared->mu);
  if (!shared->cv.wait_for(lock, timeout, [&] { return shared->done; })) {
    throw libvirt::Error("cannot connect to " + uri + ": no answer within " +
                             std::to_string(timeout.count() / 1000) + " s",
                         0, 0, true);
  }
  if (shared->error) std::rethrow_exception(shared->error);
  return std::move(shared->conn);
}

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

}  // namespace

const char* StateName(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
      return "running";
    case VIR_DOMAIN_BLOCKED:
      return "blocked";
    case VIR_DOMAIN_PAUSED:
      return "paused";
    case VIR_DOMAIN_SHUTDOWN:
      return "shutting-down";
    case VIR_DOMAIN_SHUTOFF:
      return "shutoff";
    case VIR_DOMAIN_CRASHED:
      return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
      return "suspended";
    default:
      return "unknown";
  }
}

bool IsSimulatedUri(const std::string& uri, std::string& path) {
  static constexpr std::string_view kPrefix = "test://";
  if (uri.rfind(kPrefix, 0) != 0) return false;
  path = uri.substr(kPrefix.size());
  return path.size() > 1 && path[0] == '/' && path != "/default";
}

void EnsureSimulatedHostFile(const std::string& path, const Host& host) {
  std::error_code ec;
  if (fs::exists(path, ec)) return;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create " + fs::path(path).parent_path().string());
  const std::string node =
      "<node>\n  <cpu><nodes>1</nodes><sockets>1</sockets><cores>" +
      std::to_string(std::max<int64_t>(host.capacity.vcpus, 1)) +
      "</cores><threads>1</threads><mhz>2400</mhz><model>x86_64</model></cpu>\n  <memory>" +
      std::to_string(std::max<uint64_t>(host.capacity.memory / 1024, 1)) + "</memory>\n</node>\n";
  WriteFileAtomically(path, node);
}

void ReadHost(HostSession& h) {
  h.domains.clear();
  h.networks.clear();
  h.pools.clear();
  for (const auto& dom : h.conn->ListAllDomains()) {
    ObservedDomain d;
    const libvirt::DomainInfo info = libvirt::GetDomainInfo(dom.get());
    d.name = info.name;
    d.uuid = info.uuid;
    d.state = info.state;
    d.vcpus = info.vcpus;
    d.memory_bytes = info.max_memory_kib * 1024;
    if (auto xml = libvirt::GetDomainMetadata(dom.get(), kMetadataNamespace)) {
      d.metadata = ParseMetadataElement(*xml);
    }
    h.domains.push_back(std::move(d));
  }
  std::sort(h.domains.begin(), h.domains.end(),
            [](const ObservedDomain& a, const ObservedDomain& b) { return a.name < b.name; });
  for (const auto& net : h.conn->ListAllNetworks()) {
    h.networks.insert(libvirt::NetworkName(net.get()));
  }
  for (const auto& pool : h.conn->ListAllStoragePools()) {
    h.pools.insert(libvirt::StoragePoolName(pool.get()));
  }
}

std::vector<std::unique_ptr<HostSession>> ConnectHosts(const std::vector<FleetHost>& hosts,
                                                       const ConnectOptions& options) {
  std::vector<std::unique_ptr<HostSession>> out(hosts.size());
  ParallelFor(hosts.size(), options.threads, [&](size_t i) {
    auto s = std::make_unique<HostSession>();
    s->ref = hosts[i];
    s->uri = hosts[i].host->uri;
    try {
      libvirt::OpenOptions open;
      open.keepalive_interval = options.keepalive_interval;
      s->keepalive_interval = options.keepalive_interval;
      if (IsSimulatedUri(s->uri, s->sim_path)) {
        EnsureSimulatedHostFile(s->sim_path, *hosts[i].host);
        s->conn = libvirt::Connection::Open(s->uri, open);
      } else {
        s->conn = OpenWithTimeout(s->uri, open, options.open_timeout);
      }
      s->traits = TraitsFromCapabilities(s->uri, s->conn->Capabilities());
      ReadHost(*s);
      s->reachable = true;
    } catch (const std::exception& e) {
      s->reachable = false;
      s->error = e.what();
      s->domains.clear();
    }
    out[i] = std::move(s);
  });
  return out;
}

void OpenWorkers(HostSession& h, size_t n) {
  if (!h.sim_path.empty() || h.uri.rfind("test", 0) == 0) return;
  libvirt::OpenOptions open;
  open.keepalive_interval = h.keepalive_interval;
  while (h.workers.size() < n) {
    h.workers.push_back(OpenWithTimeout(h.uri, open, std::chrono::milliseconds(15000)));
  }
}

void SaveSimulatedHost(HostSession& h) {
  if (h.sim_path.empty()) return;
  const virNodeInfo node = h.conn->NodeInfo();
  const unsigned cpus = std::max(1u, node.cpus);
  std::string out = "<node>\n  <cpu><nodes>1</nodes><sockets>1</sockets><cores>" +
                    std::to_string(cpus) + "</cores><threads>1</threads><mhz>" +
                    std::to_string(node.mhz) + "</mhz><model>" + XmlEscape(node.model) +
                    "</model></cpu>\n  <memory>" + std::to_string(node.memory) + "</memory>\n";
  for (const auto& net : h.conn->ListAllNetworks()) out += libvirt::GetNetworkXml(net.get());
  for (const auto& pool : h.conn->ListAllStoragePools()) {
    out += libvirt::GetStoragePoolXml(pool.get());
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
  h.changed = false;
}

std::string Fingerprint(const std::vector<std::unique_ptr<HostSession>>& hosts) {
  std::vector<std::string> lines;
  for (const auto& h : hosts) {
    lines.push_back(h->ref.host->name + (h->reachable ? " up" : " unknown"));
    for (const auto& d : h->domains) {
      lines.push_back(h->ref.host->name + " " + d.uuid + " " + d.name + " " +
                      std::to_string(d.state) + " " + std::to_string(d.vcpus) + " " +
                      std::to_string(d.memory_bytes) + " " +
                      (d.metadata ? d.metadata->spec_hash : std::string("unmanaged")));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const auto& l : lines) all.append(l.c_str(), l.size() + 1);  // each line ends in NUL
  return "sha256:" + Sha256Hex(all);
}

}  // namespace egov::orchestrator
