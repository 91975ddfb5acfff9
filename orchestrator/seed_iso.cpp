#include "orchestrator/seed_iso.h"

// The struct burn_source that libisofs hands out is declared by libisofs.h only on request
// (libburn.h would declare it otherwise; egovctl does not use libburn).
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/cloud_init.h"

namespace egov::orchestrator {
namespace {

constexpr const char* kVolumeId = "cidata";  // what cloud-init's NoCloud looks for

struct ImageUnref {
  void operator()(IsoImage* image) const { iso_image_unref(image); }
};
struct OptsFree {
  void operator()(IsoWriteOpts* opts) const { iso_write_opts_free(opts); }
};
struct SourceFree {
  void operator()(burn_source* src) const {
    src->free_data(src);
    std::free(src);
  }
};

void Check(int rc, const std::string& what) {
  if (rc < 0) {
    throw std::runtime_error("building the cloud-init seed: " + what + ": " + iso_error_to_msg(rc));
  }
}

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Not iso_init(): bit 0 leaves the process's locale alone; the names here are ASCII.
    Check(iso_init_with_flag(1), "initialising libisofs");
    // Errors come back as return codes; nothing is printed or queued.
    char never[] = "NEVER";
    char id[] = "libisofs";
    iso_set_msgs_severities(never, never, id);
  });
}

void AddFile(IsoImage* image, const char* name, const std::string& content) {
  // The stream takes the buffer and frees it with free().
  auto* buf = static_cast<unsigned char*>(std::malloc(content.size() + 1));
  if (!buf) throw std::bad_alloc();
  std::memcpy(buf, content.data(), content.size());
  IsoStream* stream = nullptr;
  const int rc = iso_memory_stream_new(buf, content.size(), &stream);
  if (rc < 0) std::free(buf);
  Check(rc, std::string("adding ") + name);
  // The new file takes the stream's reference; on failure it stays ours.
  const int added = iso_image_add_new_file(image, iso_image_get_root(image), name, stream, nullptr);
  if (added < 0) iso_stream_unref(stream);
  Check(added, std::string("adding ") + name);
}

}  // namespace

std::string BuildSeedIso(const SeedSpec& spec) {
  InitOnce();
  IsoImage* raw_image = nullptr;
  Check(iso_image_new(kVolumeId, &raw_image), "creating the image");
  std::unique_ptr<IsoImage, ImageUnref> image(raw_image);
  AddFile(image.get(), "meta-data", cloud_init::BuildMetaData(spec.instance_id, spec.hostname));
  AddFile(image.get(), "user-data", spec.user_data);
  if (!spec.network_config.empty()) AddFile(image.get(), "network-config", spec.network_config);

  IsoWriteOpts* raw_opts = nullptr;
  // Profile 2 ("distribution"): Rock Ridge and Joliet, default permissions.
  Check(iso_write_opts_new(&raw_opts, 2), "write options");
  std::unique_ptr<IsoWriteOpts, OptsFree> opts(raw_opts);
  Check(iso_write_opts_set_always_gmt(opts.get(), 1), "write options");
  // The primary descriptor keeps `cidata` lower-case (ISO 9660 would make it CIDATA), as
  // cloud-localds and virt-install write it, so readers that skip Joliet see the same label.
  Check(iso_write_opts_set_relaxed_vol_atts(opts.get(), 1), "write options");

  burn_source* raw_src = nullptr;
  Check(iso_image_create_burn_source(image.get(), opts.get(), &raw_src), "starting the writer");
  std::unique_ptr<burn_source, SourceFree> src(raw_src);
  std::string out;
  unsigned char block[2048];
  int n = 0;
  while ((n = src->read_xt(src.get(), block, sizeof block)) > 0) {
    out.append(reinterpret_cast<const char*>(block), static_cast<size_t>(n));
  }
  if (n < 0) {
    src->cancel(src.get());
    throw std::runtime_error("building the cloud-init seed: the ISO writer failed");
  }
  return out;
}

}  // namespace egov::orchestrator
