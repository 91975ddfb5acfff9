// The Image kind and what a workload's image and cloud_init must be (docs/formats.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/loader.h"

namespace egov {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e ops@bo-y-te";
constexpr const char* kSha = "5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b5f3c2a1b";

// A directory of inventory files, removed afterwards.
class Files {
 public:
  Files()
      : dir_(fs::temp_directory_path() /
             ("egov-images-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Files() { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

std::string ImageDoc(const std::string& extra = "") {
  return std::string("kind: Image\nname: debian-12\ndisplay_name: Debian 12\nformat: qcow2\n") +
         "source: images/debian-12.qcow2\nsha256: " + kSha + "\n" + extra;
}

std::string WorkloadDoc(const std::string& extra, const std::string& disk = "disk: 10Gi") {
  return "kind: Workload\nname: w\nagency: A\nsystem: S\nsecurity_level: 2\n"
         "resources: {vcpus: 1, memory: 1Gi, " +
         disk + "}\n" + extra;
}

// The diagnostics of loading `files`, one string each as printed; empty when it loads.
std::vector<std::string> Problems(const std::vector<std::string>& files) {
  try {
    LoadInventory(files);
    return {};
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(FormatDiagnostic(d));
    return out;
  }
}

TEST(ImageKind, ReadsEveryField) {
  Files f;
  const std::string file = f.Write("images.yaml", ImageDoc("min_disk: 3Gi\n") +
                                                      "---\nkind: Image\nname: win\n"
                                                      "display_name: W\nformat: raw\n"
                                                      "source: https://images.example.vn/w.img\n"
                                                      "sha256: " +
                                                      std::string(64, 'A') + "\n");
  const Inventory inv = LoadInventory({file});
  ASSERT_EQ(inv.images.size(), 2u);
  const Image* d = inv.FindImage("debian-12");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->display_name, "Debian 12");
  EXPECT_EQ(d->format, ImageFormat::kQcow2);
  EXPECT_EQ(d->source, (f.dir() / "images/debian-12.qcow2").string());  // beside the file
  EXPECT_EQ(d->sha256, kSha);
  EXPECT_EQ(d->min_disk, 3ULL << 30);
  EXPECT_EQ(d->pos.line, 1);
  const Image* w = inv.FindImage("win");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->format, ImageFormat::kRaw);
  EXPECT_EQ(w->source, "https://images.example.vn/w.img");
  EXPECT_EQ(w->sha256, std::string(64, 'a'));
  EXPECT_EQ(w->min_disk, 0u);
}

TEST(ImageKind, IsStrictWithPositions) {
  Files f;
  const std::string file = f.Write(
      "bad.yaml",
      "kind: Image\nname: a\ndisplay_name: A\nformat: vmdk\nsource: http://x.example/a.img\n"
      "sha256: 5f3c\nmin_disk: lots\nowner: me\n---\nkind: Image\nname: b\n");
  const auto p = Problems({file});
  const std::string all = [&] {
    std::string s;
    for (const auto& x : p) s += x + "\n";
    return s;
  }();
  EXPECT_NE(all.find(file + ":4:9: Image a.format: expected one of qcow2, raw"), std::string::npos)
      << all;
  EXPECT_NE(all.find(file + ":5:9: Image a.source: expected a file path"), std::string::npos)
      << all;
  EXPECT_NE(all.find(file + ":6:9: Image a.sha256: expected the SHA-256"), std::string::npos)
      << all;
  EXPECT_NE(all.find(file + ":7:11: Image a.min_disk: expected a size"), std::string::npos) << all;
  EXPECT_NE(all.find(file + ":8:1: Image a: unknown key 'owner'"), std::string::npos) << all;
  EXPECT_NE(all.find("missing required key 'display_name'"), std::string::npos) << all;
  EXPECT_NE(all.find("missing required key 'sha256'"), std::string::npos) << all;
}

TEST(ImageKind, AWorkloadNamesALoadedImage) {
  Files f;
  const std::string images = f.Write("images.yaml", ImageDoc());
  const std::string ok = f.Write("ok.yaml", WorkloadDoc("image: debian-12\n"));
  const Inventory inv = LoadInventory({images, ok});
  EXPECT_EQ(inv.workloads[0].image, "debian-12");
  EXPECT_EQ(inv.workloads[0].image_pos.line, 7);

  const std::string unknown = f.Write("w.yaml", WorkloadDoc("image: debian-13\n"));
  const auto p = Problems({images, unknown});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], unknown +
                      ":7:8: Workload w: image 'debian-13' is not a loaded Image; expected one "
                      "of: debian-12");
  EXPECT_NE(Problems({unknown})[0].find("(no images loaded)"), std::string::npos);
}

TEST(ImageKind, APathInImageIsNoLongerAccepted) {
  Files f;
  const std::string file =
      f.Write("w.yaml", WorkloadDoc("image: /var/lib/egov/images/dvc-portal-2026.10.qcow2\n"));
  const auto p = Problems({file});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind(file + ":7:8: Workload w.image: expected the name of an Image", 0), 0u)
      << p[0];
  EXPECT_NE(p[0].find("a path is no longer accepted"), std::string::npos) << p[0];
}

TEST(ImageKind, TheDiskIsRequiredAndAtLeastTheImagesMinimum) {
  Files f;
  const std::string images = f.Write("images.yaml", ImageDoc("min_disk: 20Gi\n"));
  const std::string small = f.Write("small.yaml", WorkloadDoc("image: debian-12\n"));
  auto p = Problems({images, small});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find(small +
                      ":7:8: Workload w: resources.disk 10Gi is below the min_disk 20Gi "
                      "of image 'debian-12' (" +
                      images + ":1)"),
            std::string::npos)
      << p[0];
  const std::string none = f.Write("none.yaml", WorkloadDoc("image: debian-12\n", "disk: null"));
  p = Problems({images, none});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("Workload w.resources: missing required key 'disk'"), std::string::npos)
      << p[0];
  // Without an image a replica is diskless and needs no disk.
  EXPECT_TRUE(Problems({images, f.Write("d.yaml", WorkloadDoc("", "disk: null"))}).empty());
}

TEST(CloudInit, ReadsKeysAndTheUserDataFileBesideTheWorkload) {
  Files f;
  const std::string images = f.Write("images.yaml", ImageDoc());
  f.Write("cloud/init.yaml", "#cloud-config\npackages: [nginx]\n");
  const std::string w =
      f.Write("w.yaml", WorkloadDoc(std::string("image: debian-12\ncloud_init:\n"
                                                "  ssh_authorized_keys: ['") +
                                    kKey + "']\n  user_data_file: cloud/init.yaml\n"));
  const Inventory inv = LoadInventory({images, w});
  const CloudInit& ci = inv.workloads[0].cloud_init;
  ASSERT_EQ(ci.ssh_authorized_keys.size(), 1u);
  EXPECT_EQ(ci.ssh_authorized_keys[0], kKey);
  EXPECT_EQ(ci.user_data_file, (f.dir() / "cloud/init.yaml").string());
  EXPECT_EQ(ci.user_data, "#cloud-config\npackages: [nginx]\n");
}

TEST(CloudInit, RefusesBadKeysAndUserDataWithoutQuotingThem) {
  Files f;
  const std::string images = f.Write("images.yaml", ImageDoc());
  f.Write("bad.yaml", "#cloud-config\nchpasswd: {users: [{name: root, password: s3cret}]\n");
  f.Write("notes.txt", "s3cret notes\n");
  f.Write("big.sh", "#!/bin/sh\n" + std::string(1 << 20, '#'));
  const struct {
    std::string cloud_init;
    std::string says;
  } cases[] = {
      {"{ssh_authorized_keys: ['-----BEGIN OPENSSH PRIVATE KEY----- s3cret']}",
       "w.yaml:8:36: Workload w.cloud_init.ssh_authorized_keys[0]: this is a private key"},
      {"{ssh_authorized_keys: ['ssh-rsa s3cret']}",
       "w.yaml:8:36: Workload w.cloud_init.ssh_authorized_keys[0]: expected an OpenSSH public key"},
      {"{ssh_authorized_keys: \"-----BEGIN OPENSSH PRIVATE KEY----- s3cret\"}",
       "Workload w.cloud_init.ssh_authorized_keys: expected a list"},
      {"{user_data_file: bad.yaml}",
       "bad.yaml:3:1: Workload w.cloud_init.user_data_file: YAML syntax error"},
      {"{user_data_file: notes.txt}", "none of the headers cloud-init recognises"},
      {"{user_data_file: missing.yaml}", "missing.yaml: No such file or directory"},
      {"{user_data_file: big.sh}", "big.sh is larger than 1Mi"},
      {"{user_data_file: .}", "is not a regular file"},
      {"{ssh_keys: []}", "unknown key 'ssh_keys'"},
  };
  for (const auto& c : cases) {
    const std::string w =
        f.Write("w.yaml", WorkloadDoc("image: debian-12\ncloud_init: " + c.cloud_init + "\n"));
    const auto p = Problems({images, w});
    ASSERT_EQ(p.size(), 1u) << c.cloud_init;
    EXPECT_NE(p[0].find(c.says), std::string::npos) << p[0];
    EXPECT_EQ(p[0].find("s3cret"), std::string::npos) << p[0];
  }
}

TEST(CloudInit, NeedsAnImage) {
  Files f;
  const std::string w = f.Write(
      "w.yaml", WorkloadDoc(std::string("cloud_init: {ssh_authorized_keys: ['") + kKey + "']}\n"));
  const auto p = Problems({w});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find(":7:13: Workload w.cloud_init: needs an 'image'"), std::string::npos) << p[0];
}

}  // namespace
}  // namespace egov
