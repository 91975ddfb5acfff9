#include "agents/probes.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/agents/support.h"
#include "tests/support/serving.h"

namespace egov::agent {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// A local HTTP(S) server with endpoints that succeed, fail and hang.
class Endpoints {
 public:
  explicit Endpoints(std::unique_ptr<httplib::Server> server)
      : server_(WithRoutes(std::move(server))), serving_(*server_) {}
  std::string Url(const std::string& path, bool tls = false) const {
    return serving_.Url(path, tls ? "https" : "http");
  }

 private:
  static std::unique_ptr<httplib::Server> WithRoutes(std::unique_ptr<httplib::Server> server) {
    server->Get("/ok", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
    server->Get("/fail", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    server->Get("/created",
                [](const httplib::Request&, httplib::Response& res) { res.status = 201; });
    server->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(1500ms);
      res.set_content("late", "text/plain");
    });
    return server;
  }

  std::unique_ptr<httplib::Server> server_;
  egov::testing::Serving serving_;
};

// Collects what the prober publishes and waits for a condition on it.
class Published {
 public:
  Prober::Publish Callback() {
    return [this](std::shared_ptr<const std::vector<ProbeState>> states) {
      std::lock_guard lock(mutex_);
      latest_ = std::move(states);
      changed_.notify_all();
    };
  }
  // Waits until `pred` holds for the latest states; returns them (empty on timeout).
  std::vector<ProbeState> WaitFor(const std::function<bool(const std::vector<ProbeState>&)>& pred,
                                  std::chrono::milliseconds limit = 5s) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return latest_ && pred(*latest_); });
    return latest_ && pred(*latest_) ? *latest_ : std::vector<ProbeState>{};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::shared_ptr<const std::vector<ProbeState>> latest_;
};

const ProbeState* Find(const std::vector<ProbeState>& states, const std::string& workload) {
  for (const auto& s : states) {
    if (s.workload == workload) return &s;
  }
  return nullptr;
}

bool AllProbed(const std::vector<ProbeState>& states, size_t n) {
  if (states.size() != n) return false;
  for (const auto& s : states) {
    if (!s.probed) return false;
  }
  return true;
}

TEST(Prober, SuccessFailureStatusTimeoutAndRefused) {
  Endpoints http(std::make_unique<httplib::Server>());
  Published published;
  Prober prober(published.Callback());
  const auto hour = std::chrono::milliseconds(3600000);
  prober.Configure({{"ok", "d1", http.Url("/ok"), hour, 2000ms},
                    {"fail", "", http.Url("/fail"), hour, 2000ms},
                    {"created", "", http.Url("/created"), hour, 2000ms, 201},
                    {"wrong-status", "", http.Url("/ok"), hour, 2000ms, 204},
                    {"slow", "", http.Url("/slow"), hour, 300ms},
                    {"refused", "", "http://127.0.0.1:1/", hour, 2000ms}},
                   4, "");
  const auto states = published.WaitFor([](const auto& s) { return AllProbed(s, 6); });
  ASSERT_EQ(states.size(), 6u);
  const auto* ok = Find(states, "ok");
  EXPECT_TRUE(ok->success);
  EXPECT_EQ(ok->http_status, 200);
  EXPECT_EQ(ok->domain, "d1");
  EXPECT_EQ(ok->attempts, 1u);
  EXPECT_EQ(ok->failures, 0u);
  EXPECT_TRUE(ok->last_success.has_value());
  EXPECT_GT(ok->duration_seconds, 0);
  EXPECT_FALSE(ok->cert_expiry.has_value());
  const auto* fail = Find(states, "fail");
  EXPECT_FALSE(fail->success);
  EXPECT_EQ(fail->http_status, 503);
  EXPECT_EQ(fail->failures, 1u);
  EXPECT_TRUE(Find(states, "created")->success);
  EXPECT_FALSE(Find(states, "wrong-status")->success);
  const auto* slow = Find(states, "slow");
  EXPECT_FALSE(slow->success);
  EXPECT_EQ(slow->http_status, 0);
  EXPECT_LT(slow->duration_seconds, 1.0);
  EXPECT_FALSE(Find(states, "refused")->success);
}

TEST(Prober, ProbesAgainOnItsIntervalAndKeepsCountersAcrossReconfiguration) {
  Endpoints http(std::make_unique<httplib::Server>());
  Published published;
  Prober prober(published.Callback());
  const ProbeTarget fast{"fast", "", http.Url("/ok"), 100ms, 100ms};
  prober.Configure({fast}, 8, "");
  auto states =
      published.WaitFor([](const auto& s) { return s.size() == 1 && s[0].attempts >= 3; });
  ASSERT_EQ(states.size(), 1u);
  const uint64_t before = states[0].attempts;
  // Same target plus a new one: the counter goes on.
  prober.Configure({fast, {"fail", "", http.Url("/fail"), 100ms, 100ms}}, 8, "");
  states = published.WaitFor([&](const auto& s) {
    const auto* f = Find(s, "fast");
    return s.size() == 2 && f && f->attempts > before && Find(s, "fail")->failures >= 2;
  });
  ASSERT_EQ(states.size(), 2u);
  // A removed target vanishes.
  prober.Configure({{"fail", "", http.Url("/fail"), 100ms, 100ms}}, 8, "");
  states = published.WaitFor([](const auto& s) { return s.size() == 1; });
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].workload, "fail");
}

TEST(Prober, HttpsReportsCertificateExpiryAndRefusesUntrusted) {
  TempDir dir;
  const auto cert = testing::MakeCertificate(dir.path(), "tls", "127.0.0.1", 42);
  Endpoints https(std::make_unique<httplib::SSLServer>(cert.cert.c_str(), cert.key.c_str()));
  const auto hour = std::chrono::milliseconds(3600000);
  {
    Published published;
    Prober prober(published.Callback());
    prober.Configure({{"tls", "", https.Url("/ok", true), hour, 2000ms}}, 4, cert.cert.string());
    const auto states = published.WaitFor([](const auto& s) { return AllProbed(s, 1); });
    ASSERT_EQ(states.size(), 1u);
    EXPECT_TRUE(states[0].success);
    ASSERT_TRUE(states[0].cert_expiry.has_value());
    const double expected = static_cast<double>(::time(nullptr)) + 42 * 86400.0;
    EXPECT_NEAR(*states[0].cert_expiry, expected, 120);
  }
  {
    Published published;
    Prober prober(published.Callback());
    prober.Configure({{"tls", "", https.Url("/ok", true), hour, 2000ms}}, 4, "");
    const auto states = published.WaitFor([](const auto& s) { return AllProbed(s, 1); });
    ASSERT_EQ(states.size(), 1u);
    EXPECT_FALSE(states[0].success) << "self-signed certificate not trusted by default";
  }
}

TEST(Prober, ConcurrencyLimitStillProbesEveryone) {
  Endpoints http(std::make_unique<httplib::Server>());
  Published published;
  Prober prober(published.Callback());
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 40; ++i) {
    targets.push_back({"w" + std::to_string(i), "", http.Url("/ok"), 3600000ms, 2000ms});
  }
  prober.Configure(targets, 3, "");
  const auto states = published.WaitFor([](const auto& s) { return AllProbed(s, 40); });
  ASSERT_EQ(states.size(), 40u);
  for (const auto& s : states) EXPECT_TRUE(s.success) << s.workload;
}

TEST(Prober, ParsesCertificateDates) {
  EXPECT_EQ(ParseCertDate("Jan  2 03:04:05 2030 GMT"), 1893553445.0);
  EXPECT_EQ(ParseCertDate(" Dec 31 23:59:59 2049 GMT"), 2524607999.0);
  EXPECT_FALSE(ParseCertDate("2030-01-02"));
  EXPECT_FALSE(ParseCertDate("Jan  2 03:04:05 2030"));
  EXPECT_FALSE(ParseCertDate(""));
}

}  // namespace
}  // namespace egov::agent
