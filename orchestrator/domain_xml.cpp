#include "orchestrator/domain_xml.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "orchestrator/desired.h"

namespace egov::orchestrator {
namespace {

constexpr const char* kDomainSchema = "/usr/share/libvirt/schemas/domain.rng";

std::string Tag(const std::string& caps, const std::string& open, const std::string& close,
                size_t from = 0) {
  const size_t a = caps.find(open, from);
  if (a == std::string::npos) return {};
  const size_t b = caps.find(close, a + open.size());
  if (b == std::string::npos) return {};
  return caps.substr(a + open.size(), b - a - open.size());
}

struct Schema {
  xmlRelaxNGPtr schema = nullptr;
  std::string error;
};

const Schema& LoadSchema() {
  static Schema s;
  static std::once_flag once;
  std::call_once(once, [] {
    xmlRelaxNGParserCtxtPtr parser = xmlRelaxNGNewParserCtxt(kDomainSchema);
    if (parser) {
      s.schema = xmlRelaxNGParse(parser);
      xmlRelaxNGFreeParserCtxt(parser);
    }
    if (!s.schema) s.error = std::string("cannot load libvirt's schema ") + kDomainSchema;
  });
  return s;
}

void CollectError(void* ctx, const char* fmt, ...) {
  auto* out = static_cast<std::string*>(ctx);
  if (!out->empty()) return;  // the first problem is the useful one
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  *out = buf;
  while (!out->empty() && out->back() == '\n') out->pop_back();
}

std::string_view Name(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

// The element as written: <name> or <prefix:name>.
std::string Element(const xmlNode* n) {
  std::string prefix = n->ns && n->ns->prefix ? reinterpret_cast<const char*>(n->ns->prefix) : "";
  return "<" + (prefix.empty() ? "" : prefix + ":") + std::string(Name(n)) + ">";
}

// Takes a string libxml2 allocated.
std::string Take(xmlChar* v) {
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

std::string Attr(xmlNode* n, const char* name) {
  return Take(xmlGetProp(n, reinterpret_cast<const xmlChar*>(name)));
}

std::string Text(xmlNode* n) { return Take(xmlNodeGetContent(n)); }

template <size_t N>
bool OneOf(std::string_view s, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

std::vector<xmlNode*> Children(xmlNode* n) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

std::string Unhardened(const std::string& what) {
  return "has " + what + ", which egovctl never defines (hardening)";
}

// A disk egovctl attaches: the replica's root disk or its read-only seed, volumes of its
// workload's pool; empty when it is one of them.
std::string DiskProblem(xmlNode* d, const ExpectedDomain& expected) {
  if (Attr(d, "type") != "volume") return Unhardened("a disk that is not a storage volume");
  const std::string device = Attr(d, "device");
  bool readonly = false;
  std::string pool, volume;
  for (xmlNode* c : Children(d)) {
    if (Name(c) == "readonly") readonly = true;
    if (Name(c) == "source") {
      pool = Attr(c, "pool");
      volume = Attr(c, "volume");
    }
  }
  const bool root = device == "disk" && volume == RootVolumeName(expected.name);
  const bool seed = device == "cdrom" && readonly && volume == SeedVolumeName(expected.name);
  if (pool != SeparationName(expected.workload) || (!root && !seed)) {
    return Unhardened("a disk other than the replica's root disk and read-only seed in pool " +
                      SeparationName(expected.workload));
  }
  return {};
}

// A device egovctl attaches, configured as it configures it; empty when it is.
std::string DeviceProblem(xmlNode* d, const ExpectedDomain& expected) {
  static constexpr std::string_view kDevices[] = {"disk", "interface", "video", "memballoon"};
  const std::string_view name = Name(d);
  if (!OneOf(name, kDevices)) return Unhardened(Element(d));
  if (name == "disk") return DiskProblem(d, expected);
  if (name == "interface" && Attr(d, "type") != "network") {
    return Unhardened("an interface that is not on a libvirt network");
  }
  if (name == "memballoon" && Attr(d, "model") != "none") return Unhardened("a memory balloon");
  if (name == "video") {
    for (xmlNode* m : Children(d)) {
      if (Name(m) == "model" && Attr(m, "type") == "none") return {};
    }
    return Unhardened("a video card");
  }
  return {};
}

// The metadata element egovctl writes, for the expected workload and replica.
std::string MetadataProblem(xmlNode* metadata, const ExpectedDomain& expected) {
  for (xmlNode* c : Children(metadata)) {
    if (!c->ns || !c->ns->href ||
        xmlStrcmp(c->ns->href, reinterpret_cast<const xmlChar*>(kMetadataNamespace)) != 0) {
      continue;
    }
    const auto m = MetadataFromNode(c);
    if (!m) return "has an incomplete egovctl metadata element";
    if (m->workload != expected.workload || m->replica != expected.replica) {
      return "has the metadata of " + m->workload + " replica " + std::to_string(m->replica) +
             ", not of " + expected.workload + " replica " + std::to_string(expected.replica);
    }
    return {};
  }
  return "has no egovctl metadata";
}

// What BuildDomainXml writes for `expected`, and nothing else; empty when it is.
std::string DefinitionProblem(xmlNode* root, const ExpectedDomain& expected) {
  static constexpr std::string_view kTypes[] = {"test", "qemu", "kvm"};
  static constexpr std::string_view kTop[] = {"name",     "uuid", "title",       "metadata",
                                              "memory",   "vcpu", "on_poweroff", "on_reboot",
                                              "on_crash", "os",   "devices",     "seclabel"};
  if (!OneOf(Attr(root, "type"), kTypes)) {
    return Unhardened("domain type '" + Attr(root, "type") + "'");
  }
  std::string problem = "has no egovctl metadata";
  for (xmlNode* c : Children(root)) {
    const std::string_view name = Name(c);
    if (c->ns || !OneOf(name, kTop)) return Unhardened(Element(c));
    if (name == "name" && Text(c) != expected.name) {
      return "is named " + Text(c) + ", not " + expected.name;
    }
    if (name == "uuid" && Text(c) != expected.uuid) {
      return "has UUID " + Text(c) + ", not " + expected.uuid;
    }
    if (name == "seclabel" && Attr(c, "type") != "dynamic") {
      return Unhardened("a security label that is not dynamic");
    }
    for (xmlNode* o : name == "os" ? Children(c) : std::vector<xmlNode*>{}) {
      if (Name(o) != "type") return Unhardened("<os>" + Element(o));
    }
    for (xmlNode* d : name == "devices" ? Children(c) : std::vector<xmlNode*>{}) {
      if (std::string p = DeviceProblem(d, expected); !p.empty()) return p;
    }
    if (name == "metadata") problem = MetadataProblem(c, expected);
  }
  return problem;
}

// Whether `s` is made only of the characters `ok` accepts (and is not empty).
template <typename Ok>
bool All(std::string_view s, Ok ok) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return ok(c); });
}

bool LowerAlnumDash(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool LowerHex(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }

// The replica's own values, in the classes BuildDomainXml writes them, each a subset of what
// libvirt's schema accepts where they stand: name and title (objectNameWithSlash, [^\n]+),
// UUID, MAC (uniMacAddr), network (any text), pool (objectName, [^/\n]+) and volume (volName,
// [^/]+ but not . or ..). Text split by a comment is checked piece by piece: pieces of a class
// make a value that every definition of the shape has or none has.
bool ReplicaName(std::string_view s) { return s.size() <= 253 && All(s, LowerAlnumDash); }
bool ReplicaUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !LowerHex(s[i])) return false;
  }
  return true;
}
bool ReplicaMac(std::string_view s) {
  if (s.size() != 17 || std::string_view("02468ace").find(s[1]) == std::string_view::npos) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2 ? s[i] != ':' : !LowerHex(s[i])) return false;
  }
  return true;
}

// Where a node stands, for the values SchemaShape may leave out.
enum class Place { kDocument, kOther, kDomain, kDevices, kDisk, kInterface, kMetadata };

Place ChildPlace(Place parent, const xmlNode* n) {
  if (parent == Place::kMetadata) return Place::kMetadata;
  if (n->ns) return Place::kOther;
  const std::string_view name = Name(n);
  if (parent == Place::kDocument && name == "domain") return Place::kDomain;
  if (parent == Place::kDomain && name == "metadata") return Place::kMetadata;
  if (parent == Place::kDomain && name == "devices") return Place::kDevices;
  if (parent == Place::kDevices && name == "disk") return Place::kDisk;
  if (parent == Place::kDevices && name == "interface") return Place::kInterface;
  return Place::kOther;
}

// Appends `n`'s shape: the element tree as libvirt's schema sees it, with a replica's own
// values (name, title, UUID, MAC, network, pool and volume names, egovctl's metadata) left out
// where they are of a class the schema accepts there. Two definitions of one shape differ only in
// such values, so the schema accepts both or neither.
void SchemaShape(const xmlNode* n, Place parent, std::string& out) {
  const Place place = ChildPlace(parent, n);
  const std::string_view name = Name(n);
  auto value = [&](std::string_view v, bool replica_own) {
    out += replica_own ? std::string_view("\x01") : v;
    out += '\0';
  };
  out += '\x02';
  if (n->ns && n->ns->href) out += reinterpret_cast<const char*>(n->ns->href);
  out += '\0';
  out += name;
  out += '\0';
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    out += '\x03';
    if (a->ns && a->ns->href) out += reinterpret_cast<const char*>(a->ns->href);
    out += '\0';
    const std::string_view attr = reinterpret_cast<const char*>(a->name);
    out += attr;
    out += '\0';
    const std::string v = Take(xmlNodeListGetString(n->doc, a->children, 1));
    // Within <metadata>, any element may have any attribute and text (customElement).
    const bool plain = !a->ns && !n->ns;
    const bool own = parent == Place::kMetadata ||
                     (plain && parent == Place::kInterface && name == "mac" && attr == "address" &&
                      ReplicaMac(v)) ||
                     (plain && parent == Place::kInterface && name == "source" &&
                      attr == "network" && ReplicaName(v)) ||
                     (plain && parent == Place::kDisk && name == "source" &&
                      (attr == "pool" || attr == "volume") && ReplicaName(v));
    value(v, own);
  }
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      SchemaShape(c, place, out);
      continue;
    }
    const std::string_view text =
        c->content ? reinterpret_cast<const char*>(c->content) : std::string_view();
    out += '\x04';
    out += std::to_string(c->type);
    out += '\0';
    if (c->name) out += reinterpret_cast<const char*>(c->name);
    out += '\0';
    const bool own = c->type == XML_TEXT_NODE && parent == Place::kDomain && !n->ns &&
                     ((name == "name" && ReplicaName(text)) ||
                      (name == "title" && !text.empty() && text.find('\n') == text.npos) ||
                      (name == "uuid" && ReplicaUuid(text)));
    value(text, own || (c->type == XML_TEXT_NODE && place == Place::kMetadata &&
                        parent == Place::kMetadata));
  }
  out += '\x05';
}

// The shapes libvirt's schema accepted in this process (at most kMaxShapes: past that, every
// definition is validated in full).
class AcceptedShapes {
 public:
  bool Contains(const std::string& shape) {
    std::lock_guard lock(mu_);
    return shapes_.count(shape) > 0;
  }
  void Add(std::string shape) {
    std::lock_guard lock(mu_);
    if (shapes_.size() < kMaxShapes) shapes_.insert(std::move(shape));
  }

 private:
  static constexpr size_t kMaxShapes = 1024;
  std::mutex mu_;
  std::unordered_set<std::string> shapes_;
};

}  // namespace

std::string MacAddress(const std::string& uuid) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:00:%s:%s:%s", uuid.substr(0, 2).c_str(),
                uuid.substr(2, 2).c_str(), uuid.substr(4, 2).c_str());
  return mac;
}

HostTraits TraitsFromCapabilities(const std::string& uri, const std::string& caps) {
  HostTraits t;
  if (uri.rfind("test", 0) == 0) {
    t.kind = HostTraits::Kind::kTest;
  } else {
    t.kind = caps.find("<domain type='kvm'") != std::string::npos ? HostTraits::Kind::kKvm
                                                                  : HostTraits::Kind::kQemu;
  }
  // Only MAC drivers label domains dynamically; DAC and none do not.
  for (size_t at = caps.find("<secmodel>"); at != std::string::npos;
       at = caps.find("<secmodel>", at + 1)) {
    const std::string model = Tag(caps, "<model>", "</model>", at);
    if (model == "selinux" || model == "apparmor" || model == "testSecurity") {
      t.security_model = model;
      break;
    }
  }
  return t;
}

std::string BuildDomainXml(const DomainRequest& r, const HostTraits& traits) {
  const Workload& w = *r.workload;
  const char* type = traits.kind == HostTraits::Kind::kTest  ? "test"
                     : traits.kind == HostTraits::Kind::kKvm ? "kvm"
                                                             : "qemu";
  std::string x;
  x.reserve(1024);
  x += "<domain type='";
  x += type;
  x += "'>\n  <name>" + XmlEscape(r.name) + "</name>\n  <uuid>" + r.uuid + "</uuid>\n";
  x += "  <title>" + XmlEscape(w.system.empty() ? w.name : w.system) + "</title>\n";
  x += "  <metadata>\n    " + FormatMetadataElement(r.metadata) + "\n  </metadata>\n";
  x += "  <memory unit='KiB'>" + std::to_string(std::max<uint64_t>(w.resources.memory / 1024, 1)) +
       "</memory>\n";
  x += "  <vcpu>" + std::to_string(std::max<int64_t>(w.resources.vcpus, 1)) + "</vcpu>\n";
  x += "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n";
  x += "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
       "  <on_crash>destroy</on_crash>\n";
  x += "  <devices>\n";
  if (!r.disk_pool.empty()) {
    const std::string pool = XmlEscape(r.disk_pool);
    x += "    <disk type='volume' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n"
         "      <source pool='" +
         pool + "' volume='" + XmlEscape(RootVolumeName(r.name)) +
         "'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n";
    x += "    <disk type='volume' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n"
         "      <source pool='" +
         pool + "' volume='" + XmlEscape(SeedVolumeName(r.name)) +
         "'/>\n      <target dev='sda' bus='sata'/>\n      <readonly/>\n    </disk>\n";
  }
  if (!r.network.empty()) {
    x += "    <interface type='network'>\n      <mac address='" + MacAddress(r.uuid) +
         "'/>\n"
         "      <source network='" +
         XmlEscape(r.network) +
         "'/>\n"
         "      <model type='virtio'/>\n    </interface>\n";
  }
  if (traits.kind != HostTraits::Kind::kTest) {
    // No <graphics> and no video card: nothing listens, not even on loopback.
    x += "    <video><model type='none'/></video>\n    <memballoon model='none'/>\n";
  }
  x += "  </devices>\n";
  if (!traits.security_model.empty()) {
    x += "  <seclabel type='dynamic' model='" + XmlEscape(traits.security_model) +
         "' relabel='yes'/>\n";
  }
  x += "</domain>\n";
  return x;
}

std::string BuildNetworkXml(const std::string& name) {
  return "<network>\n  <name>" + XmlEscape(name) + "</name>\n  <uuid>" + NameUuid("net/" + name) +
         "</uuid>\n</network>\n";
}

std::string BuildPoolXml(const std::string& name) {
  return "<pool type='dir'>\n  <name>" + XmlEscape(name) + "</name>\n  <uuid>" +
         NameUuid("pool/" + name) + "</uuid>\n  <target>\n    <path>/var/lib/egov/pools/" +
         XmlEscape(name) + "</path>\n  </target>\n</pool>\n";
}

std::optional<std::string> ValidateDomainXml(const std::string& xml,
                                             const ExpectedDomain& expected) {
  const Schema& s = LoadSchema();
  if (!s.schema) return s.error;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeDoc);
  if (!doc) return "the domain XML is not well formed";
  // The schema's verdict once per shape: the replicas of a workload on hosts of one kind share
  // one, and the schema takes most of the time here. A document type declaration could change
  // what the tree means: such a definition is always validated in full.
  static AcceptedShapes accepted;
  std::string shape;
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root && !doc->intSubset) SchemaShape(root, Place::kDocument, shape);
  if (shape.empty() || !accepted.Contains(shape)) {
    // A validation context is cheap and not shareable between threads: one per call.
    std::unique_ptr<xmlRelaxNGValidCtxt, decltype(&xmlRelaxNGFreeValidCtxt)> ctx(
        xmlRelaxNGNewValidCtxt(s.schema), xmlRelaxNGFreeValidCtxt);
    std::string error;
    xmlRelaxNGSetValidErrors(ctx.get(), CollectError, CollectError, &error);
    if (xmlRelaxNGValidateDoc(ctx.get(), doc.get()) != 0) {
      return "does not match libvirt's domain schema: " +
             (error.empty() ? std::string("no detail") : error);
    }
    if (!shape.empty()) accepted.Add(std::move(shape));
  }
  if (std::string p = DefinitionProblem(xmlDocGetRootElement(doc.get()), expected); !p.empty()) {
    return p;
  }
  return std::nullopt;
}

}  // namespace egov::orchestrator
