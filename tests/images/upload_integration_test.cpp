// Uploading a base image into a storage volume of a real libvirtd over TCP (a private one,
// tests/support's Libvirtd), then a qcow2 overlay on it, checked with qemu-img. Label
// integration; skipped unless root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/file_digest.h"
#include "common/libvirt.h"
#include "tests/support/libvirtd.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::libvirt {
namespace {

namespace fs = std::filesystem;
using egov::testing::CliRun;
using egov::testing::RunProcess;

class Upload : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { skip_ = egov::testing::Libvirtd::Unavailable(); }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    fs::create_directories(dir_ / "pool");
    daemon_ = std::make_unique<egov::testing::Libvirtd>(dir_ / "daemon", egov::testing::FreePort());
    ASSERT_TRUE(daemon_->Start());
    conn_ = Connection::Open(daemon_->TcpUri());
    pool_ = conn_->DefineStoragePool("<pool type='dir'><name>egov-images</name><target><path>" +
                                     (dir_ / "pool").string() + "</path></target></pool>");
    StartStoragePool(pool_.get());
  }

  void TearDown() override {
    pool_.reset();
    conn_.reset();
    daemon_.reset();
  }

  // A qcow2 base image made with qemu-img, with some data in it.
  fs::path MakeImage() {
    const fs::path raw = dir_ / "base.raw";
    {
      std::ofstream out(raw, std::ios::binary);
      for (int i = 0; i < 300000; ++i) out << "egov-cloud base image line " << i << "\n";
    }
    fs::resize_file(raw, 64 << 20);
    const fs::path image = dir_ / "base.qcow2";
    const CliRun made =
        RunProcess({"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, image});
    EXPECT_EQ(made.code, 0) << made.err;
    return image;
  }

  static inline std::string skip_;
  egov::testing::TempDir dir_;
  std::unique_ptr<egov::testing::Libvirtd> daemon_;
  std::unique_ptr<Connection> conn_;
  PoolPtr pool_;
};

TEST_F(Upload, SendsTheFileByteForByteAndAnOverlayBacksOntoIt) {
  const fs::path image = MakeImage();
  const uint64_t size = fs::file_size(image);
  ASSERT_GT(size, 1u << 20);
  const int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const std::string digest = Sha256OfFd(fd);

  StorageVolume base;
  base.name = "base-" + digest.substr(0, 8);
  base.format = "raw";  // the bytes are sent as they are; libvirt reads the qcow2 header after
  base.capacity = size;
  VolumePtr vol = CreateVolume(pool_.get(), BuildVolumeXml(base));
  std::vector<uint64_t> progress;
  UploadVolume(vol.get(), fd, size, [&](uint64_t n) { progress.push_back(n); });
  ::close(fd);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), size);
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));

  const StorageVolume uploaded = GetVolume(vol.get());
  EXPECT_EQ(Sha256OfFile(uploaded.path), digest);

  StorageVolume overlay;
  overlay.name = "w-0-root";
  overlay.format = "qcow2";
  overlay.capacity = 1ULL << 30;
  overlay.backing_path = uploaded.path;
  overlay.backing_format = "qcow2";
  VolumePtr root = CreateVolume(pool_.get(), BuildVolumeXml(overlay));
  const StorageVolume r = GetVolume(root.get());
  EXPECT_EQ(r.capacity, 1ULL << 30);
  EXPECT_EQ(r.backing_path, uploaded.path);
  const CliRun info = RunProcess({"qemu-img", "info", "--output=json", "--backing-chain", r.path});
  ASSERT_EQ(info.code, 0) << info.err;
  const auto chain = nlohmann::json::parse(info.out);
  ASSERT_EQ(chain.size(), 2u) << chain.dump();
  EXPECT_EQ(chain[0]["format"], "qcow2");
  EXPECT_EQ(chain[0]["virtual-size"], 1ULL << 30);
  EXPECT_EQ(chain[0]["full-backing-filename"], uploaded.path);
  EXPECT_EQ(chain[1]["format"], "qcow2");
  EXPECT_EQ(chain[1]["virtual-size"], 64 << 20);

  DeleteVolume(root.get());
  DeleteVolume(vol.get());
  EXPECT_TRUE(ListVolumes(pool_.get()).empty());
  EXPECT_FALSE(fs::exists(r.path));
}

TEST_F(Upload, AFileShorterThanAnnouncedAbortsTheStream) {
  const fs::path image = MakeImage();
  const uint64_t size = fs::file_size(image);
  StorageVolume base;
  base.name = "short";
  base.format = "raw";
  base.capacity = size + 4096;
  VolumePtr vol = CreateVolume(pool_.get(), BuildVolumeXml(base));
  const int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  try {
    UploadVolume(vol.get(), fd, size + 4096);
    ADD_FAILURE() << "a short file uploaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the source ended after " + std::to_string(size) + " of " +
                                         std::to_string(size + 4096) + " bytes"),
              std::string::npos)
        << e.what();
  }
  ::close(fd);
  // The connection is still usable after the aborted stream.
  EXPECT_EQ(ListVolumes(pool_.get()).size(), 1u);
}

TEST_F(Upload, AReadErrorAbortsTheStreamAndSaysSo) {
  StorageVolume base;
  base.name = "unreadable";
  base.format = "raw";
  base.capacity = 1 << 20;
  VolumePtr vol = CreateVolume(pool_.get(), BuildVolumeXml(base));
  const int fd = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY);  // pread fails: EISDIR
  ASSERT_GE(fd, 0);
  EXPECT_THROW(
      {
        try {
          UploadVolume(vol.get(), fd, 1 << 20);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("reading the source"), std::string::npos)
              << e.what();
          throw;
        }
      },
      std::runtime_error);
  ::close(fd);
  EXPECT_EQ(ListVolumes(pool_.get()).size(), 1u);
}

}  // namespace
}  // namespace egov::libvirt
