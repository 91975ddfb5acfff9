#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "checks/scan.h"
#include "common/loader.h"
#include "tests/support/temp_dir.h"

// Helpers shared by the check tests: the materialized host fixtures and one-check profiles.
namespace egov::checks::testing {

using egov::testing::TempDir;

inline const std::string kSource = EGOV_SOURCE_DIR;

/// A host fixture as ctest materialized it (tests/fixtures/hosts/materialize).
inline std::string Host(const std::string& name) {
  return std::string(EGOV_HOST_FIXTURES) + "/" + name;
}

/// A profile with one control whose check is `check` (YAML), plus `parameters` (YAML mapping
/// body lines, indented by two) when given.
inline std::string OneCheckProfile(const std::string& check, const std::string& parameters = "") {
  return "kind: Profile\nname: t\ntitle: {vi: t, en: t}\n" +
         (parameters.empty() ? std::string() : "parameters:\n" + parameters) +
         "controls:\n  - id: T-1\n    title: {vi: t, en: t}\n    group: g\n    feature: f\n"
         "    severity: low\n    check: " +
         check + "\n";
}

/// Compiles and runs one check against `root`; returns the control's result.
inline ControlResult RunOne(const std::string& check, const std::string& root,
                            std::optional<int> level = std::nullopt) {
  const Inventory inv = LoadInventoryText("test.yaml", OneCheckProfile(check));
  ScanOptions options;
  options.root = root;
  options.host = "test";
  return RunScan({CompileProfile(inv.profiles.at(0), level)}, options)
      .profiles.at(0)
      .controls.at(0);
}

/// Runs each of `checks` (YAML) on the host fixture `host`: each comes to `expected`, says why,
/// and shows evidence when it passes or fails.
inline void Expect(const std::string& host, Status expected,
                   const std::vector<std::string>& checks) {
  for (const auto& check : checks) {
    const ControlResult r = RunOne(check, Host(host));
    EXPECT_EQ(ToString(r.status), std::string(ToString(expected)))
        << check << " on " << host << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty()) << check;
    if (expected == Status::kPass || expected == Status::kFail) {
      EXPECT_FALSE(r.evidence.empty()) << check << " gave no evidence";
    }
  }
}

}  // namespace egov::checks::testing
