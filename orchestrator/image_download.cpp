#include "orchestrator/image_download.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "common/curl.h"
#include "common/file_digest.h"
#include "common/files.h"
#include "common/install_dirs.h"
#include "common/units.h"

namespace egov::orchestrator {
namespace {

// The cache may hold images an operator has not published yet: its owner's only.
constexpr mode_t kCacheDirectoryMode = 0700;

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Where libcurl's body goes: the temporary file and the digest, up to `max` bytes.
struct Sink {
  int fd = -1;
  EVP_MD_CTX* digest = nullptr;
  uint64_t max = 0;
  uint64_t bytes = 0;
  bool too_large = false;
  int write_errno = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->bytes + n > sink->max) {
    sink->too_large = true;
    return 0;  // a short count makes libcurl end the transfer
  }
  for (size_t done = 0; done < n;) {
    const ssize_t w = ::write(sink->fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      sink->write_errno = errno;
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  EVP_DigestUpdate(sink->digest, data, n);
  sink->bytes += n;
  return n;
}

std::string Hex(const unsigned char* md, unsigned len) {
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

// A temporary file removed when it goes unless kept.
class PartFile {
 public:
  explicit PartFile(const std::string& target) : path_(target + ".part-XXXXXX") {
    fd_ = ::mkstemp(path_.data());  // mode 0600
    if (fd_ < 0) {
      throw std::runtime_error("cannot create a file in " + target + ": " + std::strerror(errno));
    }
  }
  ~PartFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(path_.c_str());
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  int fd() const { return fd_; }

  // Makes the file `target`, durably: its bytes reach the disk before its name does.
  void KeepAs(const std::string& target) {
    if (::fsync(fd_) != 0 || ::rename(path_.c_str(), target.c_str()) != 0) {
      throw std::runtime_error("cannot store " + target + ": " + std::strerror(errno));
    }
    kept_ = true;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool kept_ = false;
};

// Whether `path` holds a file whose digest is `sha256`; a cached file that does not is removed
// (a disk error, an edit), so it is downloaded again.
bool CachedFileMatches(const std::string& path, const std::string& sha256) {
  if (::access(path.c_str(), F_OK) != 0) return false;
  try {
    if (Sha256OfFile(path) == sha256) return true;
  } catch (const std::exception&) {
  }
  ::unlink(path.c_str());
  return false;
}

}  // namespace

std::string DefaultImageCacheDir() {
  return UserPath("EGOV_IMAGE_CACHE", "XDG_CACHE_HOME", ".cache", "images");
}

DownloadOptions DefaultDownloadOptions() {
  DownloadOptions o;
  o.cache_dir = DefaultImageCacheDir();
  if (const char* ca = std::getenv("EGOV_IMAGE_CACERT"); ca && *ca) o.ca_file = ca;
  return o;
}

std::string DownloadImage(const std::string& url, const std::string& sha256,
                          const DownloadOptions& o) {
  const std::string target = o.cache_dir + "/" + sha256;
  if (CachedFileMatches(target, sha256)) return target;
  CreateDirectories(o.cache_dir, kCacheDirectoryMode);
  PartFile part(target);

  std::unique_ptr<EVP_MD_CTX, CtxFree> digest(EVP_MD_CTX_new());
  if (!digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: cannot start a SHA-256 digest");
  }
  Sink sink{part.fd(), digest.get(), o.max_bytes};
  char error[CURL_ERROR_SIZE] = "";
  curl::EasyPtr easy = curl::NewEasy();
  CURL* h = easy.get();
  curl::SetOpt(h, CURLOPT_URL, url.c_str());
  // Mirrors of cloud images redirect; the digest, not the server, vouches for the bytes, but a
  // redirect must stay on https.
  curl::SetOpt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl::SetOpt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl::SetOpt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl::SetOpt(h, CURLOPT_MAXREDIRS, 5L);
  curl::SetOpt(h, CURLOPT_NOSIGNAL, 1L);
  curl::SetOpt(h, CURLOPT_FAILONERROR, 1L);
  curl::SetOpt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(o.connect_timeout.count()));
  curl::SetOpt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl::SetOpt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.stall_timeout.count()));
  curl::SetOpt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_bytes));
  curl::SetOpt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl::SetOpt(h, CURLOPT_WRITEDATA, &sink);
  curl::SetOpt(h, CURLOPT_ERRORBUFFER, error);
  if (!o.ca_file.empty()) curl::SetOpt(h, CURLOPT_CAINFO, o.ca_file.c_str());

  const CURLcode rc = curl::Perform(h);
  const std::string limit = "larger than the limit of " + FormatSize(o.max_bytes);
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    throw std::runtime_error("the download is " + limit + "; nothing was uploaded");
  }
  if (sink.write_errno != 0) {
    throw std::runtime_error("download failed writing into " + o.cache_dir + ": " +
                             std::strerror(sink.write_errno));
  }
  if (rc != CURLE_OK) {
    long status = 0;
    curl::GetInfo(h, CURLINFO_RESPONSE_CODE, &status);
    const std::string why = rc == CURLE_HTTP_RETURNED_ERROR ? "HTTP " + std::to_string(status)
                            : *error                        ? std::string(error)
                                                            : curl::StrError(rc);
    throw std::runtime_error("download failed: " + why);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(digest.get(), md, &len);
  const std::string actual = Hex(md, len);
  if (actual != sha256) {
    throw std::runtime_error("the download's sha256 is " + actual + ", expected " + sha256 +
                             "; it was removed and nothing was uploaded");
  }
  part.KeepAs(target);
  return target;
}

}  // namespace egov::orchestrator
