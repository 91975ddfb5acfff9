#include "orchestrator/etcd.h"

#include <algorithm>
#include <thread>

#include "common/base64.h"

namespace egov::orchestrator::etcd {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// An answer bigger than this is refused (ranges are read in pages far below it).
constexpr size_t kMaxAnswerBytes = 32u << 20;

struct Sink {
  std::string* body;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > kMaxAnswerBytes) {
    sink->too_large = true;
    return 0;
  }
  sink->body->append(data, n);
  return n;
}

std::string Decode(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return {};
  auto bytes = Base64Decode(it->get<std::string>());
  if (!bytes) throw Error(std::string("etcd: the answer's ") + name + " is not Base64");
  return *bytes;
}

// gRPC status codes that mean "ask again, maybe elsewhere": Unavailable (no leader, leader
// changed, request timed out), DeadlineExceeded, Unknown (etcd 3.4 says "etcdserver: request
// timed out" with it through the gateway).
bool Retryable(const json& error) {
  const int code = error.value("code", 0);
  return code == 14 || code == 4 || code == 2;
}

// Why a TLS connection to etcd failed for good, with what to give egovctl; "" when it is not
// such a failure (it may then be a member going away, and is tried again). A TLS alert is the
// server refusing the handshake (no client certificate, or one it does not trust).
std::string TlsFailure(CURLcode code, const std::string& error, const ClientOptions& o) {
  const std::string ca = o.cacert.empty() ? "give its CA with --state-cacert"
                                          : "is --state-cacert " + o.cacert + " its CA?";
  const std::string cert = o.cert.empty()
                               ? "etcd asks for a client certificate: give --state-cert and "
                                 "--state-key"
                               : "is --state-cert " + o.cert + " signed by a CA etcd trusts?";
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
      return "TLS: etcd's certificate is not trusted (" + error + "; " + ca + ")";
    case CURLE_SSL_CACERT_BADFILE:
      return "TLS: cannot use --state-cacert (" + error + ")";
    case CURLE_SSL_CERTPROBLEM:
      return "TLS: cannot use the client certificate --state-cert/--state-key (" + error + ")";
    case CURLE_SSL_CLIENTCERT:
      return "TLS: etcd refused the connection (" + error + "; " + cert + ")";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      if (error.find(" alert ") == std::string::npos) return "";
      return "TLS: etcd refused the connection (" + error + "; " + cert + ")";
    default:
      return "";
  }
}

long Ms(Clock::duration d) {
  return static_cast<long>(
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(d).count()));
}

}  // namespace

int64_t Int(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return 0;
  if (it->is_string()) return std::stoll(it->get<std::string>());
  if (it->is_number_integer()) return it->get<int64_t>();
  return 0;
}

KeyValue ParseKeyValue(const json& kv) {
  return {Decode(kv, "key"), Decode(kv, "value"), Int(kv, "create_revision"),
          Int(kv, "mod_revision"), Int(kv, "lease")};
}

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      scheme_(options_.cacert.empty() && options_.cert.empty() ? "http://" : "https://") {
  if (options_.endpoints.empty()) throw Error("etcd: no endpoint");
}

std::string Client::Describe() const {
  std::string out = "etcd://";
  for (size_t i = 0; i < options_.endpoints.size(); ++i) {
    out += (i ? "," : "") + options_.endpoints[i];
  }
  return out;
}

curl::EasyPtr Client::TakeHandle() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      curl::EasyPtr h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  return curl::NewEasy();
}

void Client::ReturnHandle(curl::EasyPtr h) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 16) idle_.push_back(std::move(h));
}

void Client::SetCommon(CURL* h, curl_slist* headers) const {
  curl::SetOpt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // HTTP/1.1 over TLS too: one request at a time per handle, and a server that refuses the
  // client's certificate is seen as the TLS alert it sends, not as a broken HTTP/2 stream.
  curl::SetOpt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl::SetOpt(h, CURLOPT_NOSIGNAL, 1L);
  curl::SetOpt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl::SetOpt(h, CURLOPT_POST, 1L);
  curl::SetOpt(h, CURLOPT_HTTPHEADER, headers);
  curl::SetOpt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  if (!options_.cacert.empty()) curl::SetOpt(h, CURLOPT_CAINFO, options_.cacert.c_str());
  if (!options_.cert.empty()) curl::SetOpt(h, CURLOPT_SSLCERT, options_.cert.c_str());
  if (!options_.key.empty()) curl::SetOpt(h, CURLOPT_SSLKEY, options_.key.c_str());
}

Client::Answer Client::Post(size_t endpoint, const std::string& method, const std::string& body,
                            std::chrono::milliseconds timeout) {
  curl::EasyPtr easy = TakeHandle();
  CURL* h = easy.get();
  curl::SlistPtr headers;
  curl::Append(headers, "Content-Type: application/json");
  if (method != "auth/authenticate" && !options_.user.empty()) {
    curl::Append(headers, "Authorization: " + Token(false));
  }
  const std::string url = scheme_ + options_.endpoints[endpoint] + "/v3/" + method;
  Answer a;
  Sink sink{&a.body};
  char error[CURL_ERROR_SIZE] = {};
  SetCommon(h, headers.get());
  curl::SetOpt(h, CURLOPT_URL, url.c_str());
  curl::SetOpt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl::SetOpt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl::SetOpt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl::SetOpt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl::SetOpt(h, CURLOPT_WRITEDATA, &sink);
  curl::SetOpt(h, CURLOPT_ERRORBUFFER, error);
  a.code = curl::Perform(h);
  curl::GetInfo(h, CURLINFO_RESPONSE_CODE, &a.status);
  if (sink.too_large) {
    a.error = "the answer exceeds " + std::to_string(kMaxAnswerBytes >> 20) + " MiB";
  } else if (a.code != CURLE_OK) {
    a.error = *error ? error : curl::StrError(a.code);
  }
  curl::SetOpt(h, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
  curl::SetOpt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  if (a.code == CURLE_OK) ReturnHandle(std::move(easy));
  return a;
}

std::string Client::Token(bool renew) {
  {
    std::lock_guard lock(mu_);
    if (!renew && !token_.empty()) return token_;
  }
  const json answer =
      Call("auth/authenticate", {{"name", options_.user}, {"password", options_.password}});
  std::lock_guard lock(mu_);
  token_ = answer.value("token", "");
  return token_;
}

json Client::Call(const std::string& method, const json& body) {
  const std::string text = body.dump();
  const auto deadline = Clock::now() + options_.retry_window;
  std::string failures;
  bool renewed = false;
  auto pause = std::chrono::milliseconds(50);
  for (;;) {
    size_t first;
    {
      std::lock_guard lock(mu_);
      first = preferred_;
    }
    std::string refused;    // an endpoint's TLS handshake failed for good
    bool answered = false;  // an endpoint answered in HTTP
    for (size_t k = 0; k < options_.endpoints.size(); ++k) {
      const size_t e = (first + k) % options_.endpoints.size();
      const auto left = deadline - Clock::now();
      const auto timeout = std::min<std::chrono::milliseconds>(
          options_.request_timeout,
          std::chrono::milliseconds(Ms(std::max<Clock::duration>(left, std::chrono::seconds(1)))));
      const Answer a = Post(e, method, text, timeout);
      const std::string where = options_.endpoints[e] + ": ";
      if (a.code != CURLE_OK) {
        const std::string tls = TlsFailure(a.code, a.error, options_);
        if (!tls.empty()) refused = where + tls;
        failures = where + (tls.empty() ? a.error : tls);
        if (a.code == CURLE_GOT_NOTHING && scheme_ == "http://") {
          failures += " (if etcd serves TLS: give --state-cacert)";  // what a TLS port does
        }
        continue;
      }
      answered = true;
      json j = json::parse(a.body, nullptr, false);
      if (j.is_discarded()) {
        throw Error("etcd " + where + "/v3/" + method + " answered HTTP " +
                    std::to_string(a.status) + " with something that is not JSON");
      }
      if (a.status == 200 && !j.contains("error")) {
        std::lock_guard lock(mu_);
        preferred_ = e;
        return j;
      }
      const std::string message = j.value("message", j.value("error", "HTTP error"));
      if (j.value("code", 0) == 16 && !options_.user.empty() && !renewed &&
          method != "auth/authenticate") {
        renewed = true;  // the token expired (etcd --auth-token-ttl): a new one, once
        Token(true);
        --k;
        continue;
      }
      if (!Retryable(j)) throw Error("etcd " + where + message);
      failures = where + message;
    }
    // A refused handshake and no answer: asking again will not change that. (The others may
    // have broken the connection without saying why, when the TLS alert raced the close.)
    if (!refused.empty() && !answered) throw Error("etcd " + refused);
    if (Clock::now() + pause >= deadline) {
      throw Error("etcd: no endpoint of " + Describe() + " answered within " +
                  std::to_string(options_.retry_window.count() / 1000.0).substr(0, 4) +
                  " s (last: " + failures + ")");
    }
    std::this_thread::sleep_for(pause);  // a new leader is being elected, or all are down
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

json Client::Put(const std::string& key, const std::string& value, int64_t lease) {
  json put = {{"key", Base64Encode(key)}, {"value", Base64Encode(value)}};
  if (lease) put["lease"] = std::to_string(lease);
  return {{"request_put", put}};
}

json Client::Delete(const std::string& key, const std::string& range_end) {
  json del = {{"key", Base64Encode(key)}};
  if (!range_end.empty()) del["range_end"] = Base64Encode(range_end);
  return {{"request_delete_range", del}};
}

json Client::Get(const std::string& key) {
  return {{"request_range", {{"key", Base64Encode(key)}}}};
}

json Client::CreateRevisionIs(const std::string& key, int64_t revision) {
  return {{"key", Base64Encode(key)},
          {"target", "CREATE"},
          {"result", "EQUAL"},
          {"create_revision", std::to_string(revision)}};
}

std::string Client::PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      ++end.back();
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

Client::TxnResult Client::Txn(const json& compare, const json& success, const json& failure) {
  const json j = Call("kv/txn", {{"compare", compare}, {"success", success}, {"failure", failure}});
  TxnResult r;
  r.succeeded = j.value("succeeded", false);
  r.revision = Int(j.value("header", json::object()), "revision");
  r.responses = j.value("responses", json::array());
  return r;
}

std::vector<KeyValue> Client::Range(const std::string& key, const std::string& range_end,
                                    int64_t limit, int64_t* revision) {
  json body = {{"key", Base64Encode(key)}};
  if (!range_end.empty()) body["range_end"] = Base64Encode(range_end);
  if (limit > 0) body["limit"] = std::to_string(limit);
  const json j = Call("kv/range", body);
  if (revision) *revision = Int(j.value("header", json::object()), "revision");
  std::vector<KeyValue> out;
  for (const auto& kv : j.value("kvs", json::array())) out.push_back(ParseKeyValue(kv));
  return out;
}

std::vector<KeyValue> Client::RangePrefix(const std::string& prefix, int64_t page) {
  const std::string end = PrefixEnd(prefix);
  std::vector<KeyValue> out;
  std::string from = prefix;
  for (;;) {
    std::vector<KeyValue> part = Range(from, end, page);
    const bool more = static_cast<int64_t>(part.size()) == page;
    if (more) from = part.back().key + std::string(1, '\0');
    std::move(part.begin(), part.end(), std::back_inserter(out));
    if (!more) return out;
  }
}

int64_t Client::Grant(std::chrono::seconds wanted, int64_t* ttl) {
  const json j = Call("lease/grant", {{"TTL", std::to_string(wanted.count())}});
  if (ttl) *ttl = Int(j, "TTL");
  const int64_t id = Int(j, "ID");
  if (!id) throw Error("etcd: no lease granted: " + j.value("error", j.dump()));
  return id;
}

int64_t Client::KeepAlive(int64_t lease) {
  const json j = Call("lease/keepalive", {{"ID", std::to_string(lease)}});
  return Int(j.value("result", json::object()), "TTL");
}

void Client::Revoke(int64_t lease) { Call("lease/revoke", {{"ID", std::to_string(lease)}}); }

namespace {

// The watch stream: one JSON message a line; stops the transfer at the first deletion.
struct WatchSink {
  std::string buffer;
  WatchEnd end = WatchEnd::kInterrupted;
  bool done = false;
};

size_t OnWatch(char* data, size_t size, size_t count, void* user) {
  auto* w = static_cast<WatchSink*>(user);
  w->buffer.append(data, size * count);
  if (w->buffer.size() > kMaxAnswerBytes) return 0;
  for (size_t nl; (nl = w->buffer.find('\n')) != std::string::npos;) {
    const json j = json::parse(w->buffer.substr(0, nl), nullptr, false);
    w->buffer.erase(0, nl + 1);
    if (j.is_discarded() || j.contains("error")) return 0;
    const json r = j.value("result", json::object());
    if (r.value("canceled", false)) return 0;  // compacted meanwhile: look again
    for (const auto& ev : r.value("events", json::array())) {
      if (ev.value("type", "") == "DELETE") {
        w->end = WatchEnd::kDeleted;
        w->done = true;
        return 0;
      }
    }
  }
  return size * count;
}

}  // namespace

WatchEnd Client::WaitForDelete(const std::string& key, int64_t revision,
                               Clock::time_point deadline) {
  size_t e;
  {
    std::lock_guard lock(mu_);
    e = preferred_;
  }
  const std::string body =
      json{{"create_request",
            {{"key", Base64Encode(key)}, {"start_revision", std::to_string(revision + 1)}}}}
          .dump();
  curl::EasyPtr easy = curl::NewEasy();
  CURL* h = easy.get();
  curl::SlistPtr headers;
  curl::Append(headers, "Content-Type: application/json");
  if (!options_.user.empty()) curl::Append(headers, "Authorization: " + Token(false));
  const std::string url = scheme_ + options_.endpoints[e] + "/v3/watch";
  WatchSink sink;
  SetCommon(h, headers.get());
  curl::SetOpt(h, CURLOPT_URL, url.c_str());
  curl::SetOpt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl::SetOpt(h, CURLOPT_TIMEOUT_MS, Ms(deadline - Clock::now()));
  curl::SetOpt(h, CURLOPT_WRITEFUNCTION, OnWatch);
  curl::SetOpt(h, CURLOPT_WRITEDATA, &sink);
  const CURLcode code = curl::Perform(h);
  if (sink.done) return sink.end;
  if (code == CURLE_OPERATION_TIMEDOUT || Clock::now() >= deadline) return WatchEnd::kTimedOut;
  // The endpoint went away or ended the stream: the next call starts from another one.
  std::lock_guard lock(mu_);
  if (preferred_ == e) preferred_ = (e + 1) % options_.endpoints.size();
  return WatchEnd::kInterrupted;
}

}  // namespace egov::orchestrator::etcd
