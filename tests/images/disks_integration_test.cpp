// Replicas with disks on a real libvirtd running QEMU (TCG), through egovctl: the base image
// uploaded over TCP and checked, the root disk an overlay of it at resources.disk (qemu-img
// info --backing-chain), the seed read back with xorriso, nothing left after destroy; an upload
// cut short by SIGKILL is sent again by the next apply; a wrong sha256 fails with both digests
// and uploads nothing; an https:// image is downloaded, checked, then uploaded. Label
// integration; skipped unless root.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/cloud_init.h"
#include "common/file_digest.h"
#include "common/libvirt.h"
#include "common/units.h"
#include "orchestrator/apply.h"
#include "orchestrator/desired.h"
#include "orchestrator/world.h"
#include "tests/support/egovctl.h"
#include "tests/support/libvirtd.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/serving.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace egov::testing;  // the plumbing every test shares (tests/support)

const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e ops@lab";
const char* kUserData =
    "#cloud-config\npackages: [nginx]\nssh_authorized_keys: [\"ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e file@lab\"]\n";

class RealDisks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { skip_ = Libvirtd::Unavailable(); }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    daemon_ = std::make_unique<Libvirtd>(dir_ / "daemon", egov::testing::FreePort());
    ASSERT_TRUE(daemon_->Start());
    conn_ = libvirt::Connection::Open(daemon_->TcpUri());
    // The pools egovctl would make under /var/lib/egov/pools, made here in the test's own
    // directory first: egovctl uses a pool of the right name wherever it is.
    for (const std::string pool : {"egov-images", "egov-app"}) {
      fs::create_directories(dir_ / "pools" / pool);
      libvirt::PoolPtr p =
          conn_->DefineStoragePool("<pool type='dir'><name>" + pool + "</name><target><path>" +
                                   (dir_ / "pools" / pool).string() + "</path></target></pool>");
      libvirt::StartStoragePool(p.get());
    }
    image_ = dir_ / "base.qcow2";
    const CliRun made =
        RunProcess({"qemu-img", "create", "-q", "-f", "qcow2", image_.string(), "64M"});
    ASSERT_EQ(made.code, 0) << made.err;
    sha_ = Sha256OfFile(image_.string());
  }

  void TearDown() override {
    conn_.reset();
    daemon_.reset();
  }

  void WriteInventory(const std::string& sha, const std::string& format = "qcow2",
                      const std::string& source = "") {
    dir_.Write("user-data.yaml", kUserData);  // outside in/: every YAML file there is input
    dir_.Write("in/fleet.yaml",
               "kind: Provider\nname: lab\ndisplay_name: Lab\n"
               "certification: {scheme: MIC-1145, certificate: LAB-1, issued: 2024-01-01, "
               "expires: 2030-01-01, max_security_level: 2}\nresidency: VN\nzones:\n"
               "  - name: z1\n    hosts:\n      - {name: host-a, uri: \"" +
                   daemon_->TcpUri() +
                   "\", capacity: {vcpus: 8, memory: 4Gi, disk: 10Gi}}\n"
                   "---\nkind: Image\nname: base\ndisplay_name: Base\nformat: " +
                   format +
                   "\n"
                   "source: " +
                   (source.empty() ? image_.string() : source) + "\nsha256: " + sha +
                   "\n---\nkind: Workload\nname: app\nagency: Lab\nsystem: App\n"
                   "security_level: 1\nresources: {vcpus: 1, memory: 64Mi, disk: 1Gi}\n"
                   "image: base\ncloud_init:\n  ssh_authorized_keys: [\"" +
                   kKey + "\"]\n  user_data_file: " + (dir_ / "user-data.yaml").string() + "\n");
  }

  CliRun Run(std::vector<std::string> args) {
    args.insert(args.begin() + (args[0] == "images" ? 2 : 1),
                {"-f", (dir_ / "in").string(), "--journal", (dir_ / "journal.db").string()});
    return egov::testing::Egovctl(args);
  }

  // The path of volume `name` of `pool`, or "" when it has none.
  std::string VolumePath(const std::string& pool, const std::string& name) {
    libvirt::PoolPtr p = conn_->LookupStoragePool(pool);
    if (!p) return "";
    libvirt::VolumePtr v = libvirt::LookupVolume(p.get(), name);
    return v ? libvirt::GetVolume(v.get()).path : "";
  }

  // `qemu-img info --backing-chain` of the replica's root disk: the overlay first, then its base.
  static nlohmann::json BackingChain(const std::string& root) {
    const CliRun info =
        RunProcess({"qemu-img", "info", "--force-share", "--output=json", "--backing-chain", root});
    EXPECT_EQ(info.code, 0) << info.err;
    const auto chain = nlohmann::json::parse(info.out, nullptr, false);
    return chain.is_array() ? chain : nlohmann::json::array();
  }

  static inline std::string skip_;
  egov::testing::TempDir dir_;
  std::unique_ptr<Libvirtd> daemon_;
  std::unique_ptr<libvirt::Connection> conn_;
  fs::path image_;
  std::string sha_;
};

TEST_F(RealDisks, TheRootDiskIsAnOverlayOfTheUploadedImageAndTheSeedReadsBack) {
  WriteInventory(sha_);
  const CliRun apply = Run({"apply", "--auto-approve"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("upload base-" + sha_.substr(0, 8) + " to host-a: "), std::string::npos)
      << apply.out;
  EXPECT_EQ(apply.out.find("packages"), std::string::npos);  // no user data in the output

  libvirt::DomainPtr dom = conn_->LookupDomainByUuid(ReplicaUuid("app", 0));
  ASSERT_NE(dom, nullptr);
  EXPECT_TRUE(libvirt::DomainIsActive(dom.get()));

  const std::string base = VolumePath("egov-images", "base-" + sha_.substr(0, 8));
  ASSERT_FALSE(base.empty());
  EXPECT_EQ(Sha256OfFile(base), sha_);
  const std::string root = VolumePath("egov-app", "app-0-root");
  ASSERT_FALSE(root.empty());
  const auto chain = BackingChain(root);
  ASSERT_EQ(chain.size(), 2u) << chain.dump();
  EXPECT_EQ(chain[0]["format"], "qcow2");
  EXPECT_EQ(chain[0]["virtual-size"], 1ULL << 30);
  EXPECT_EQ(chain[0]["full-backing-filename"], base);
  EXPECT_EQ(chain[1]["filename"], base);
  EXPECT_EQ(chain[1]["format"], "qcow2");

  const std::string seed = VolumePath("egov-app", "app-0-seed");
  ASSERT_FALSE(seed.empty());
  const fs::path out = dir_ / "seed";
  const CliRun x =
      RunProcess({"xorriso", "-indev", seed, "-osirrox", "on", "-extract", "/", out.string()});
  ASSERT_EQ(x.code, 0) << x.out << x.err;
  EXPECT_EQ(ReadFile(out / "meta-data"), cloud_init::BuildMetaData(ReplicaUuid("app", 0), "app-0"));
  EXPECT_EQ(ReadFile(out / "user-data"),
            cloud_init::BuildUserData({kKey}, kUserData, (dir_ / "user-data.yaml").string()));
  EXPECT_FALSE(fs::exists(out / "network-config"));  // the replica has no network
  EXPECT_EQ(RunProcess({"blkid", "-s", "LABEL", "-o", "value", seed}).out, "cidata\n");

  const CliRun destroy = Run({"destroy", "--auto-approve", "--all"});
  ASSERT_EQ(destroy.code, 0) << destroy.out << destroy.err;
  EXPECT_EQ(conn_->LookupDomainByUuid(ReplicaUuid("app", 0)), nullptr);
  EXPECT_EQ(conn_->LookupStoragePool("egov-app"), nullptr);
  EXPECT_FALSE(fs::exists(root));
  EXPECT_FALSE(fs::exists(seed));
  EXPECT_TRUE(fs::exists(base));  // until `egovctl images prune`
  const CliRun prune = Run({"images", "prune"});
  EXPECT_EQ(prune.code, 0) << prune.out << prune.err;
  EXPECT_FALSE(fs::exists(base));
}

// On a terminal, apply shows how far each upload got (bytes so far, whole size, rate) every
// second; here every chunk (an interval of 0), since this small image goes in well under one.
TEST_F(RealDisks, AnUploadShowsItsProgress) {
  WriteInventory(sha_);
  WorldOptions wo;
  wo.files = {(dir_ / "in").string()};
  wo.state.url = (dir_ / "journal.db").string();
  World world = LoadWorld(wo, JournalUse::kCreate, "apply");
  PlacementOptions placement;
  placement.today = Today();
  const Plan plan = MakePlan(world.inv, world.policy, world.observed, placement).plan;
  ApplyOptions options;
  options.inventory = &world.inv;
  options.upload_progress = true;
  options.upload_progress_interval = std::chrono::milliseconds(0);
  std::ostringstream progress;
  const ApplyReport r =
      ExecutePlan(plan, world.SessionsByName(), world.journal.get(), options, progress);
  EXPECT_EQ(r.done, 1u) << progress.str();
  const std::regex line(
      "  upload base-" + sha_.substr(0, 8) +
      " to host-a: [0-9]+\\.[0-9] MiB of [0-9]+\\.[0-9] MiB, [0-9]+\\.[0-9] MiB/s\n");
  EXPECT_TRUE(std::regex_search(progress.str(), line)) << progress.str();
}

// egovctl killed (SIGKILL) while it streams the base leaves a partial volume on the host; the
// next apply must send the image again rather than back the root disk onto the partial one.
TEST_F(RealDisks, ABaseCutShortBySigkillIsSentAgainByTheNextApply) {
  // Pseudo-random bytes, so that no prefix of the image (the zeros of a sparse volume after it)
  // has its digest, and 256 MiB, so that the stream lasts long enough to be cut.
  image_ = dir_ / "big.raw";
  {
    std::mt19937_64 random(18);
    std::vector<uint64_t> chunk(1 << 17);  // 1 MiB
    std::ofstream out(image_, std::ios::binary);
    for (int mib = 0; mib < 256; ++mib) {
      for (auto& word : chunk) word = random();
      out.write(reinterpret_cast<const char*>(chunk.data()), std::streamsize(chunk.size() * 8));
    }
  }
  const std::string sha = Sha256OfFile(image_.string());
  WriteInventory(sha, "raw");
  const std::string base = "base-" + sha.substr(0, 8);
  const fs::path partial = dir_ / "pools" / "egov-images" / base;
  std::string head(4096, '\0');
  std::ifstream(image_, std::ios::binary).read(head.data(), std::streamsize(head.size()));

  egov::testing::Child apply({EGOVCTL_PATH, "apply", "--auto-approve", "-q", "-f",
                              (dir_ / "in").string(), "--journal", (dir_ / "journal.db").string()},
                             dir_ / "killed.log");
  ASSERT_TRUE(apply.running());
  // Kill it as soon as the host's volume holds the image's first bytes: mid-stream.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string got(head.size(), '\0');
    std::ifstream(partial, std::ios::binary).read(got.data(), std::streamsize(got.size()));
    if (got == head) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(apply.pid(), SIGKILL);
  ASSERT_EQ(apply.Wait(), 128 + SIGKILL) << ReadFile(dir_ / "killed.log");
  std::this_thread::sleep_for(std::chrono::seconds(1));  // libvirtd ends the orphaned stream
  ASSERT_FALSE(VolumePath("egov-images", base).empty()) << "the kill left no volume";
  ASSERT_TRUE(VolumePath("egov-images", base + ".complete").empty())
      << "the upload finished before the kill";
  ASSERT_NE(Sha256OfFile(partial.string()), sha) << "the volume is whole";

  const CliRun again = Run({"apply", "--auto-approve"});
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find(base + " on host-a has no completion marker"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("upload " + base + " to host-a: "), std::string::npos) << again.out;
  const std::string path = VolumePath("egov-images", base);
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(Sha256OfFile(path), sha);
  EXPECT_FALSE(VolumePath("egov-images", base + ".complete").empty());
  const std::string root = VolumePath("egov-app", "app-0-root");
  ASSERT_FALSE(root.empty());
  const auto chain = BackingChain(root);
  ASSERT_EQ(chain.size(), 2u) << chain.dump();
  EXPECT_EQ(chain[0]["full-backing-filename"], path);
  EXPECT_EQ(chain[1]["format"], "raw");
  EXPECT_EQ(chain[1]["virtual-size"], 256ULL << 20);
  EXPECT_EQ(Run({"plan"}).code, 0);  // converged
}

// An image given by https:// URL (a loopback server with a certificate of the test's own CA,
// trusted through EGOV_IMAGE_CACERT): a download with another digest fails with both and sends
// nothing; the right one is cached, then uploaded.
TEST_F(RealDisks, AnHttpsImageIsDownloadedCheckedThenUploaded) {
  egov::testing::MakeCertificates(dir_.path());
  httplib::SSLServer server((dir_ / "server.pem").c_str(), (dir_ / "server.key").c_str());
  const std::string bytes = ReadFile(image_);
  server.Get("/base.qcow2", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(bytes, "application/octet-stream");
  });
  egov::testing::Serving serving(server);
  const fs::path cache = dir_ / "cache";
  ::setenv("XDG_CACHE_HOME", cache.c_str(), 1);
  ::setenv("EGOV_IMAGE_CACERT", (dir_ / "ca.pem").c_str(), 1);
  struct Unset {
    ~Unset() {
      ::unsetenv("XDG_CACHE_HOME");
      ::unsetenv("EGOV_IMAGE_CACERT");
    }
  } unset;
  const std::string url = serving.Url("/base.qcow2", "https");

  const std::string wrong(64, 'b');
  WriteInventory(wrong, "qcow2", url);
  const CliRun bad = Run({"apply", "--auto-approve"});
  EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("image base (" + url + "): the download's sha256 is " + sha_ +
                         ", expected " + wrong),
            std::string::npos)
      << bad.out;
  EXPECT_TRUE(fs::is_empty(dir_ / "pools" / "egov-images"));
  EXPECT_TRUE(fs::is_empty(cache / "egov-cloud" / "images"));

  WriteInventory(sha_, "qcow2", url);
  const CliRun apply = Run({"apply", "--auto-approve"});
  ASSERT_EQ(apply.code, 0) << apply.out << apply.err;
  const std::string base = VolumePath("egov-images", "base-" + sha_.substr(0, 8));
  ASSERT_FALSE(base.empty());
  EXPECT_EQ(Sha256OfFile(base), sha_);
  EXPECT_EQ(Sha256OfFile((cache / "egov-cloud" / "images" / sha_).string()), sha_);
  EXPECT_NE(conn_->LookupDomainByUuid(ReplicaUuid("app", 0)), nullptr);
}

TEST_F(RealDisks, AWrongDigestFailsWithBothDigestsAndUploadsNothing) {
  const std::string wrong(64, 'a');
  WriteInventory(wrong);
  const CliRun apply = Run({"apply", "--auto-approve"});
  EXPECT_EQ(apply.code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("sha256 is " + sha_ + ", expected " + wrong), std::string::npos)
      << apply.out;
  libvirt::PoolPtr images = conn_->LookupStoragePool("egov-images");
  ASSERT_NE(images, nullptr);
  EXPECT_TRUE(libvirt::ListVolumes(images.get()).empty());
  EXPECT_TRUE(fs::is_empty(dir_ / "pools" / "egov-images"));
  EXPECT_EQ(conn_->LookupDomainByUuid(ReplicaUuid("app", 0)), nullptr);
}

}  // namespace
}  // namespace egov::orchestrator
