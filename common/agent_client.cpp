#include "common/agent_client.h"

#include <fnmatch.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "common/curl.h"
#include "common/diagnostics.h"
#include "common/version.h"

namespace egov::agent_client {
namespace {

// One request in flight: its handle, the buffer it fills, and where its answer goes.
struct Transfer {
  curl::EasyPtr easy;
  FetchedResult* out = nullptr;
  size_t max_bytes = 0;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->out->body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  t->out->body.append(data, n);
  return n;
}

std::string Limit(size_t bytes) {
  return bytes % (1u << 20) == 0 ? std::to_string(bytes >> 20) + " MiB"
                                 : std::to_string(bytes) + " bytes";
}

std::unique_ptr<Transfer> StartTransfer(const AgentTarget& target, const CollectOptions& o,
                                        curl_slist* headers, FetchedResult& out) {
  auto t = std::make_unique<Transfer>();
  t->easy = curl::NewEasy();
  t->out = &out;
  t->max_bytes = o.max_bytes;
  CURL* h = t->easy.get();
  static const std::string kUserAgent = std::string("egovctl/") + kVersion;
  curl::SetOpt(h, CURLOPT_URL, out.source.c_str());
  curl::SetOpt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl::SetOpt(h, CURLOPT_NOSIGNAL, 1L);
  curl::SetOpt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl::SetOpt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl::SetOpt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  // gzip only: brotli at cpp-httplib's default quality costs an agent far more CPU than it saves.
  curl::SetOpt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl::SetOpt(h, CURLOPT_HTTPHEADER, headers);
  curl::SetOpt(h, CURLOPT_USERAGENT, kUserAgent.c_str());
  curl::SetOpt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl::SetOpt(h, CURLOPT_WRITEDATA, t.get());
  curl::SetOpt(h, CURLOPT_ERRORBUFFER, t->error);
  curl::SetOpt(h, CURLOPT_PRIVATE, t.get());
  if (!o.ca_file.empty()) curl::SetOpt(h, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.cert_file.empty()) curl::SetOpt(h, CURLOPT_SSLCERT, o.cert_file.c_str());
  if (!o.key_file.empty()) curl::SetOpt(h, CURLOPT_SSLKEY, o.key_file.c_str());
  if (!o.key_password.empty()) curl::SetOpt(h, CURLOPT_KEYPASSWD, o.key_password.c_str());
  if (const Credential* c = FindCredential(o.credentials, target.host)) {
    curl::SetOpt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl::SetOpt(h, CURLOPT_USERNAME, c->user.c_str());
    curl::SetOpt(h, CURLOPT_PASSWORD, c->password.c_str());
  }
  return t;
}

// libcurl's words for a failed transfer, prefixed with what kind of failure it was, so that an
// operator tells a dead agent from a TLS set-up that does not match from a slow agent. `tls`:
// the URL is https.
std::string TransportError(CURLcode code, const char* detail, bool tls) {
  const std::string text = detail[0] ? detail : curl::StrError(code);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return "agent unreachable: " + text;
    case CURLE_OPERATION_TIMEDOUT:
      return "no answer in time: " + text;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CLIENTCERT:
      return "TLS failure: " + text;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      // Under TLS 1.3 a server that requires a client certificate refuses it after the client
      // has finished the handshake: the client sees an alert or a closed connection at its
      // first read or write.
      if (tls) {
        return "TLS failure: the agent ended the connection after the handshake (does it "
               "require a client certificate?): " +
               text;
      }
      return text;
    default:
      return text;
  }
}

void Finish(Transfer& t, CURLcode code) {
  FetchedResult& out = *t.out;
  double seconds = 0;
  curl::GetInfo(t.easy.get(), CURLINFO_TOTAL_TIME, &seconds);
  out.seconds = seconds;
  long status = 0;
  curl::GetInfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &status);
  out.http_status = status;
  if (t.too_large) {
    out.error = "answer larger than " + Limit(t.max_bytes);
  } else if (code != CURLE_OK) {
    out.error = TransportError(code, t.error, out.source.starts_with("https://"));
  } else if (status == 401 || status == 403) {
    out.error = "the agent refused the credentials (HTTP " + std::to_string(status) + ")";
  } else if (status != 200) {
    out.error = "HTTP " + std::to_string(status);
  }
  if (!out.error.empty()) out.body.clear();
}

}  // namespace

std::vector<Credential> ParseCredentials(std::string_view text, const std::string& file) {
  std::vector<Credential> out;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || line[start] == '#') continue;
    const size_t space = line.find_first_of(" \t", start);
    const size_t value = space == std::string_view::npos ? std::string_view::npos
                                                         : line.find_first_not_of(" \t", space);
    const size_t colon = value == std::string_view::npos ? value : line.find(':', value);
    if (colon == std::string_view::npos || colon == value) {
      const int column = static_cast<int>(value == std::string_view::npos ? line.size() : value);
      throw ConfigError({file, line_no, column + 1},
                        "expected 'HOST-GLOB USER:PASSWORD' (password to the end of the line)");
    }
    out.push_back({std::string(line.substr(start, space - start)),
                   std::string(line.substr(value, colon - value)),
                   std::string(line.substr(colon + 1))});
  }
  return out;
}

const Credential* FindCredential(const std::vector<Credential>& credentials,
                                 const std::string& host) {
  for (const auto& c : credentials) {
    if (::fnmatch(c.pattern.c_str(), host.c_str(), 0) == 0) return &c;
  }
  return nullptr;
}

std::string ResultsUrl(const std::string& agent) {
  std::string base = agent;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/api/v1/results";
}

std::vector<FetchedResult> FetchFromAgents(const std::vector<AgentTarget>& targets,
                                           const CollectOptions& options) {
  std::vector<FetchedResult> results(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    results[i].host = targets[i].host;
    results[i].source = ResultsUrl(targets[i].agent);
  }
  const curl::MultiPtr multi = curl::NewMulti();
  curl::SlistPtr headers;
  curl::Append(headers, "Accept: application/json");
  std::vector<std::unique_ptr<Transfer>> running;
  size_t next = 0;
  const size_t parallel = std::max<size_t>(1, options.parallel);
  // A window of `parallel` transfers: each one that ends makes room for the next target, so
  // a slow agent only holds its own slot and timeouts count from a request's own start.
  auto fill = [&] {
    while (next < targets.size() && running.size() < parallel) {
      auto t = StartTransfer(targets[next], options, headers.get(), results[next]);
      if (curl::MultiAdd(multi.get(), t->easy.get()) != CURLM_OK) {
        throw std::runtime_error("libcurl: cannot add a transfer");
      }
      running.push_back(std::move(t));
      ++next;
    }
  };
  fill();
  while (!running.empty()) {
    int still = 0;
    if (curl::MultiPerform(multi.get(), &still) != CURLM_OK) {
      throw std::runtime_error("libcurl: curl_multi_perform failed");
    }
    while (CURLMsg* msg = curl::MultiInfoRead(multi.get())) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl::GetInfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      const CURLcode code = msg->data.result;
      curl::MultiRemove(multi.get(), msg->easy_handle);
      Finish(*t, code);
      std::erase_if(running, [t](const auto& p) { return p.get() == t; });
    }
    fill();
    if (!running.empty() && curl::MultiPoll(multi.get(), 1000) != CURLM_OK) {
      throw std::runtime_error("libcurl: curl_multi_poll failed");
    }
  }
  return results;
}

std::vector<FetchedResult> ReadResultFiles(const std::string& dir,
                                           const std::vector<std::string>& hosts,
                                           size_t max_bytes) {
  namespace fs = std::filesystem;
  std::vector<FetchedResult> results;
  for (const auto& host : hosts) {
    FetchedResult r;
    r.host = host;
    const fs::path path = fs::path(dir) / (host + ".json");
    r.source = path.string();
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      r.error = "no results file " + path.string();
    } else if (!fs::is_regular_file(status)) {
      r.error = path.string() + " is not a regular file";
    } else if (fs::file_size(path, ec) > max_bytes || ec) {
      r.error = path.string() + " is larger than " + Limit(max_bytes);
    } else {
      std::ifstream in(path, std::ios::binary);
      r.body.assign(std::istreambuf_iterator<char>(in), {});
      if (!in.good() && !in.eof()) r.error = "cannot read " + path.string();
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace egov::agent_client
