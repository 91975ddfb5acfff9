#include "orchestrator/compliance.h"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

namespace egov::orchestrator {
namespace {

constexpr size_t kMaxBody = 64u << 20;  // results with evidence stay far below this

size_t Append(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxBody) return 0;  // aborts the transfer
  body->append(data, size * n);
  return size * n;
}

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

HostResults ParseResults(std::string_view text, const std::string& host) {
  HostResults r;
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    r.error = "results are not a JSON object";
    return r;
  }
  if (doc.value("schema", "") != "egov.results/v1") {
    r.error = "results schema is not egov.results/v1";
    return r;
  }
  if (doc.contains("host") && doc["host"].is_string() && doc["host"] != host) {
    r.error = "results are for host '" + doc["host"].get<std::string>() + "', not '" + host + "'";
    return r;
  }
  if (!doc.contains("profiles") || !doc["profiles"].is_array()) {
    r.error = "results have no profiles array";
    return r;
  }
  for (const auto& p : doc["profiles"]) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) continue;
    const auto passed = p.find("passed");
    r.profiles[p["name"].get<std::string>()] =
        passed != p.end() && passed->is_boolean() && passed->get<bool>() ? Compliance::kPass
                                                                         : Compliance::kFail;
  }
  return r;
}

std::map<std::string, HostResults> LoadResultFiles(const std::string& dir,
                                                   const std::vector<std::string>& hosts) {
  std::map<std::string, HostResults> out;
  for (const auto& host : hosts) {
    const std::string path = dir + "/" + host + ".json";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      out[host].error = "no results file " + path;
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    HostResults r = ParseResults(ss.str(), host);
    r.source = path;
    out[host] = std::move(r);
  }
  return out;
}

std::map<std::string, HostResults> FetchResults(
    const std::vector<std::pair<std::string, std::string>>& host_agents,
    std::chrono::milliseconds timeout) {
  InitCurl();
  struct Transfer {
    std::string host, url, body;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy{nullptr, curl_easy_cleanup};
  };
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(),
                                                              curl_multi_cleanup);
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::map<std::string, HostResults> out;
  for (const auto& [host, agent] : host_agents) {
    auto t = std::make_unique<Transfer>();
    t->host = host;
    t->url = agent + (agent.ends_with("/") ? "" : "/") + "api/v1/results";
    t->easy.reset(curl_easy_init());
    CURL* e = t->easy.get();
    curl_easy_setopt(e, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_multi_add_handle(multi.get(), e);
    transfers.push_back(std::move(t));
  }
  int running = 0;
  do {
    curl_multi_perform(multi.get(), &running);
    if (running) curl_multi_poll(multi.get(), nullptr, 0, 200, nullptr);
  } while (running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    long status = 0;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
    HostResults r;
    if (msg->data.result != CURLE_OK) {
      r.error = std::string("agent unreachable: ") + curl_easy_strerror(msg->data.result);
    } else if (status != 200) {
      r.error = "agent answered HTTP " + std::to_string(status);
    } else {
      r = ParseResults(t->body, t->host);
    }
    r.source = t->url;
    out[t->host] = std::move(r);
  }
  for (auto& t : transfers) curl_multi_remove_handle(multi.get(), t->easy.get());
  return out;
}

}  // namespace egov::orchestrator
