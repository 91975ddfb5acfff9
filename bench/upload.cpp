// Upload of a disk image into a storage volume of a libvirt host: egovctl's way (the libvirt
// adapter's UploadVolume, as apply sends a base image, after Sha256OfFd) and `virsh vol-upload`
// of the same file, side by side, alternating, each into a fresh volume of a scratch pool.
//   scripts/libvirtd-sandbox start /tmp/upl 16599     # a private libvirtd (root)
//   build/release/bench/upload_bench qemu+tcp://127.0.0.1:16599/system FILE [runs=3]
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/file_digest.h"
#include "common/libvirt.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace egov;

namespace {

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

libvirt::VolumePtr FreshVolume(virStoragePoolPtr pool, const std::string& name, uint64_t size) {
  if (libvirt::VolumePtr old = libvirt::LookupVolume(pool, name)) libvirt::DeleteVolume(old.get());
  StorageVolume v;
  v.name = name;
  v.format = "raw";
  v.capacity = size;
  return libvirt::CreateVolume(pool, BuildVolumeXml(v));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: upload_bench URI FILE [runs]\n");
    return 2;
  }
  const std::string uri = argv[1], file = argv[2];
  const int runs = argc > 3 ? std::atoi(argv[3]) : 3;
  const fs::path dir =
      fs::temp_directory_path() / ("egov-upload-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto conn = libvirt::Connection::Open(uri);
  libvirt::PoolPtr pool =
      conn->DefineStoragePool("<pool type='dir'><name>upload-bench</name><target><path>" +
                              dir.string() + "</path></target></pool>");
  libvirt::StartStoragePool(pool.get());
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    std::perror(file.c_str());
    return 1;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const double mib = static_cast<double>(size) / (1 << 20);
  auto t = Clock::now();
  const std::string digest = Sha256OfFd(fd);
  std::printf("%s: %.0f MiB, sha256 %s… in %.2f s\n", file.c_str(), mib,
              digest.substr(0, 12).c_str(), Since(t));
  double ours = 0, theirs = 0;
  for (int i = 0; i < runs; ++i) {
    libvirt::VolumePtr a = FreshVolume(pool.get(), "egovctl", size);
    t = Clock::now();
    libvirt::UploadVolume(a.get(), fd, size);
    const double s1 = Since(t);
    FreshVolume(pool.get(), "virsh", size);
    const std::string cmd =
        "virsh -q -c '" + uri + "' vol-upload --pool upload-bench virsh '" + file + "'";
    t = Clock::now();
    const int rc = std::system(cmd.c_str());
    const double s2 = Since(t);
    std::printf(
        "run %d: egovctl %.0f MiB/s (%.2f s), virsh vol-upload %.0f MiB/s (%.2f s, exit %d)\n",
        i + 1, mib / s1, s1, mib / s2, s2, rc);
    ours += s1;
    theirs += s2;
  }
  std::printf("mean: egovctl %.0f MiB/s, virsh %.0f MiB/s: egovctl at %.2fx virsh's rate\n",
              mib * runs / ours, mib * runs / theirs, theirs / ours);
  ::close(fd);
  for (const auto& v : libvirt::ListVolumes(pool.get())) {
    if (libvirt::VolumePtr vol = libvirt::LookupVolume(pool.get(), v.name)) {
      libvirt::DeleteVolume(vol.get());
    }
  }
  libvirt::RemoveStoragePool(pool.get());
  fs::remove_all(dir);
  return 0;
}
