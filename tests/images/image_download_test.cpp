// Images given by https:// URL, fetched from a real HTTPS server on 127.0.0.1 (cpp-httplib, a
// certificate of the test's own CA): cached by digest with private modes, reused, and refused
// with both digests, over the size limit, from an untrusted server or on an HTTP error, each
// leaving nothing in the cache.
#include "orchestrator/image_download.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "common/digest.h"
#include "tests/support/serving.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;

std::string ThrownBy(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

class ImageDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    egov::testing::MakeCertificates(dir_.path());
    const std::string d = dir_.path().string();
    image_ = std::string(300000, 'x') + "egov-cloud image";
    sha_ = Sha256Hex(image_);
    server_ = std::make_unique<httplib::SSLServer>((d + "/server.pem").c_str(),
                                                   (d + "/server.key").c_str());
    server_->Get("/debian.qcow2", [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      res.set_content(image_, "application/octet-stream");
    });
    server_->Get("/stalled.qcow2", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(4));
      res.set_content("late", "application/octet-stream");
    });
    serving_ = std::make_unique<egov::testing::Serving>(*server_);
    options_.cache_dir = (dir_ / "cache" / "egov-cloud" / "images").string();
    options_.ca_file = d + "/ca.pem";
  }

  // Whatever the cache holds: a failed download leaves no file, whole or partial.
  std::vector<std::string> Cached() const {
    std::vector<std::string> out;
    if (!fs::exists(options_.cache_dir)) return out;
    for (const auto& e : fs::directory_iterator(options_.cache_dir)) {
      out.push_back(e.path().filename().string());
    }
    return out;
  }

  egov::testing::TempDir dir_;
  std::string image_;
  std::string sha_;
  std::atomic<int> requests_{0};
  std::unique_ptr<httplib::SSLServer> server_;
  std::unique_ptr<egov::testing::Serving> serving_;
  DownloadOptions options_;
};

TEST_F(ImageDownload, AMatchingFileIsCachedPrivatelyByItsDigestAndReused) {
  const std::string url = serving_->Url("/debian.qcow2", "https");
  const std::string path = DownloadImage(url, sha_, options_);
  EXPECT_EQ(path, options_.cache_dir + "/" + sha_);
  EXPECT_EQ(egov::testing::ReadFile(path), image_);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(options_.cache_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  EXPECT_EQ(DownloadImage(url, sha_, options_), path);
  EXPECT_EQ(requests_, 1);  // the cached file, checked, served the second time

  egov::testing::WriteFile(path, "damaged");  // a cached file that no longer matches
  EXPECT_EQ(DownloadImage(url, sha_, options_), path);
  EXPECT_EQ(requests_, 2);
  EXPECT_EQ(egov::testing::ReadFile(path), image_);
}

TEST_F(ImageDownload, AnotherDigestFailsWithBothAndKeepsNothing) {
  const std::string wrong(64, 'a');
  const std::string error =
      ThrownBy([&] { DownloadImage(serving_->Url("/debian.qcow2", "https"), wrong, options_); });
  EXPECT_NE(error.find("sha256 is " + sha_ + ", expected " + wrong), std::string::npos) << error;
  EXPECT_NE(error.find("it was removed and nothing was uploaded"), std::string::npos) << error;
  EXPECT_TRUE(Cached().empty());
}

TEST_F(ImageDownload, AFileOverTheLimitIsRefused) {
  options_.max_bytes = 100000;
  const std::string error =
      ThrownBy([&] { DownloadImage(serving_->Url("/debian.qcow2", "https"), sha_, options_); });
  EXPECT_NE(error.find("larger than the limit of"), std::string::npos) << error;
  EXPECT_TRUE(Cached().empty());
}

TEST_F(ImageDownload, AServerThatStallsIsAbandoned) {
  options_.stall_timeout = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  const std::string error =
      ThrownBy([&] { DownloadImage(serving_->Url("/stalled.qcow2", "https"), sha_, options_); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_NE(error.find("download failed: "), std::string::npos) << error;
  EXPECT_TRUE(Cached().empty());
}

TEST_F(ImageDownload, AnUntrustedServerAMissingFileAndPlainHttpFail) {
  const std::string url = serving_->Url("/debian.qcow2", "https");
  DownloadOptions system_ca = options_;
  system_ca.ca_file.clear();  // the system's CAs do not know the test's
  EXPECT_NE(ThrownBy([&] { DownloadImage(url, sha_, system_ca); }).find("download failed: "),
            std::string::npos);
  const std::string missing =
      ThrownBy([&] { DownloadImage(serving_->Url("/none.qcow2", "https"), sha_, options_); });
  EXPECT_NE(missing.find("HTTP 404"), std::string::npos) << missing;
  EXPECT_NE(ThrownBy([&] {
              DownloadImage(serving_->Url("/debian.qcow2"), sha_, options_);
            }).find("download failed: "),
            std::string::npos);
  EXPECT_TRUE(Cached().empty());
  EXPECT_EQ(requests_, 0);
}

}  // namespace
}  // namespace egov::orchestrator
