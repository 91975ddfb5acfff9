#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/check.h"
#include "checks/scan.h"

// Inside of a compiled profile, shared by compile.cpp and engine.cpp.
namespace egov::checks {

struct CompiledControl {
  const Control* control = nullptr;         ///< points into CompiledProfile::profile
  std::shared_ptr<const Check> applies_if;  ///< null: always applies
  std::shared_ptr<const Check> check;       ///< null: not applicable at the level
  std::string not_applicable;               ///< why, when `check` is null
  std::optional<std::chrono::milliseconds> timeout;
};

class CompiledProfile {
 public:
  Profile profile;
  std::optional<int> level;
  std::vector<CompiledControl> controls;
};

/// Judges several outcomes as `all`, `any` or `none` would (pure; used by the combinators).
Outcome Combine(const std::string& combinator, const std::vector<Outcome>& parts);

}  // namespace egov::checks
