#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/domain_metadata.h"
#include "common/model.h"
#include "orchestrator/audit/report.h"
#include "tests/support/process.h"
#include "tests/support/serving.h"
#include "tests/support/temp_dir.h"

// Helpers shared by the audit tests: paths, the standard fixture audit (tests/audit/inventory +
// tests/fixtures/results), beside the plumbing every test executable shares (tests/support).
namespace egov::orchestrator::audit::testing {

namespace fs = std::filesystem;
using egov::testing::CliRun;
using egov::testing::MakeCertificates;
using egov::testing::ReadFile;
using egov::testing::RunProcess;
using egov::testing::TempDir;
using egov::testing::WriteFile;

inline const fs::path kSource = EGOV_SOURCE_DIR;
inline const fs::path kBinary = EGOV_BINARY_DIR;
inline fs::path ResultFixtures() { return kSource / "tests/fixtures/results"; }
inline fs::path FleetInventory() { return kSource / "tests/audit/inventory"; }
inline const std::vector<std::string> kFleetHosts = {"alpha-hn1-01", "alpha-hn1-02",
                                                     "beta-hcm1-01"};

/// The fixture results of one host as JSON, to be changed by a test.
nlohmann::json FixtureResult(const std::string& host);

/// Settings of the fixture audit: audit date 2026-11-22, noon UTC, the annual window.
AuditSettings FixtureSettings();

/// Fetched results for the fleet from a directory (default: the fixtures).
std::vector<agent_client::FetchedResult> FetchedFrom(const fs::path& dir = ResultFixtures());

/// The fleet inventory plus extra YAML documents (waivers, policies) given as text.
Inventory FleetWith(const std::string& extra_yaml = "");

/// A libvirt test-driver host (4 CPUs, 8 GiB) with a domain `workload-replica` carrying its
/// metadata for each of `domains`, then the domain elements in `extra`.
std::string SimulatedHost(const std::vector<DomainMetadata>& domains,
                          const std::string& extra = "");

/// Finds an element in a JSON array by its "name" (or `key`); fails the test when absent.
const nlohmann::ordered_json& Named(const nlohmann::ordered_json& list, const std::string& name,
                                    const char* key = "name");

}  // namespace egov::orchestrator::audit::testing
