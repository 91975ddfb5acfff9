#include "agents/probes.h"

#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "agents/log.h"
#include "common/clock.h"
#include "common/curl.h"
#include "common/version.h"

namespace egov::agent {
namespace {

using Clock = std::chrono::steady_clock;
using Key = std::pair<std::string, std::string>;  // workload, domain

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

struct Entry {
  ProbeTarget target;
  ProbeState state;
  Clock::time_point due;
  curl::EasyPtr easy;  // set while the probe is in flight
  Clock::time_point started;
};

std::optional<double> LeafCertExpiry(CURL* easy) {
  curl_certinfo* info = nullptr;
  if (curl::GetInfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
      info->num_of_certs < 1) {
    return std::nullopt;
  }
  constexpr std::string_view kField = "Expire date:";
  for (curl_slist* f = info->certinfo[0]; f != nullptr; f = f->next) {
    std::string_view line = f->data;
    if (line.starts_with(kField)) return ParseCertDate(line.substr(kField.size()));
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> ParseCertDate(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%b %d %H:%M:%S %Y GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

struct Prober::Impl {
  Publish publish;
  curl::MultiPtr multi = curl::NewMulti();
  std::mutex mutex;  // guards the pending configuration and stop
  bool stop = false;
  std::optional<std::vector<ProbeTarget>> pending;
  int concurrency = 64;
  std::string ca_file;
  std::thread thread;

  // Owned by the thread.
  std::map<Key, std::unique_ptr<Entry>> entries;  // stable addresses: CURLOPT_PRIVATE
  size_t in_flight = 0;
  bool dirty = false;
  Clock::time_point last_publish{};
  Clock::time_point last_trim{};

  void ApplyPending(std::vector<ProbeTarget> targets) {
    std::map<Key, std::unique_ptr<Entry>> next;
    const auto now = Clock::now();
    for (auto& t : targets) {
      Key key{t.workload, t.domain};
      if (next.contains(key)) continue;
      auto old = entries.find(key);
      if (old != entries.end() && old->second->target.url == t.url) {
        old->second->target = std::move(t);
        next.emplace(std::move(key), std::move(old->second));
        entries.erase(old);
        continue;
      }
      auto e = std::make_unique<Entry>();
      e->state.workload = t.workload;
      e->state.domain = t.domain;
      e->target = std::move(t);
      e->due = now;
      next.emplace(std::move(key), std::move(e));
    }
    for (auto& [key, e] : entries) {  // removed targets
      if (e->easy) {
        curl::MultiRemove(multi.get(), e->easy.get());
        --in_flight;
      }
    }
    entries = std::move(next);
    dirty = true;
  }

  void Begin(Entry& e, const std::string& ca) {
    curl::EasyPtr easy;
    try {
      easy = curl::NewEasy();
    } catch (const std::runtime_error&) {  // out of memory: tried again on the next pass
      return;
    }
    CURL* h = easy.get();
    const long timeout = static_cast<long>(e.target.timeout.count());
    curl::SetOpt(h, CURLOPT_URL, e.target.url.c_str());
    curl::SetOpt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl::SetOpt(h, CURLOPT_NOSIGNAL, 1L);
    curl::SetOpt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl::SetOpt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl::SetOpt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl::SetOpt(h, CURLOPT_FORBID_REUSE, 1L);
    curl::SetOpt(h, CURLOPT_WRITEFUNCTION, &Discard);
    curl::SetOpt(h, CURLOPT_USERAGENT, (std::string("egov-agent/") + kVersion).c_str());
    curl::SetOpt(h, CURLOPT_PRIVATE, &e);
    if (e.target.url.starts_with("https://")) curl::SetOpt(h, CURLOPT_CERTINFO, 1L);
    if (!ca.empty()) curl::SetOpt(h, CURLOPT_CAINFO, ca.c_str());
    if (curl::MultiAdd(multi.get(), h) != CURLM_OK) return;
    e.started = Clock::now();
    e.easy = std::move(easy);
    ++in_flight;
  }

  void Complete(CURL* h, CURLcode result) {
    Entry* e = nullptr;
    curl::GetInfo(h, CURLINFO_PRIVATE, &e);
    if (e == nullptr) return;
    long status = 0;
    curl_off_t total_us = 0;
    curl::GetInfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl::GetInfo(h, CURLINFO_TOTAL_TIME_T, &total_us);
    ProbeState& s = e->state;
    const bool status_ok = e->target.expect_status == 0 ? (status >= 200 && status < 300)
                                                        : status == e->target.expect_status;
    s.probed = true;
    s.success = result == CURLE_OK && status_ok;
    s.http_status = static_cast<int>(status);
    s.duration_seconds = static_cast<double>(total_us) / 1e6;
    ++s.attempts;
    if (s.success) {
      s.last_success = UnixNow();
    } else {
      ++s.failures;
      Log::Debug("probe failed",
                 {{"workload", s.workload},
                  {"domain", s.domain},
                  {"url", e->target.url},
                  {"status", std::to_string(status)},
                  {"err", result == CURLE_OK ? "unexpected status" : curl::StrError(result)}});
    }
    if (result == CURLE_OK) {
      if (auto expiry = LeafCertExpiry(h)) s.cert_expiry = expiry;
    }
    e->due = e->started + e->target.interval;
    curl::MultiRemove(multi.get(), h);
    e->easy.reset();
    --in_flight;
    dirty = true;
  }

  void PublishIfDue() {
    const auto now = Clock::now();
    if (!dirty || (in_flight > 0 && now - last_publish < std::chrono::milliseconds(100))) return;
    auto states = std::make_shared<std::vector<ProbeState>>();
    states->reserve(entries.size());
    for (const auto& [key, e] : entries) states->push_back(e->state);
    publish(std::move(states));
    dirty = false;
    last_publish = now;
    // A round is over: give the memory its requests and any burst of scrapes freed back to the
    // kernel (glibc keeps freed pages in the middle of its heaps otherwise). Every 10 s at most.
    if (in_flight == 0 && now - last_trim >= std::chrono::seconds(10)) {
      malloc_trim(0);
      last_trim = now;
    }
  }

  void Run() {
    std::string ca;
    size_t limit = 64;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stop) break;
        if (pending) {
          ApplyPending(std::move(*pending));
          pending.reset();
        }
        ca = ca_file;
        limit = static_cast<size_t>(std::max(1, concurrency));
      }
      const auto now = Clock::now();
      auto next_due = now + std::chrono::hours(1);
      // Start what is due, oldest first, within the concurrency limit.
      std::vector<Entry*> due;
      for (auto& [key, e] : entries) {
        if (e->easy) continue;
        if (e->due <= now) {
          due.push_back(e.get());
        } else {
          next_due = std::min(next_due, e->due);
        }
      }
      std::sort(due.begin(), due.end(),
                [](const Entry* a, const Entry* b) { return a->due < b->due; });
      for (Entry* e : due) {
        if (in_flight >= limit) {
          next_due = now;
          break;
        }
        Begin(*e, ca);
      }
      int running = 0;
      curl::MultiPerform(multi.get(), &running);
      while (CURLMsg* msg = curl::MultiInfoRead(multi.get())) {
        if (msg->msg == CURLMSG_DONE) Complete(msg->easy_handle, msg->data.result);
      }
      PublishIfDue();
      const long curl_wait = curl::MultiTimeout(multi.get());
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_due - Clock::now());
      if (in_flight > 0 && dirty) wait = std::min(wait, std::chrono::milliseconds(100));
      if (curl_wait >= 0) wait = std::min(wait, std::chrono::milliseconds(curl_wait));
      wait = std::clamp(wait, std::chrono::milliseconds(0), std::chrono::milliseconds(1000));
      if (in_flight < limit && next_due <= Clock::now()) continue;
      curl::MultiPoll(multi.get(), static_cast<int>(wait.count()));
    }
    for (auto& [key, e] : entries) {
      if (e->easy) curl::MultiRemove(multi.get(), e->easy.get());
    }
    entries.clear();
  }
};

Prober::Prober(Publish publish) : impl_(std::make_unique<Impl>()) {
  impl_->publish = std::move(publish);
  impl_->thread = std::thread([this] { impl_->Run(); });
}

Prober::~Prober() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  curl::MultiWakeup(impl_->multi.get());
  impl_->thread.join();
}

void Prober::Configure(std::vector<ProbeTarget> targets, int concurrency, std::string ca_file) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->pending = std::move(targets);
    impl_->concurrency = concurrency;
    impl_->ca_file = std::move(ca_file);
  }
  curl::MultiWakeup(impl_->multi.get());
}

}  // namespace egov::agent
