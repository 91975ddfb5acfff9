#pragma once

#include <string>

#include <nlohmann/json.hpp>

// Members of the JSON the audit reads (filed reports, agents' results), which may come from
// anywhere: a member that is absent or of another type reads as empty, never throws.
namespace egov::orchestrator::audit {

/// A string member; "" when absent or not a string.
template <typename Json>
std::string StringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->template get<std::string>() : std::string();
}

/// A member of a report object as text: "" when absent or null, numbers and booleans as JSON.
inline std::string Field(const nlohmann::ordered_json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace egov::orchestrator::audit
