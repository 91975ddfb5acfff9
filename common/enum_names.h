#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

// An enum's names live in one array, one per value in declaration order, so that writing a value
// and reading it back cannot disagree, and adding a value is one line.
namespace egov {

/// The name of `value` in `names`.
template <typename Enum, size_t N>
constexpr const char* EnumName(const char* const (&names)[N], Enum value) {
  return names[static_cast<size_t>(value)];
}

/// The value whose name in `names` is `text`; nullopt when there is none.
template <typename Enum, size_t N>
constexpr std::optional<Enum> EnumFromName(const char* const (&names)[N], std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace egov
