// The seed ISO read back by other readers than the one that wrote it: xorriso (through Rock
// Ridge, then through Joliet) and blkid, which is how cloud-init finds the `cidata` volume.
#include "orchestrator/seed_iso.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "common/cloud_init.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

struct ShellRun {
  int code = -1;
  std::string out;
};

ShellRun Sh(const std::string& cmd) {
  ShellRun r;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return r;
}

class SeedIso : public ::testing::Test {
 protected:
  // Writes the ISO and extracts it with xorriso reading `tree` (nojoliet: Rock Ridge names,
  // norock: Joliet names).
  fs::path Extract(const std::string& iso, const std::string& tree) {
    const fs::path file = dir_ / "seed.iso";
    std::ofstream(file, std::ios::binary) << iso;
    const fs::path out = dir_ / tree;
    const ShellRun r = Sh("xorriso -read_fs " + tree + " -indev " + file.string() +
                          " -osirrox on -extract / " + out.string());
    EXPECT_EQ(r.code, 0) << r.out;
    return out;
  }

  egov::testing::TempDir dir_;
};

SeedSpec Spec() {
  SeedSpec s;
  s.instance_id = "0f6c2b2e-4b1a-5c3d-9e8f-112233445566";
  s.hostname = "dvc-quoc-gia-0";
  s.user_data = cloud_init::BuildUserData(
      {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e ops"},
      "#cloud-config\nwrite_files: [{path: /etc/motd, content: \"Cổng Dịch vụ công\\n\"}]\n", "u");
  s.network_config = cloud_init::BuildNetworkConfig("52:54:00:12:34:56");
  return s;
}

TEST_F(SeedIso, HoldsTheThreeFilesUnderTheirNamesInRockRidgeAndJoliet) {
  const SeedSpec spec = Spec();
  const std::string iso = BuildSeedIso(spec);
  ASSERT_EQ(iso.size() % 2048, 0u);
  for (const char* tree : {"nojoliet", "norock"}) {
    const fs::path out = Extract(iso, tree);
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"meta-data", "network-config", "user-data"}))
        << tree;
    EXPECT_EQ(egov::testing::ReadFile(out / "meta-data"),
              cloud_init::BuildMetaData(spec.instance_id, spec.hostname));
    EXPECT_EQ(egov::testing::ReadFile(out / "user-data"), spec.user_data) << tree;
    EXPECT_EQ(egov::testing::ReadFile(out / "network-config"), spec.network_config) << tree;
  }
}

TEST_F(SeedIso, IsAnIso9660VolumeLabelledCidataAsCloudInitLooksForIt) {
  const fs::path file = dir_ / "seed.iso";
  std::ofstream(file, std::ios::binary) << BuildSeedIso(Spec());
  const ShellRun blkid = Sh("blkid -p -o export " + file.string());
  EXPECT_NE(blkid.out.find("TYPE=iso9660"), std::string::npos) << blkid.out;
  EXPECT_NE(blkid.out.find("LABEL=cidata"), std::string::npos) << blkid.out;
  const ShellRun pvd = Sh("xorriso -indev " + file.string() + " -pvd_info");
  EXPECT_NE(pvd.out.find("Volume Id    : cidata"), std::string::npos) << pvd.out;
}

TEST_F(SeedIso, LeavesOutNetworkConfigWhenThereIsNone) {
  SeedSpec spec = Spec();
  spec.network_config.clear();
  spec.user_data.clear();  // an empty user-data is still written: NoCloud wants the file
  const fs::path out = Extract(BuildSeedIso(spec), "nojoliet");
  EXPECT_TRUE(fs::exists(out / "meta-data"));
  EXPECT_TRUE(fs::exists(out / "user-data"));
  EXPECT_EQ(fs::file_size(out / "user-data"), 0u);
  EXPECT_FALSE(fs::exists(out / "network-config"));
}

}  // namespace
}  // namespace egov::orchestrator
