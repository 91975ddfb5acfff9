#include "checks/domains.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "common/libvirt.h"

namespace egov::checks {
namespace {

struct XmlDocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

std::string Attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

bool Is(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE &&
         xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

const xmlNode* Child(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (Is(c, name)) return c;
  }
  return nullptr;
}

std::string Text(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

DomainGraphics ReadGraphics(const xmlNode* g) {
  DomainGraphics out;
  out.type = Attr(g, "type");
  out.listen = Attr(g, "listen");
  out.secure = Attr(g, "defaultMode") == "secure";
  bool socket = Attr(g, "socket").size() > 0;
  bool none = false;
  for (const xmlNode* l = g->children; l; l = l->next) {
    if (!Is(l, "listen")) continue;
    const std::string type = Attr(l, "type");
    if (type == "socket")
      socket = true;
    else if (type == "none")
      none = true;
    else if (type == "address" && out.listen.empty())
      out.listen = Attr(l, "address");
    else if (type == "network" && out.listen.empty())
      out.listen = "network " + Attr(l, "network");
  }
  out.local = (socket || none) && out.listen.empty();
  if (out.type != "vnc" && out.type != "spice" && out.type != "rdp") out.local = true;
  return out;
}

DomainDisk ReadDisk(const xmlNode* d) {
  DomainDisk out;
  if (const xmlNode* t = Child(d, "target")) out.target = Attr(t, "dev");
  const std::string type = Attr(d, "type");
  const xmlNode* src = Child(d, "source");
  out.encrypted = Child(d, "encryption") != nullptr || (src && Child(src, "encryption") != nullptr);
  if (!src) return out;
  if (type == "file") {
    const std::string file = Attr(src, "file");
    out.identity =
        "dir:" + file.substr(0, file.rfind('/') == std::string::npos ? 0 : file.rfind('/'));
  } else if (type == "block") {
    out.identity = "dev:" + Attr(src, "dev");
  } else if (type == "volume") {
    out.identity = "pool:" + Attr(src, "pool");
  } else if (type == "network") {
    const std::string name = Attr(src, "name");
    out.identity = "net:" + Attr(src, "protocol") + ":" + name.substr(0, name.find('/'));
  } else {
    out.identity = type + ":";
  }
  return out;
}

// Adds the domain `xml` (read from `source`) describes to `set`, or why it cannot be read.
void AddDomain(DomainSet& set, std::string_view xml, const std::string& source) {
  std::string error;
  if (auto d = ParseDomainXml(xml, error)) {
    d->source = source;
    set.domains.push_back(std::move(*d));
  } else {
    set.errors.push_back(source + ": " + error);
  }
}

}  // namespace

std::optional<DomainInfo> ParseDomainXml(std::string_view xml, std::string& error) {
  std::unique_ptr<xmlDoc, XmlDocDeleter> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root || !Is(root, "domain")) {
    error = "not a libvirt <domain> document";
    return std::nullopt;
  }
  DomainInfo info;
  if (const xmlNode* n = Child(root, "name")) info.name = Text(n);
  if (info.name.empty()) {
    error = "domain without a <name>";
    return std::nullopt;
  }
  info.metadata = ParseDomainMetadata(xml);
  if (const xmlNode* s = Child(root, "seclabel")) info.seclabel = Attr(s, "type");
  if (const xmlNode* devices = Child(root, "devices")) {
    for (const xmlNode* d = devices->children; d; d = d->next) {
      if (Is(d, "graphics")) info.graphics.push_back(ReadGraphics(d));
      if (Is(d, "disk")) {
        const std::string device = Attr(d, "device");
        if (device.empty() || device == "disk" || device == "lun")
          info.disks.push_back(ReadDisk(d));
      }
      if (Is(d, "interface")) {
        const std::string type = Attr(d, "type");
        const xmlNode* src = Child(d, "source");
        if (!src) continue;
        if (type == "network")
          info.networks.push_back("network:" + Attr(src, "network"));
        else if (type == "bridge")
          info.networks.push_back("bridge:" + Attr(src, "bridge"));
        else if (type == "direct")
          info.networks.push_back("direct:" + Attr(src, "dev"));
      }
    }
  }
  return info;
}

namespace {

// The set `fill` reads from `where`, once per scan (memoized under `kind` and `where`).
template <class Fill>
std::shared_ptr<const DomainSet> LoadOnce(const HostContext& ctx, const std::string& kind,
                                          const std::string& where, Fill fill) {
  return ctx.Memo<DomainSet>(kind + ":" + where, [&] {
    DomainSet set;
    set.where = where;
    fill(set);
    return set;
  });
}

}  // namespace

std::shared_ptr<const DomainSet> LoadDomainsFromDir(const HostContext& ctx,
                                                    const std::string& dir) {
  return LoadOnce(ctx, "domains-dir", dir, [&](DomainSet& set) {
    for (const auto& file : ctx.Glob(dir + "/*.xml")) {
      const FileData data = ctx.Read(file, 4 << 20);
      if (data.ok()) {
        AddDomain(set, data.bytes, file);
      } else {
        set.errors.push_back(data.message);
      }
    }
  });
}

std::shared_ptr<const DomainSet> LoadDomainsFromUri(const HostContext& ctx,
                                                    const std::string& uri) {
  return LoadOnce(ctx, "domains-uri", uri, [&](DomainSet& set) {
    try {
      libvirt::OpenOptions options;
      options.read_only = true;
      const auto conn = libvirt::Connection::Open(uri, options);
      for (const auto& dom : conn->ListAllDomains()) {
        try {
          AddDomain(set, libvirt::GetDomainXml(dom.get()), uri);
        } catch (const libvirt::Error& e) {
          // This domain only: it may have gone since the listing.
          set.errors.push_back(uri + ": " + e.what());
        }
      }
    } catch (const libvirt::Error& e) {
      set.errors.push_back(e.what());  // names the URI
    }
  });
}

}  // namespace egov::checks
