// libcurl is loaded (dlopen) at the first call, not linked: measured on the project's machine
// (hyperfine, an empty main), a program starts in 2.5 ms linking neither libcurl nor libvirt,
// 15 ms with libcurl, 21 ms with libvirt and 34 ms with both, and `egov-agent scan` must start
// fast (issue 21: a whole scan in 50 ms) though only an http check needs libcurl. Each libcurl
// function is called through CURLFN(name), which looks it up once per call site; egov_curl
// links no -lcurl, so a call written without CURLFN fails to link.
#include "common/curl.h"

#include <openssl/ssl.h>

#include <stdexcept>

#include "common/shared_library.h"

namespace egov::curl {
namespace {

// libcurl, with curl_global_init run once before any handle is made.
const SharedLibrary& Library() {
  static const SharedLibrary lib = [] {
    SharedLibrary l("libcurl.so.4");
    if (EGOV_SYMBOL(l, curl_global_init)(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl: global initialisation failed");
    }
    return l;
  }();
  return lib;
}

// OpenSSL's libssl, which libcurl loads anyway, for the version of a TLS session.
const SharedLibrary& Ssl() {
  static const SharedLibrary lib("libssl.so.3");
  return lib;
}

#define CURLFN(fn) EGOV_DLSYM(Library(), fn)

}  // namespace

void EasyCleanup::operator()(CURL* easy) const { CURLFN(curl_easy_cleanup)(easy); }
void MultiCleanup::operator()(CURLM* multi) const { CURLFN(curl_multi_cleanup)(multi); }
void SlistFree::operator()(curl_slist* list) const { CURLFN(curl_slist_free_all)(list); }
void UrlCleanup::operator()(CURLU* url) const { CURLFN(curl_url_cleanup)(url); }

EasyPtr NewEasy() {
  EasyPtr easy(CURLFN(curl_easy_init)());
  if (!easy) throw std::runtime_error("libcurl: cannot create a handle");
  return easy;
}

MultiPtr NewMulti() {
  MultiPtr multi(CURLFN(curl_multi_init)());
  if (!multi) throw std::runtime_error("libcurl: cannot create a multi handle");
  return multi;
}

UrlPtr NewUrl() {
  UrlPtr url(CURLFN(curl_url)());
  if (!url) throw std::runtime_error("libcurl: cannot create a URL handle");
  return url;
}

void Append(SlistPtr& list, const std::string& line) {
  curl_slist* longer = CURLFN(curl_slist_append)(list.get(), line.c_str());
  if (!longer) throw std::runtime_error("libcurl: cannot extend a list");
  list.release();  // now the head of `longer`
  list.reset(longer);
}

namespace detail {
SetOptFunction* SetOpt() { return CURLFN(curl_easy_setopt); }
GetInfoFunction* GetInfo() { return CURLFN(curl_easy_getinfo); }
}  // namespace detail

CURLcode Perform(CURL* easy) { return CURLFN(curl_easy_perform)(easy); }

const char* StrError(CURLcode code) { return CURLFN(curl_easy_strerror)(code); }

std::optional<std::string> TlsVersion(CURL* easy) {
  const curl_tlssessioninfo* session = nullptr;
  if (GetInfo(easy, CURLINFO_TLS_SSL_PTR, &session) != CURLE_OK || !session ||
      session->backend != CURLSSLBACKEND_OPENSSL || !session->internals) {
    return std::nullopt;
  }
  return EGOV_DLSYM(Ssl(), SSL_get_version)(static_cast<const SSL*>(session->internals));
}

CURLMcode MultiAdd(CURLM* multi, CURL* easy) { return CURLFN(curl_multi_add_handle)(multi, easy); }

CURLMcode MultiRemove(CURLM* multi, CURL* easy) {
  return CURLFN(curl_multi_remove_handle)(multi, easy);
}

CURLMcode MultiPerform(CURLM* multi, int* running) {
  return CURLFN(curl_multi_perform)(multi, running);
}

CURLMcode MultiPoll(CURLM* multi, int timeout_ms) {
  return CURLFN(curl_multi_poll)(multi, nullptr, 0, timeout_ms, nullptr);
}

CURLMcode MultiWakeup(CURLM* multi) { return CURLFN(curl_multi_wakeup)(multi); }

CURLMsg* MultiInfoRead(CURLM* multi) {
  int left = 0;
  return CURLFN(curl_multi_info_read)(multi, &left);
}

long MultiTimeout(CURLM* multi) {
  long ms = -1;
  if (CURLFN(curl_multi_timeout)(multi, &ms) != CURLM_OK) return -1;
  return ms;
}

CURLUcode UrlSet(CURLU* url, CURLUPart part, const std::string& value, unsigned flags) {
  return CURLFN(curl_url_set)(url, part, value.c_str(), flags);
}

std::optional<std::string> UrlGet(CURLU* url, CURLUPart part, unsigned flags) {
  char* value = nullptr;
  if (CURLFN(curl_url_get)(url, part, &value, flags) != CURLUE_OK || !value) return std::nullopt;
  std::string out(value);
  CURLFN(curl_free)(value);
  return out;
}

}  // namespace egov::curl
