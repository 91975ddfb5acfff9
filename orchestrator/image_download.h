#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// Images whose source is an https:// URL: downloaded with libcurl into a cache of files named
// by their SHA-256, hashed while they arrive, and kept only when the digest is the one declared,
// so `apply` uploads nothing it has not checked and downloads an image once per machine.
namespace egov::orchestrator {

/// Largest image `apply` downloads: far above a cloud image (hundreds of MiB for Linux), small
/// enough that a wrong or hostile URL cannot fill the cache's disk unnoticed.
inline constexpr uint64_t kMaxImageDownloadBytes = 64ULL << 30;

struct DownloadOptions {
  std::string cache_dir;  ///< where checked files are kept (DefaultImageCacheDir)
  std::string ca_file;    ///< CA bundle for the server's certificate; "" = the system's
  uint64_t max_bytes = kMaxImageDownloadBytes;
  std::chrono::seconds connect_timeout{30};
  /// A transfer slower than 1 KiB/s for this long is abandoned (no overall limit: a large
  /// image on a slow link may rightly take hours).
  std::chrono::seconds stall_timeout{60};
};

/// $EGOV_IMAGE_CACHE, else $XDG_CACHE_HOME/egov-cloud/images, else
/// ~/.cache/egov-cloud/images.
std::string DefaultImageCacheDir();

/// The options `apply` uses: the default cache, the CA bundle of $EGOV_IMAGE_CACERT.
DownloadOptions DefaultDownloadOptions();

/// The path of a file in the cache holding the bytes of `url` whose SHA-256 is `sha256` (64
/// lowercase hex digits): a cached file whose digest matches, else a new download, written to a
/// temporary file (mode 0600, directories 0700), hashed as it arrives and renamed into place
/// only when its digest matches. Throws std::runtime_error saying what failed (the caller names
/// the URL): the transfer (libcurl's error, the HTTP status), a file over `max_bytes`, or both
/// digests on a mismatch, after removing the bad download.
std::string DownloadImage(const std::string& url, const std::string& sha256,
                          const DownloadOptions& options);

}  // namespace egov::orchestrator
