// Beast's strings as std::string_view (Boost 1.74 defaults to boost::string_view).
#define BOOST_BEAST_USE_STD_STRING_VIEW
#include "agents/http_server.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "agents/log.h"
#include "agents/metrics.h"
#include "agents/process_stats.h"
#include "common/version.h"

namespace egov::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Limits that keep a slow or hostile client from holding more than a socket and a small buffer:
// the TLS handshake and the whole request header each get a deadline, a keep-alive connection
// waits at most kIdleTimeout for its next request, and past kMaxConnections the connection that
// has waited longest without being served is closed to make room.
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kHeaderTimeout = 10s;  // the whole header, from its first byte (or from accept)
constexpr auto kIdleTimeout = 90s;    // between keep-alive requests; Prometheus scrapes up to 1m
constexpr auto kWriteTimeout = 10s;
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxHeaderFields = 100;
constexpr size_t kMaxConnections = 256;
constexpr size_t kMaxDrain = 1 << 20;  // read and dropped before closing after an error

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

// True when an Accept-Encoding value lists gzip (without q=0).
bool AcceptsGzip(std::string_view accept) {
  while (!accept.empty()) {
    const size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept.remove_prefix(comma == std::string_view::npos ? accept.size() : comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!beast::iequals(name, "gzip")) continue;
    const std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi);
    return params.find("q=0") == std::string_view::npos ||
           params.find_first_of("123456789", params.find("q=0")) != std::string_view::npos;
  }
  return false;
}

// gzip of `text` with zlib's default level, as cpp-httplib (the previous server) sent it.
std::string Gzip(std::string_view text) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
  return out;
}

// What the server's registry knows of a connection, whatever its stream.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void Close() = 0;

  bool busy = false;    // a request is being answered: never closed to make room
  bool served = false;  // answered at least one request
  bool listed = false;  // in the server's registry (`where` is valid)
  std::list<Connection*>::iterator where;
};

// The server's state, shared by its connections.
struct Server {
  // Touched by the I/O thread only. Connections that never completed a request come first in
  // line to be closed when the server is full (idle sockets, slow headers), then those served
  // least recently, so a scraper that keeps its connection busy keeps it.
  std::list<Connection*> fresh;
  std::list<Connection*> served;

  std::optional<asio::ssl::context> ssl;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry{ioc};
  // bcrypt costs tens of milliseconds: checks of credentials not seen before run here, so
  // that the I/O thread keeps answering everyone else meanwhile.
  asio::thread_pool auth_pool{1};
  std::thread thread;

  std::shared_ptr<const SnapshotStore> store;
  std::atomic<std::shared_ptr<const BasicAuth>> auth;
  std::vector<std::pair<std::string, std::string>> headers;  // on every answer
  int port = 0;

  // The text of the egov_* families of one snapshot, rendered once per snapshot and shared by
  // every scrape until the next one is published (I/O thread only).
  std::shared_ptr<const Snapshot> cached_snapshot;
  std::string cached_text;

  const std::string& Rendered(const std::shared_ptr<const Snapshot>& snapshot) {
    if (cached_snapshot != snapshot) {
      cached_text = RenderText(BuildFamilies(*snapshot));
      cached_snapshot = snapshot;
    }
    return cached_text;
  }

  void Register(Connection* c) {
    if (fresh.size() + served.size() >= kMaxConnections) {
      for (auto* list : {&fresh, &served}) {
        const auto it = std::find_if(list->begin(), list->end(), [](auto* o) { return !o->busy; });
        if (it != list->end()) {
          (*it)->Close();
          break;
        }
      }
    }
    c->where = fresh.insert(fresh.end(), c);
    c->listed = true;
  }
  void Forget(Connection* c) {
    if (!c->listed) return;
    (c->served ? served : fresh).erase(c->where);
    c->listed = false;
  }
  void Served(Connection* c) {
    if (!c->listed) return;
    served.splice(served.end(), c->served ? served : fresh, c->where);
    c->served = true;
  }

  // The answer to a request that authenticated (or needs no authentication).
  http::response<http::string_body> Answer(const http::request<http::empty_body>& req,
                                           bool authorized) {
    http::response<http::string_body> res{http::status::ok, req.version()};
    std::string_view type = "text/plain; charset=utf-8";
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.body() = "method not allowed\n";
    } else if (!authorized) {
      res.result(http::status::unauthorized);
      res.set(http::field::www_authenticate, R"(Basic realm="egov-agent", charset="UTF-8")");
      res.body() = "unauthorized\n";
      Log::Debug("request refused", {{"path", std::string(req.target())}});
    } else if (req.target() == "/") {
      type = "text/html; charset=utf-8";
      res.body() = LandingPage();
    } else if (req.target() == "/metrics") {
      type = kMetricsContentType;
      res.body() = Rendered(store->Get()) + RenderText(BuildProcessFamilies(ReadProcessStats()));
    } else if (req.target() == "/api/v1/results") {
      type = "application/json; charset=utf-8";
      const auto snapshot = store->Get();
      if (snapshot->scan) {
        res.body() = snapshot->scan->results_json;
      } else {
        res.result(http::status::service_unavailable);
        res.set(http::field::retry_after, "5");
        res.body() = "{\"error\":\"no scan has completed yet\"}\n";
      }
    } else if (req.target() == "/healthz") {
      res.body() = "ok\n";
    } else {
      res.result(http::status::not_found);
      res.body() = "not found\n";
    }
    res.set(http::field::content_type, type);
    if (res.body().size() > 64 && AcceptsGzip(req[http::field::accept_encoding])) {
      res.body() = Gzip(res.body());
      res.set(http::field::content_encoding, "gzip");
    }
    return res;
  }

  void Accept();
  template <typename Stream>
  void Start(tcp::socket socket);
};

// One connection, plain (beast::tcp_stream) or TLS (beast::ssl_stream over it). Lives as long
// as an asynchronous operation holds it; runs on the server's I/O thread only.
template <typename Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... Args>
  Session(Server& server, Args&&... args) : server_(server), stream_(std::forward<Args>(args)...) {}
  ~Session() override { server_.Forget(this); }

  void Start() {
    server_.Register(this);
    if constexpr (kTls) {
      Lowest().expires_after(kHandshakeTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->WaitForRequest(kHeaderTimeout);
                              });
    } else {
      WaitForRequest(kHeaderTimeout);
    }
  }

  void Close() override {
    server_.Forget(this);
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().close();
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Waits up to `idle` for the first byte of the next request, then gives the whole header
  // kHeaderTimeout: a keep-alive connection may idle, a request may not trickle.
  void WaitForRequest(std::chrono::steady_clock::duration idle) {
    if (buffer_.size() > 0) return ReadRequest();  // pipelined
    Lowest().expires_after(idle);
    stream_.async_read_some(buffer_.prepare(1024),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(0);
    Lowest().expires_after(kHeaderTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset) {
      return Close();
    }
    busy = true;
    if (ec) {
      const bool too_big = ec == http::error::header_limit || ec == http::error::buffer_overflow;
      // A body (none is accepted) sent with another method than GET or HEAD gets 405 all the same.
      const http::verb method = parser_->get().method();
      if ((ec == http::error::body_limit || ec == http::error::unexpected_body) &&
          method != http::verb::get && method != http::verb::head) {
        response_ = server_.Answer(parser_->get(), true);
        response_.keep_alive(false);
        return Send(false);
      }
      return Fail(too_big ? http::status::request_header_fields_too_large
                          : http::status::bad_request);
    }
    const auto& req = parser_->get();
    if (static_cast<size_t>(std::distance(req.begin(), req.end())) > kMaxHeaderFields) {
      return Fail(http::status::request_header_fields_too_large);
    }
    const auto auth = server_.auth.load();
    const auto header = req[http::field::authorization];
    if (!auth->enabled() || auth->Remembered(header)) return Respond(true);
    asio::post(server_.auth_pool, [self = this->shared_from_this(), auth, h = std::string(header)] {
      const bool ok = auth->CheckHeader(h);
      asio::post(self->stream_.get_executor(), [self, ok] { self->Respond(ok); });
    });
  }

  void Respond(bool authorized) {
    const auto& req = parser_->get();
    try {
      response_ = server_.Answer(req, authorized);
    } catch (const std::exception& e) {
      Log::Error("cannot answer a request", {{"err", e.what()}});
      return Fail(http::status::internal_server_error);
    }
    response_.keep_alive(req.keep_alive());
    Send(req.method() == http::verb::head);
  }

  // Answers a request that cannot be read or served, then closes the connection.
  void Fail(http::status status) {
    response_ = http::response<http::string_body>(status, 11);
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    response_.body() = std::to_string(static_cast<int>(status)) + " " +
                       std::string(http::obsolete_reason(status)) + "\n";
    response_.keep_alive(false);
    Send(false);
  }

  void Send(bool head) {
    for (const auto& [name, value] : server_.headers) response_.set(name, value);
    response_.prepare_payload();
    if (head) response_.body().clear();  // Content-Length stays that of the GET answer
    Lowest().expires_after(kWriteTimeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->busy = false;
                        if (ec) return self->Close();
                        if (!self->response_.keep_alive()) return self->Linger();
                        self->server_.Served(self.get());
                        self->response_ = {};
                        self->WaitForRequest(kIdleTimeout);
                      });
  }

  // Ends a connection the server closes: a client may still be sending (an enormous header),
  // and closing with unread bytes resets the connection, which can destroy the answer before
  // the client reads it. So stop sending, then read and drop up to kMaxDrain for a second.
  void Linger() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    Lowest().expires_after(1s);
    Drain(0);
  }
  void Drain(size_t drained) {
    if (drained > kMaxDrain) return Close();
    Lowest().async_read_some(asio::buffer(discard_), [self = this->shared_from_this(), drained](
                                                         beast::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->Drain(drained + n);
    });
  }

  Server& server_;
  Stream stream_;
  beast::flat_buffer buffer_{kMaxHeaderBytes + 4096};
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 4096> discard_;
};

template <typename Stream>
void Server::Start(tcp::socket socket) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    std::make_shared<Session<Stream>>(*this, std::move(socket))->Start();
  } else {
    std::make_shared<Session<Stream>>(*this, std::move(socket), *ssl)->Start();
  }
}

void Server::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, most likely: close the longest-waiting connection and retry soon,
      // rather than spin on the error.
      Log::Warn("cannot accept a connection", {{"err", ec.message()}});
      if (!fresh.empty()) fresh.front()->Close();
      retry.expires_after(100ms);
      retry.async_wait([this](beast::error_code e) {
        if (!e) Accept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (ssl) {
      Start<beast::ssl_stream<beast::tcp_stream>>(std::move(socket));
    } else {
      Start<beast::tcp_stream>(std::move(socket));
    }
    Accept();
  });
}

}  // namespace

struct HttpServer::Impl : Server {};

HttpServer::HttpServer(const ListenAddress& listen, const WebConfig& web,
                       std::shared_ptr<const SnapshotStore> store)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = std::move(store);
  impl_->auth.store(std::make_shared<const BasicAuth>(web.users));
  impl_->headers = {{"X-Content-Type-Options", "nosniff"}};
  for (const auto& [name, value] : web.headers) {
    std::erase_if(impl_->headers, [&](const auto& h) { return h.first == name; });
    impl_->headers.emplace_back(name, value);
  }
  if (web.tls) {
    impl_->ssl.emplace(asio::ssl::context::tls_server);
    if (const std::string error = ConfigureTls(impl_->ssl->native_handle(), *web.tls);
        !error.empty()) {
      throw std::runtime_error(error);
    }
  }
  const std::string where = listen.host + ":" + std::to_string(listen.port);
  try {
    tcp::resolver resolver(impl_->ioc);
    const auto endpoint =
        resolver.resolve(listen.host, std::to_string(listen.port), tcp::resolver::passive)
            .begin()
            ->endpoint();
    impl_->acceptor.open(endpoint.protocol());
    // Address reuse after a restart, but not SO_REUSEPORT: a second agent (or anyone running as
    // the same user) must not bind the same port silently.
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + where +
                             " (address in use, not local, or not permitted): " + e.what());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

HttpServer::~HttpServer() {
  impl_->ioc.stop();
  impl_->thread.join();
  impl_->auth_pool.join();
  // The connections still open go with the io_context's pending operations.
}

int HttpServer::port() const { return impl_->port; }

bool HttpServer::tls() const { return impl_->ssl.has_value(); }

void HttpServer::SetUsers(std::map<std::string, std::string> users) {
  impl_->auth.store(std::make_shared<const BasicAuth>(std::move(users)));
}

}  // namespace egov::agent
