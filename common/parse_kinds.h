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
/// Reads `node`, which must be a non-empty sequence of `items` (its `what`), one by one:
/// `read(item, item_what)` reads an item, keeps it and returns false when it is unusable. False
/// when anything was wrong; every item is read either way, so that one run reports everything.
template <typename Read>
bool ReadEach(const yaml::Context& ctx, const YAML::Node& node, const std::string& what,
              const std::string& items, Read read) {
  if (!node.IsSequence() || node.size() == 0) {
    ctx.Error(node, what + ": expected a non-empty sequence of " + items + ", got " +
                        yaml::Describe(node));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < node.size(); ++i) {
    ok = read(node[i], what + "[" + std::to_string(i) + "]") && ok;
  }
  return ok;
}

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
