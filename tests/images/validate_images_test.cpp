// `egovctl validate` with the Image kind: the acceptance of issue 18 (an unknown image name is
// refused with the workload's position, exit 2) and the national sample's images.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/egovctl.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

using egov::testing::CliRun;
using egov::testing::Egovctl;

class ValidateImages : public ::testing::Test {
 protected:
  egov::testing::TempDir dir_;
};

constexpr const char* kImages = R"(kind: Image
name: debian-12
display_name: Debian 12 generic cloud image
format: qcow2
source: images/debian-12-generic-amd64.qcow2
sha256: 5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b
min_disk: 3Gi
)";

std::string Workload(const std::string& image) {
  return "kind: Workload\nname: dvc\nagency: A\nsystem: S\nsecurity_level: 2\n"
         "resources: {vcpus: 1, memory: 1Gi, disk: 10Gi}\n"
         "image: " +
         image + "\n";
}

TEST_F(ValidateImages, RefusesAnUnknownImageNameWithTheWorkloadsPositionExit2) {
  dir_.Write("images.yaml", kImages);
  const std::string w = dir_.Write("workloads.yaml", Workload("debian-13")).string();
  const CliRun r = Egovctl({"validate", "-f", dir_.path().string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(w + ":7:8: Workload dvc: image 'debian-13' is not a loaded Image; "
                           "expected one of: debian-12"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(ValidateImages, RefusesAPathInImageAndSaysWhy) {
  const std::string w =
      dir_.Write("workloads.yaml", Workload("/var/lib/egov/images/dvc.qcow2")).string();
  const CliRun r = Egovctl({"validate", "-f", w});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(w + ":7:8:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a path is no longer accepted"), std::string::npos) << r.err;
}

TEST_F(ValidateImages, CountsAndListsImages) {
  dir_.Write("images.yaml", kImages);
  dir_.Write("workloads.yaml", Workload("debian-12"));
  const CliRun text = Egovctl({"validate", "-f", dir_.path().string()});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find(", 1 workload, 1 image, "), std::string::npos) << text.out;
  const CliRun json = Egovctl({"validate", "-f", dir_.path().string(), "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["summary"]["images"], 1);
  EXPECT_EQ(j["inventory"]["images"][0]["source"],
            (dir_ / "images/debian-12-generic-amd64.qcow2").string());
  EXPECT_EQ(j["inventory"]["workloads"][0]["image"], "debian-12");
}

TEST(NationalSample, ItsWorkloadsNameItsImages) {
  const CliRun r =
      Egovctl({"validate", "-f", EGOV_SOURCE_DIR "/examples/national", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::set<std::string> images, used;
  for (const auto& i : j["inventory"]["images"]) images.insert(i["name"]);
  for (const auto& w : j["inventory"]["workloads"]) {
    if (!w["image"].get<std::string>().empty()) used.insert(w["image"]);
  }
  EXPECT_FALSE(used.empty());
  EXPECT_EQ(used, images) << "every sample image is used, and only those";
}

}  // namespace
}  // namespace egov::orchestrator
