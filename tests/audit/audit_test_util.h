#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/domain_metadata.h"
#include "common/model.h"
#include "orchestrator/audit/report.h"

// Helpers shared by the audit tests: paths, temporary directories, files, child processes,
// and the standard fixture audit (tests/audit/inventory + tests/fixtures/results).
namespace egov::orchestrator::audit::testing {

namespace fs = std::filesystem;

inline const fs::path kSource = EGOV_SOURCE_DIR;
inline const fs::path kBinary = EGOV_BINARY_DIR;
inline fs::path ResultFixtures() { return kSource / "tests/fixtures/results"; }
inline fs::path FleetInventory() { return kSource / "tests/audit/inventory"; }
inline const std::vector<std::string> kFleetHosts = {"alpha-hn1-01", "alpha-hn1-02",
                                                     "beta-hcm1-01"};

/// A fresh directory removed with everything in it at the end of the scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& path);
void WriteFile(const fs::path& path, const std::string& bytes);

struct ProcessResult {
  int code = -1;  ///< exit code; -1 when killed by the timeout
  std::string out;
  std::string err;
};

/// Runs a program (no shell) with a time limit, capturing its output.
ProcessResult Run(const std::vector<std::string>& argv,
                  std::chrono::seconds timeout = std::chrono::seconds(60));

/// The fixture results of one host as JSON, to be changed by a test.
nlohmann::json FixtureResult(const std::string& host);

/// Settings of the fixture audit: audit date 2026-11-22, noon UTC, the annual window.
AuditSettings FixtureSettings();

/// Fetched results for the fleet from a directory (default: the fixtures).
std::vector<agent_client::FetchedResult> FetchedFrom(const fs::path& dir = ResultFixtures());

/// The fleet inventory plus extra YAML documents (waivers, policies) given as text.
Inventory FleetWith(const std::string& extra_yaml = "");

/// A self-signed CA and a server certificate for 127.0.0.1 and localhost, and a client
/// certificate signed by the same CA, written into `dir` (ca.pem, server.pem, server.key,
/// client.pem, client.key) with the openssl command.
void MakeCertificates(const fs::path& dir);

/// Writes a libvirt test driver host (`test://FILE`) running a domain with each metadata
/// element (named `<workload>-<replica>`), then the domains of `more_domains` (XML).
void WriteTestDriverHost(const fs::path& file, const std::vector<DomainMetadata>& domains,
                         const std::string& more_domains = "");

/// Finds an element in a JSON array by its "name" (or `key`); fails the test when absent.
const nlohmann::ordered_json& Named(const nlohmann::ordered_json& list, const std::string& name,
                                    const char* key = "name");

}  // namespace egov::orchestrator::audit::testing
