#include "common/domain_metadata.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <memory>

namespace egov {
namespace {

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

DocPtr ParseXml(std::string_view xml) {
  if (xml.size() > (16u << 20)) return nullptr;
  // No network, no entity expansion, no DTD loading: the XML comes from hosts we do not trust.
  return DocPtr(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

std::string Attr(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!value) return {};
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

// virDomainGetMetadata has already selected our namespace and returns the element without
// any (`<workload .../>`), so an element with no namespace is ours there (`bare_ok`).
bool IsOurs(xmlNode* node, bool bare_ok = false) {
  if (!node || node->type != XML_ELEMENT_NODE ||
      xmlStrcmp(node->name, reinterpret_cast<const xmlChar*>(kMetadataElement)) != 0) {
    return false;
  }
  if (!node->ns) return bare_ok;
  return node->ns->href &&
         xmlStrcmp(node->ns->href, reinterpret_cast<const xmlChar*>(kMetadataNamespace)) == 0;
}

std::optional<int> ToInt(const std::string& s, int min, int max) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

std::optional<DomainMetadata> FromNode(xmlNode* node, bool bare_ok = false) {
  if (!IsOurs(node, bare_ok)) return std::nullopt;
  DomainMetadata m;
  m.workload = Attr(node, "workload");
  m.agency = Attr(node, "agency");
  m.system = Attr(node, "system");
  m.provider = Attr(node, "provider");
  m.zone = Attr(node, "zone");
  m.spec_hash = Attr(node, "spec-hash");
  m.health_url = Attr(node, "health-url");
  m.network = Attr(node, "network");
  auto level = ToInt(Attr(node, "security-level"), 1, 5);
  auto replica = ToInt(Attr(node, "replica"), 0, 1'000'000);
  if (m.workload.empty() || !level || !replica) return std::nullopt;
  m.security_level = *level;
  m.replica = *replica;
  return m;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatMetadataElement(const DomainMetadata& m) {
  std::string out = std::string("<") + kMetadataPrefix + ":" + kMetadataElement +
                    " xmlns:" + kMetadataPrefix + "=\"" + kMetadataNamespace + "\"";
  auto attr = [&](const char* name, const std::string& value) {
    if (!value.empty()) out += std::string(" ") + name + "=\"" + XmlEscape(value) + "\"";
  };
  attr("workload", m.workload);
  attr("agency", m.agency);
  attr("system", m.system);
  attr("security-level", std::to_string(m.security_level));
  attr("replica", std::to_string(m.replica));
  attr("provider", m.provider);
  attr("zone", m.zone);
  attr("spec-hash", m.spec_hash);
  attr("health-url", m.health_url);
  attr("network", m.network);
  return out + "/>";
}

std::optional<DomainMetadata> ParseMetadataElement(std::string_view xml) {
  DocPtr doc = ParseXml(xml);
  if (!doc) return std::nullopt;
  return FromNode(xmlDocGetRootElement(doc.get()), true);
}

std::optional<DomainMetadata> MetadataFromNode(xmlNode* node) { return FromNode(node); }

std::optional<DomainMetadata> ParseDomainMetadata(std::string_view domain_xml) {
  DocPtr doc = ParseXml(domain_xml);
  if (!doc) return std::nullopt;
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) return std::nullopt;
  for (xmlNode* child = root->children; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE ||
        xmlStrcmp(child->name, reinterpret_cast<const xmlChar*>("metadata")) != 0) {
      continue;
    }
    for (xmlNode* item = child->children; item; item = item->next) {
      if (auto m = FromNode(item)) return m;
    }
  }
  return std::nullopt;
}

}  // namespace egov
