#include "orchestrator/domain_xml.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>

#include "orchestrator/desired.h"

namespace egov::orchestrator {
namespace {

constexpr const char* kDomainSchema = "/usr/share/libvirt/schemas/domain.rng";

// A MAC address derived from the UUID, so a redefined domain keeps its address.
std::string MacFor(const std::string& uuid) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:00:%s:%s:%s", uuid.substr(0, 2).c_str(),
                uuid.substr(2, 2).c_str(), uuid.substr(4, 2).c_str());
  return mac;
}

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

}  // namespace

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
  if (!r.network.empty()) {
    x += "    <interface type='network'>\n      <mac address='" + MacFor(r.uuid) +
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

std::optional<std::string> ValidateDomainXml(const std::string& xml) {
  const Schema& s = LoadSchema();
  if (!s.schema) return s.error;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeDoc);
  if (!doc) return "generated domain XML is not well formed";
  // A validation context is cheap and not shareable between threads: one per call.
  std::unique_ptr<xmlRelaxNGValidCtxt, decltype(&xmlRelaxNGFreeValidCtxt)> ctx(
      xmlRelaxNGNewValidCtxt(s.schema), xmlRelaxNGFreeValidCtxt);
  std::string error;
  xmlRelaxNGSetValidErrors(ctx.get(), CollectError, CollectError, &error);
  if (xmlRelaxNGValidateDoc(ctx.get(), doc.get()) != 0) {
    return error.empty() ? "domain XML does not match libvirt's schema" : error;
  }
  return std::nullopt;
}

}  // namespace egov::orchestrator
