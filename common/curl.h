#pragma once

#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

// A small RAII adapter over libcurl, shared by egovctl and egov-agent: every handle lives in a
// std::unique_ptr, and libcurl itself is loaded at the first call (common/curl.cpp says why).
// Transfers fail as values (CURLcode, CURLMcode), which callers report as outcomes; only a
// libcurl that cannot be loaded, or cannot make a handle, throws std::runtime_error.
// Thread safety is libcurl's: one handle on one thread at a time, any number of handles.
namespace egov::curl {

struct EasyCleanup {
  void operator()(CURL* easy) const;
};
struct MultiCleanup {
  void operator()(CURLM* multi) const;
};
struct SlistFree {
  void operator()(curl_slist* list) const;
};
struct UrlCleanup {
  void operator()(CURLU* url) const;
};
using EasyPtr = std::unique_ptr<CURL, EasyCleanup>;
using MultiPtr = std::unique_ptr<CURLM, MultiCleanup>;
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;
using UrlPtr = std::unique_ptr<CURLU, UrlCleanup>;

/// A new easy handle (curl_global_init has run once before). Throws.
EasyPtr NewEasy();
/// A new multi handle. Throws.
MultiPtr NewMulti();
/// A new URL handle (curl_url). Throws.
UrlPtr NewUrl();
/// Appends `line` (an HTTP header) to `list`, which may be empty. Throws.
void Append(SlistPtr& list, const std::string& line);

namespace detail {
using SetOptFunction = decltype(curl_easy_setopt);
using GetInfoFunction = decltype(curl_easy_getinfo);
SetOptFunction* SetOpt();
GetInfoFunction* GetInfo();
}  // namespace detail

/// curl_easy_setopt. `value` is what libcurl documents for `option`: a long, a curl_off_t, or a
/// pointer (string, buffer, callback); anything else would be read wrongly through the varargs.
template <typename T>
CURLcode SetOpt(CURL* easy, CURLoption option, T value) {
  static_assert(std::is_same_v<T, long> || std::is_same_v<T, curl_off_t> || std::is_pointer_v<T> ||
                    std::is_null_pointer_v<T>,
                "libcurl options take a long, a curl_off_t or a pointer");
  return detail::SetOpt()(easy, option, value);
}

/// curl_easy_getinfo into `*out` (long, curl_off_t, char*, curl_certinfo*, ... as documented).
template <typename T>
CURLcode GetInfo(CURL* easy, CURLINFO info, T* out) {
  return detail::GetInfo()(easy, info, out);
}

/// curl_easy_perform: the whole transfer, blocking.
CURLcode Perform(CURL* easy);
/// libcurl's text for `code`.
const char* StrError(CURLcode code);
/// The TLS version the transfer negotiated (`TLSv1.3`), from OpenSSL's libssl (loaded on first
/// use); nullopt without a TLS session or with another TLS backend.
std::optional<std::string> TlsVersion(CURL* easy);

/// curl_multi_add_handle / curl_multi_remove_handle.
CURLMcode MultiAdd(CURLM* multi, CURL* easy);
CURLMcode MultiRemove(CURLM* multi, CURL* easy);
/// curl_multi_perform: advances every transfer without blocking; `*running` are still going.
CURLMcode MultiPerform(CURLM* multi, int* running);
/// curl_multi_poll: waits up to `timeout_ms` for activity on the transfers or a MultiWakeup.
CURLMcode MultiPoll(CURLM* multi, int timeout_ms);
/// curl_multi_wakeup: ends a MultiPoll in another thread at once.
CURLMcode MultiWakeup(CURLM* multi);
/// curl_multi_info_read: the next message (a finished transfer), nullptr when none is left.
CURLMsg* MultiInfoRead(CURLM* multi);
/// curl_multi_timeout: milliseconds until libcurl wants MultiPerform again; -1: no timer set.
long MultiTimeout(CURLM* multi);

/// curl_url_set / curl_url_get of one part; UrlGet gives nullopt when the URL lacks it.
CURLUcode UrlSet(CURLU* url, CURLUPart part, const std::string& value, unsigned flags = 0);
std::optional<std::string> UrlGet(CURLU* url, CURLUPart part, unsigned flags = 0);

}  // namespace egov::curl
