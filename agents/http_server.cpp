#include "agents/http_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "agents/log.h"
#include "agents/metrics.h"
#include "agents/process_stats.h"
#include "common/version.h"

namespace egov::agent {
namespace {

constexpr int kThreads = 8;

const std::string& LandingPage() {
  static const std::string kPage = std::string(R"(<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>egov-agent</title></head>
<body>
<h1>egov-agent</h1>
<p>Compliance and availability agent for e-government cloud hosts, version )") +
                                   kVersion + " (revision " + kRevision + R"().</p>
<ul>
<li><a href="metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="api/v1/results">/api/v1/results</a>: latest scan results with evidence (JSON)</li>
<li><a href="healthz">/healthz</a>: liveness</li>
</ul>
</body>
</html>
)";
  return kPage;
}

}  // namespace

struct HttpServer::Impl {
  std::unique_ptr<httplib::Server> server;
  std::shared_ptr<const SnapshotStore> store;
  std::atomic<std::shared_ptr<const BasicAuth>> auth;
  std::thread thread;
  std::atomic<bool> done{false};  // the listening thread has returned
  int port = 0;
  socket_t listening = INVALID_SOCKET;  // the last socket httplib offered: the one bound
  bool tls = false;

  // The text of the egov_* families of one snapshot. Snapshots are immutable, so the text is
  // rendered once per snapshot and shared by every scrape until the next one is published.
  std::mutex cache_mutex;
  std::shared_ptr<const Snapshot> cached_snapshot;
  std::shared_ptr<const std::string> cached_text;

  std::shared_ptr<const std::string> Rendered(const std::shared_ptr<const Snapshot>& snapshot) {
    {
      std::lock_guard lock(cache_mutex);
      if (cached_snapshot == snapshot) return cached_text;
    }
    auto text = std::make_shared<const std::string>(RenderText(BuildFamilies(*snapshot)));
    std::lock_guard lock(cache_mutex);
    cached_snapshot = snapshot;
    cached_text = text;
    return text;
  }

  void Routes() {
    server->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "GET" && req.method != "HEAD") {
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content("method not allowed\n", "text/plain; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
      }
      const auto a = auth.load();
      if (a->enabled() && !a->CheckHeader(req.get_header_value("Authorization"))) {
        res.status = 401;
        res.set_header("WWW-Authenticate", R"(Basic realm="egov-agent", charset="UTF-8")");
        res.set_content("unauthorized\n", "text/plain; charset=utf-8");
        Log::Debug("request refused", {{"path", req.path}, {"remote", req.remote_addr}});
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server->Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(LandingPage(), "text/html; charset=utf-8");
    });
    server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          *Rendered(store->Get()) + RenderText(BuildProcessFamilies(ReadProcessStats())),
          kMetricsContentType);
    });
    server->Get("/api/v1/results", [this](const httplib::Request&, httplib::Response& res) {
      const auto snapshot = store->Get();
      if (!snapshot->scan) {
        res.status = 503;
        res.set_header("Retry-After", "5");
        res.set_content(R"({"error":"no scan has completed yet"})"
                        "\n",
                        "application/json; charset=utf-8");
        return;
      }
      res.set_content(snapshot->scan->results_json, "application/json; charset=utf-8");
    });
    server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain; charset=utf-8");
    });
    server->set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) {
        res.set_content(res.status == 404 ? "not found\n" : std::to_string(res.status) + "\n",
                        "text/plain; charset=utf-8");
      }
    });
  }
};

HttpServer::HttpServer(const ListenAddress& listen, const WebConfig& web,
                       std::shared_ptr<const SnapshotStore> store)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = std::move(store);
  impl_->auth.store(std::make_shared<const BasicAuth>(web.users));
  if (web.tls) {
    std::string error;
    const TlsServerConfig tls = *web.tls;
    impl_->server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
      error = ConfigureTls(&ctx, tls);
      return error.empty();
    });
    if (!impl_->server->is_valid()) {
      throw std::runtime_error(error.empty() ? "cannot set up TLS" : error);
    }
    impl_->tls = true;
  } else {
    impl_->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl_->server;
  s.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  s.set_keep_alive_max_count(1000);
  s.set_read_timeout(5);
  s.set_write_timeout(5);
  s.set_payload_max_length(64 * 1024);
  // httplib's default adds SO_REUSEPORT, which would let a second agent (or anyone running as
  // the same user) bind the same port silently; address reuse after a restart is enough.
  s.set_socket_options([impl = impl_.get()](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listening = sock;
  });
  httplib::Headers headers = {{"X-Content-Type-Options", "nosniff"}};
  for (const auto& [name, value] : web.headers) {
    std::erase_if(headers, [&](const auto& h) { return h.first == name; });
    headers.emplace(name, value);
  }
  s.set_default_headers(headers);
  impl_->Routes();
  impl_->port = listen.port == 0 ? s.bind_to_any_port(listen.host)
                                 : (s.bind_to_port(listen.host, listen.port) ? listen.port : -1);
  if (impl_->port < 0) {
    throw std::runtime_error("cannot listen on " + listen.host + ":" + std::to_string(listen.port) +
                             " (address in use, not local, or not permitted)");
  }
  // Debian's libcpp-httplib is built with a listen backlog of 5: a burst of scrapers or probes
  // beyond that has its SYNs dropped and retried a second later. Listening again on the bound
  // socket raises the backlog.
  ::listen(impl_->listening, SOMAXCONN);
  impl_->thread = std::thread([this] {
    impl_->server->listen_after_bind();
    impl_->done = true;
  });
}

HttpServer::~HttpServer() {
  // httplib's stop() does nothing until the listening thread has marked itself running (and
  // must not be called twice), so wait for that first.
  while (!impl_->done) {
    if (impl_->server->is_running()) {
      impl_->server->stop();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->thread.join();
}

int HttpServer::port() const { return impl_->port; }

bool HttpServer::tls() const { return impl_->tls; }

void HttpServer::SetUsers(std::map<std::string, std::string> users) {
  impl_->auth.store(std::make_shared<const BasicAuth>(std::move(users)));
}

}  // namespace egov::agent
