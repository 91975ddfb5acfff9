#pragma once

#include <cstdint>
#include <string>

#include "checks/scan.h"

// What a policy level's compliance profile asks of a host's results, and whether a result
// meets it. `decree85-level4` is met by a passing result for `decree85-level4`, or for its base
// profile `decree85` scanned at level 4 or higher (results carry the level they were scanned
// at), so an agent configured as agents/agent.example.yaml ships (the base profile at the
// host's level) satisfies the policy. The planner's compliance filter, status and the audit
// judge results with this one rule.
namespace egov::orchestrator {

/// Compliance of one host with one profile, from its agent's latest results.
enum class Compliance : uint8_t { kUnknown, kPass, kFail };

/// A profile as a policy names it, split into the base profile and level it fixes.
struct Requirement {
  std::string profile;  ///< as the policy names it: "decree85-level4"
  std::string base;     ///< the profile it scans at a fixed level ("decree85"); empty when none
  int level = 0;        ///< the level it fixes; 0 when the name fixes none
};

/// `X-levelN` (N from 1 to 9) requires X-levelN or X at level >= N; any other name requires
/// that profile at whatever level.
Requirement ParseRequirement(const std::string& profile);

/// Whether one host's result meets a requirement, and why not in words that say what the
/// result has ("result has decree85 at level 3; level 4 needs decree85 at level ≥ 4").
struct Verdict {
  Compliance compliance = Compliance::kUnknown;
  std::string reason;  ///< empty when it passes
};

/// The entry of `scan` that decides: one that qualifies and passed, else the first that
/// qualifies; nullptr when none does.
const checks::ProfileResult* Qualifying(const checks::ScanResult& scan,
                                        const Requirement& requirement);

/// Judges `scan` against `requirement`: pass when a qualifying entry passed, fail when
/// qualifying entries exist and none passed, unknown when no entry qualifies.
Verdict Judge(const checks::ScanResult& scan, const Requirement& requirement);

}  // namespace egov::orchestrator
