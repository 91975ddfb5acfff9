#include "orchestrator/health.h"

#include <algorithm>
#include <thread>

#include "common/curl.h"
#include "common/units.h"

namespace egov::orchestrator {
namespace {

using namespace std::chrono_literals;

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

std::string Describe(int status, const std::string& error, int expected) {
  if (status == 0) return error;
  return "status " + std::to_string(status) + ", expected " + std::to_string(expected);
}

}  // namespace

int ProbeStatus(const std::string& url, std::chrono::milliseconds timeout, std::string& error) {
  curl::EasyPtr easy = curl::NewEasy();
  CURL* e = easy.get();
  curl::SetOpt(e, CURLOPT_URL, url.c_str());
  curl::SetOpt(e, CURLOPT_NOSIGNAL, 1L);
  curl::SetOpt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl::SetOpt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl::SetOpt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl::SetOpt(e, CURLOPT_WRITEFUNCTION, &Discard);
  const CURLcode rc = curl::Perform(e);
  if (rc != CURLE_OK) {
    error = curl::StrError(rc);
    return 0;
  }
  long status = 0;
  curl::GetInfo(e, CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

std::string WaitForHealth(const Health& health, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const auto pause = std::min<std::chrono::milliseconds>(health.interval, 2s);
  for (;;) {
    std::string error;
    const int status = ProbeStatus(health.url, health.timeout, error);
    if (status == health.expect_status) return "";
    const std::string last = Describe(status, error, health.expect_status);
    if (std::chrono::steady_clock::now() + pause >= deadline) {
      return last + " (still after " + FormatDuration(wait) + ")";
    }
    std::this_thread::sleep_for(pause);  // the service's own pace: its declared interval
  }
}

}  // namespace egov::orchestrator
