#include "common/storage_volume.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <memory>

#include "common/domain_metadata.h"

namespace egov {
namespace {

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

xmlNode* Child(xmlNode* node, const char* name) {
  for (xmlNode* c = node ? node->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0) return c;
  }
  return nullptr;
}

std::string Text(xmlNode* node) {
  if (!node) return {};
  xmlChar* s = xmlNodeGetContent(node);
  std::string out = s ? reinterpret_cast<const char*>(s) : "";
  xmlFree(s);
  return out;
}

std::string FormatOf(xmlNode* parent) {
  xmlNode* f = Child(parent, "format");
  if (!f) return {};
  xmlChar* type = xmlGetProp(f, BAD_CAST "type");
  std::string out = type ? reinterpret_cast<const char*>(type) : "";
  xmlFree(type);
  return out;
}

// libvirt writes sizes in bytes (unit='bytes'), which is all this reads.
uint64_t Bytes(xmlNode* node) {
  const std::string s = Text(node);
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

std::string BuildVolumeXml(const StorageVolume& v) {
  std::string x = "<volume>\n  <name>" + XmlEscape(v.name) + "</name>\n";
  x += "  <capacity unit='bytes'>" + std::to_string(v.capacity) + "</capacity>\n";
  x += "  <allocation unit='bytes'>" + std::to_string(v.allocation) + "</allocation>\n";
  x += "  <target>\n    <format type='" + XmlEscape(v.format) + "'/>\n  </target>\n";
  if (!v.backing_path.empty()) {
    x += "  <backingStore>\n    <path>" + XmlEscape(v.backing_path) + "</path>\n";
    if (!v.backing_format.empty()) {
      x += "    <format type='" + XmlEscape(v.backing_format) + "'/>\n";
    }
    x += "  </backingStore>\n";
  }
  return x + "</volume>\n";
}

std::optional<StorageVolume> ParseVolumeXml(std::string_view xml) {
  if (xml.size() > (1u << 20)) return std::nullopt;
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "volume.xml", "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root || xmlStrcmp(root->name, BAD_CAST "volume") != 0) return std::nullopt;
  StorageVolume v;
  v.name = Text(Child(root, "name"));
  v.capacity = Bytes(Child(root, "capacity"));
  v.allocation = Bytes(Child(root, "allocation"));
  xmlNode* target = Child(root, "target");
  v.path = Text(Child(target, "path"));
  v.format = FormatOf(target);
  if (xmlNode* backing = Child(root, "backingStore")) {
    v.backing_path = Text(Child(backing, "path"));
    v.backing_format = FormatOf(backing);
  }
  return v;
}

}  // namespace egov
