#pragma once

#include <optional>
#include <string>

#include "checks/scan.h"

namespace egov::orchestrator::testing {

/// A profile entry of a results document: `name` scanned at `level` (nullopt: the result says
/// none), with one control that passes or fails.
inline checks::ProfileResult ProfileEntry(const std::string& name, std::optional<int> level,
                                          bool pass) {
  checks::ProfileResult p;
  p.name = name;
  p.level = level;
  checks::ControlResult c;
  c.id = "C-1";
  c.status = pass ? checks::Status::kPass : checks::Status::kFail;
  p.controls.push_back(c);
  checks::Summarize(p);
  return p;
}

}  // namespace egov::orchestrator::testing
