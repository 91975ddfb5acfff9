#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

// egovctl's commands end to end on simulated hosts: libvirt's test driver, one file per host.
namespace egov::testing {

/// A scratch directory with the inputs under in/, the hosts' files under sim/ (EGOV_SIM_DIR while
/// the test runs, which the inventories' `test://${EGOV_SIM_DIR}/HOST.xml` URIs name) and a
/// journal of the test's own.
class SimulatedHosts : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// `args` with the inputs (-f in/) and the journal after the command's first `words` words.
  std::vector<std::string> WithInputs(std::vector<std::string> args, size_t words = 1) const;
  /// `egovctl args...` on the inputs and the journal.
  CliRun Run(const std::vector<std::string>& args) const;
  /// The file of simulated host `host`, and the URI that opens it.
  std::filesystem::path HostFile(const std::string& host) const { return sim_ / (host + ".xml"); }
  std::string Uri(const std::string& host) const { return "test://" + HostFile(host).string(); }

  TempDir dir_;
  const std::filesystem::path sim_ = dir_ / "sim";
  const std::string journal_ = (dir_ / "journal.db").string();
};

/// Provider viettel-cloud, certified to level 4: hosts hn-01 and hn-02 in zone hn-1, hcm-01 and
/// hcm-02 in zone hcm-1, each of 32 vCPUs, 64 GiB and 2 TiB, simulated; `state` goes onto host
/// `on`.
std::string SimulatedProviders(const std::string& on = "", const std::string& state = "");

}  // namespace egov::testing
