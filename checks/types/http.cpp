// http: an HTTP(S) endpoint answers with a status within a latency; optionally refuses TLS
// versions below a minimum (probed with a second handshake limited to the older versions).
#include "checks/types/types.h"
#include "common/curl.h"
#include "common/units.h"

namespace egov::checks::types {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct HttpCheck : Check {
  std::string url_;
  int64_t status_;
  std::chrono::milliseconds max_latency_, timeout_;
  std::string min_tls_, ca_file_;
  bool insecure_;

  void Validate(const Params& p) const {
    if (url_.rfind("http://", 0) != 0 && url_.rfind("https://", 0) != 0) {
      p.Fail("url", "expected an http:// or https:// URL");
    }
    if (!min_tls_.empty() && url_.rfind("https://", 0) != 0)
      p.Fail("min_tls", "needs an https:// URL");
  }

  Outcome Run(const HostContext& ctx) const override {
    std::string ca;
    if (!ca_file_.empty()) {
      const FileData data = ctx.Read(ca_file_, 1 << 20);
      if (!data.ok()) return Outcome::Error(data.message);
      ca = data.bytes;
    }
    const curl::EasyPtr curl = curl::NewEasy();
    char error[CURL_ERROR_SIZE] = {};
    Setup(curl.get(), ca, error);
    curl::SetOpt(curl.get(), CURLOPT_WRITEFUNCTION, &Discard);
    const CURLcode rc = curl::Perform(curl.get());
    const std::string expected_status = "HTTP " + std::to_string(status_);
    if (rc != CURLE_OK) {
      const std::string why = error[0] ? error : curl::StrError(rc);
      return Outcome::Fail(url_ + " did not answer: " + why, {{url_, 0, why, expected_status}});
    }
    long code = 0;
    curl_off_t micros = 0;
    curl::GetInfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    curl::GetInfo(curl.get(), CURLINFO_TOTAL_TIME_T, &micros);
    const std::string tls = curl::TlsVersion(curl.get()).value_or("");
    const auto ms = micros / 1000;
    std::string bad;
    if (code != status_)
      bad = "status " + std::to_string(code) + ", expected " + std::to_string(status_);
    if (max_latency_.count() && ms > max_latency_.count()) {
      Append(bad, "answered in " + std::to_string(ms) + " ms, more than " +
                      FormatDuration(max_latency_));
    }
    std::vector<Evidence> ev = {
        {url_, 0,
         "HTTP " + std::to_string(code) + " in " + std::to_string(ms) + " ms" +
             (tls.empty() ? "" : ", " + tls),
         expected_status + (max_latency_.count() ? " within " + FormatDuration(max_latency_) : ""),
         bad.empty()}};
    if (!min_tls_.empty()) {
      const std::string old = OldProtocolAccepted(ca);
      ev.push_back({url_, 0, old.empty() ? "TLS below " + min_tls_ + " refused" : old + " accepted",
                    "TLS " + min_tls_ + " or newer only", old.empty()});
      if (!old.empty()) Append(bad, "server accepts " + old);
    }
    return Verdict(bad, url_ + " answered " + std::to_string(code), ev);
  }

 private:
  void Setup(CURL* c, const std::string& ca, char* error) const {
    curl::SetOpt(c, CURLOPT_URL, url_.c_str());
    curl::SetOpt(c, CURLOPT_NOSIGNAL, 1L);
    curl::SetOpt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl::SetOpt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl::SetOpt(c, CURLOPT_ERRORBUFFER, error);
    curl::SetOpt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl::SetOpt(c, CURLOPT_USERAGENT, "egov-agent");
    if (!ca.empty()) {
      curl_blob blob{const_cast<char*>(ca.data()), ca.size(), CURL_BLOB_COPY};
      curl::SetOpt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (insecure_) {
      curl::SetOpt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl::SetOpt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }

  // Tries a handshake allowing only versions below the minimum; returns the accepted version.
  std::string OldProtocolAccepted(const std::string& ca) const {
    const curl::EasyPtr curl = curl::NewEasy();
    char error[CURL_ERROR_SIZE] = {};
    Setup(curl.get(), ca, error);
    const long max = min_tls_ == "1.3" ? CURL_SSLVERSION_MAX_TLSv1_2 : CURL_SSLVERSION_MAX_TLSv1_1;
    curl::SetOpt(curl.get(), CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_0 | max);
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level; lower it for the probe only.
    curl::SetOpt(curl.get(), CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
    curl::SetOpt(curl.get(), CURLOPT_CONNECT_ONLY, 1L);
    if (curl::Perform(curl.get()) != CURLE_OK) return "";
    return curl::TlsVersion(curl.get()).value_or("TLS below " + min_tls_);
  }
};

}  // namespace

CheckType Http() {
  return Define<HttpCheck>(
      "http",
      "An HTTP(S) endpoint answers with a status within a latency; TLS below a minimum refused",
      {Required("url", &HttpCheck::url_, "http:// or https:// URL"),
       Optional("status", &HttpCheck::status_, "expected HTTP status", "200"),
       Optional("max_latency", &HttpCheck::max_latency_, "slowest acceptable answer, e.g. 500ms"),
       Optional("timeout", &HttpCheck::timeout_, "give up after", "5s"),
       Optional("min_tls", &HttpCheck::min_tls_, ParamType::kChoice,
                "oldest TLS version the server may accept", "", {"1.2", "1.3"}),
       Optional("ca_file", &HttpCheck::ca_file_, ParamType::kPath,
                "CA bundle (PEM, inside the root) to verify with"),
       Optional("insecure", &HttpCheck::insecure_, "skip certificate verification", "false")});
}

}  // namespace egov::checks::types
