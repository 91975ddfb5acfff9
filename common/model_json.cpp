#include "common/model_json.h"

namespace egov {
namespace {

nlohmann::json ToJson(const Resources& r) {
  return {{"vcpus", r.vcpus}, {"memory_bytes", r.memory}, {"disk_bytes", r.disk}};
}

nlohmann::json ToJson(const LocalizedText& t) { return {{"vi", t.vi}, {"en", t.en}}; }

nlohmann::json ToJson(const Host& h) {
  return {
      {"name", h.name},
      {"uri", h.uri},
      {"capacity", ToJson(h.capacity)},
      {"overcommit",
       {{"cpu", h.overcommit.cpu}, {"memory", h.overcommit.memory}, {"disk", h.overcommit.disk}}},
      {"labels", h.labels},
      {"agent", h.agent}};
}

// Declared before Array, which names it.
nlohmann::json ToJson(const Zone& zone);

template <typename T>
nlohmann::json Array(const std::vector<T>& items) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& item : items) arr.push_back(nlohmann::json(ToJson(item)));
  return arr;
}

nlohmann::json ToJson(const Zone& z) {
  return {{"name", z.name}, {"region", z.region}, {"hosts", Array(z.hosts)}};
}

}  // namespace

nlohmann::json ToJson(const Provider& p) {
  return {{"kind", "Provider"},
          {"name", p.name},
          {"display_name", p.display_name},
          {"certification", ToJson(p.certification)},
          {"residency", p.residency},
          {"zones", Array(p.zones)}};
}

nlohmann::ordered_json ToJson(const Certification& c) {
  return {{"scheme", c.scheme},
          {"certificate", c.certificate},
          {"issued", FormatDate(c.issued)},
          {"expires", FormatDate(c.expires)},
          {"max_security_level", c.max_security_level}};
}

nlohmann::json ToJson(const Image& i) {
  nlohmann::json j = {{"kind", "Image"},
                      {"name", i.name},
                      {"display_name", i.display_name},
                      {"format", ToString(i.format)},
                      {"source", i.source},
                      {"sha256", i.sha256}};
  if (i.min_disk > 0) j["min_disk_bytes"] = i.min_disk;
  return j;
}

nlohmann::json ToJson(const Workload& w) {
  nlohmann::json j = {
      {"kind", "Workload"},
      {"name", w.name},
      {"agency", w.agency},
      {"system", w.system},
      {"security_level", w.security_level},
      {"replicas", w.replicas},
      {"resources", ToJson(w.resources)},
      {"image", w.image},
      {"network", w.network},
      {"placement",
       {{"providers", w.placement.providers},
        {"spread",
         w.placement.spread ? nlohmann::json(ToString(*w.placement.spread)) : nlohmann::json()},
        {"labels", w.placement.labels}}}};
  if (!w.cloud_init.empty()) {
    // The user data itself may hold secrets: only its file is named.
    j["cloud_init"] = {{"ssh_authorized_keys", w.cloud_init.ssh_authorized_keys},
                       {"user_data_file", w.cloud_init.user_data_file}};
  }
  if (w.health) {
    j["health"] = {{"url", w.health->url},
                   {"interval_seconds", w.health->interval.count() / 1000.0},
                   {"timeout_seconds", w.health->timeout.count() / 1000.0},
                   {"expect_status", w.health->expect_status}};
  }
  return j;
}

nlohmann::json ToJson(const Policy& p) {
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& l : p.levels) {
    levels.push_back({{"level", l.level},
                      {"min_replicas", l.min_replicas},
                      {"spread", ToString(l.spread)},
                      {"separation", ToString(l.separation)},
                      {"compliance",
                       {{"required", l.require_compliance},
                        {"profile", l.compliance_profile},
                        {"unknown", ToString(l.unknown_compliance)}}},
                      {"residency", l.residency},
                      {"allow_memory_overcommit", l.allow_memory_overcommit},
                      {"allow_disk_overcommit", l.allow_disk_overcommit}});
  }
  return {{"kind", "Policy"}, {"name", p.name}, {"description", p.description}, {"levels", levels}};
}

nlohmann::json ToJson(const CheckSpec& spec) {
  nlohmann::json j = spec.params;
  j["type"] = spec.type;
  if (!spec.children.empty()) j["checks"] = Array(spec.children);
  return j;
}

nlohmann::json ToJson(const Profile& p) {
  nlohmann::json controls = nlohmann::json::array();
  for (const auto& c : p.controls) {
    nlohmann::json j = {{"id", c.id},
                        {"title", ToJson(c.title)},
                        {"group", c.group},
                        {"feature", c.feature},
                        {"severity", ToString(c.severity)},
                        {"levels", c.levels},
                        {"check", ToJson(c.check)},
                        {"remediation", ToJson(c.remediation)},
                        {"references", c.references},
                        {"derived_from", c.derived_from}};
    if (c.applies_if) j["applies_if"] = ToJson(*c.applies_if);
    if (c.timeout) j["timeout"] = FormatDuration(*c.timeout);
    controls.push_back(std::move(j));
  }
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [name, per_level] : p.parameters) {
    for (const auto& [level, value] : per_level) params[name][std::to_string(level)] = value;
  }
  nlohmann::json facts = nlohmann::json::object();
  for (const auto& [name, spec] : p.facts) facts[name] = ToJson(spec);
  nlohmann::json j = {{"kind", "Profile"},
                      {"name", p.name},
                      {"title", ToJson(p.title)},
                      {"version", p.version},
                      {"description", p.description},
                      {"parameters", params},
                      {"facts", facts},
                      {"controls", controls}};
  if (p.level) j["level"] = p.level;
  if (!p.extends.empty()) j["extends"] = p.extends;
  return j;
}

nlohmann::ordered_json ToJson(const Waiver& w) {
  return {{"kind", "Waiver"},
          {"name", w.name},
          {"control", w.control},
          {"profile", w.profile},
          {"hosts", w.hosts},
          {"reason", w.reason},
          {"approved_by", w.approved_by},
          {"expires", FormatDate(w.expires)}};
}

nlohmann::json ToJson(const Inventory& inv) {
  return {{"files", inv.files},
          {"providers", Array(inv.providers)},
          {"images", Array(inv.images)},
          {"workloads", Array(inv.workloads)},
          {"policies", Array(inv.policies)},
          {"profiles", Array(inv.profiles)},
          {"waivers", Array(inv.waivers)}};
}

}  // namespace egov
