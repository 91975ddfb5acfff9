#pragma once

#include <iterator>
#include <optional>

#include <yaml-cpp/yaml.h>

#include "common/model.h"
#include "common/yaml_reader.h"

// Per-kind readers used by the loader. Each reads a document's body (the loader gives the result
// its name and position), reports problems through the reader's context and returns nullopt when
// the document is unusable.
namespace egov::detail {

std::optional<Provider> ParseProvider(yaml::MapReader& doc);
std::optional<Image> ParseImage(yaml::MapReader& doc);
std::optional<Workload> ParseWorkload(yaml::MapReader& doc);
std::optional<Policy> ParsePolicy(yaml::MapReader& doc);
std::optional<Profile> ParseProfile(yaml::MapReader& doc);
std::optional<Waiver> ParseWaiver(yaml::MapReader& doc);

/// Shared helpers for the kinds.
std::optional<std::string> ReadName(const yaml::Context& ctx, const YAML::Node& node,
                                    const std::string& what);
std::optional<std::vector<std::string>> ReadStringList(const yaml::Context& ctx,
                                                       const YAML::Node& node,
                                                       const std::string& what);
std::optional<Labels> ReadLabels(const yaml::Context& ctx, const YAML::Node& node,
                                 const std::string& what);
std::optional<Date> ReadDate(const yaml::Context& ctx, const YAML::Node& node,
                             const std::string& what);
std::optional<LocalizedText> ReadLocalized(const yaml::Context& ctx, const YAML::Node& node,
                                           const std::string& what);
/// Reads one of `choices` (by their names) into the index of the match.
std::optional<size_t> ReadChoice(const yaml::Context& ctx, const YAML::Node& node,
                                 const std::string& what,
                                 const std::vector<std::string_view>& choices);
/// Reads one of an enum's `names` (common/enum_names.h) into its value.
template <typename Enum, size_t N>
std::optional<Enum> ReadEnum(const yaml::Context& ctx, const YAML::Node& node,
                             const std::string& what, const char* const (&names)[N]) {
  auto choice = ReadChoice(ctx, node, what, {std::begin(names), std::end(names)});
  if (!choice) return std::nullopt;
  return static_cast<Enum>(*choice);
}

}  // namespace egov::detail
