// Uploading a base image into a storage volume of a real libvirtd over TCP (a private one,
// scripts/libvirtd-sandbox), then a qcow2 overlay on it, checked with qemu-img. Label
// integration; skipped unless root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/file_digest.h"
#include "common/libvirt.h"
#include "tests/support/ports.h"

namespace egov::libvirt {
namespace {

namespace fs = std::filesystem;

std::string Sh(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

class Upload : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a private libvirtd";
    dir_ = fs::temp_directory_path() /
           ("egov-upload-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "pool");
    const int port = egov::testing::FreePort();
    const std::string out = Sh(std::string(EGOV_SOURCE_DIR) + "/scripts/libvirtd-sandbox start " +
                               (dir_ / "daemon").string() + " " + std::to_string(port));
    pid_ = std::atoi(out.c_str());
    ASSERT_GT(pid_, 0) << out;
    conn_ = Connection::Open("qemu+tcp://127.0.0.1:" + std::to_string(port) + "/system");
    pool_ = conn_->DefineStoragePool("<pool type='dir'><name>egov-images</name><target><path>" +
                                     (dir_ / "pool").string() + "</path></target></pool>");
    StartStoragePool(pool_.get());
  }

  void TearDown() override {
    pool_.reset();
    conn_.reset();
    if (pid_ > 0) {
      Sh(std::string(EGOV_SOURCE_DIR) + "/scripts/libvirtd-sandbox stop " +
         (dir_ / "daemon").string());
    }
    fs::remove_all(dir_);
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
    Sh("qemu-img convert -q -f raw -O qcow2 " + raw.string() + " " + image.string());
    return image;
  }

  fs::path dir_;
  int pid_ = 0;
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
  const auto chain =
      nlohmann::json::parse(Sh("qemu-img info --output=json --backing-chain " + r.path + " 2>&1"));
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
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);  // pread fails: EISDIR
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
