#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/curl.h"

// A small client of etcd's v3 JSON gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke, /v3/watch, /v3/auth/authenticate;
// keys and values Base64 in JSON), over libcurl. Every request is bounded in time and size; a
// request that an endpoint cannot answer (connection refused, timeout, "leader changed", no
// leader) goes to the next endpoint, in turn, until the retry window ends. Requests are written
// so that sending one twice is harmless (the journal's writes are idempotent puts under a
// compare). Thread-safe: any number of threads may call one Client.
namespace egov::orchestrator::etcd {

/// What reaching etcd needs.
struct ClientOptions {
  std::vector<std::string> endpoints;  ///< HOST:PORT, tried in this order
  std::string cacert;                  ///< TLS: https when cacert or cert is set
  std::string cert;                    ///< client certificate (etcd --client-cert-auth)
  std::string key;                     ///< its key
  std::string user;                    ///< etcd user (auth enabled); empty: none
  std::string password;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds retry_window{5000};  ///< how long one call tries the endpoints
};

/// etcd could not be reached, or refused a request; what() names the endpoints and why.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

/// How a wait for a key's deletion ended.
enum class WatchEnd { kDeleted, kTimedOut, kInterrupted };

class Client {
 public:
  explicit Client(ClientOptions options);

  /// POSTs `body` to /v3/`method` and returns the answer. Throws Error.
  nlohmann::json Call(const std::string& method, const nlohmann::json& body);

  // Parts of a transaction (the JSON of etcdserverpb's RequestOp and Compare).
  static nlohmann::json Put(const std::string& key, const std::string& value, int64_t lease = 0);
  static nlohmann::json Delete(const std::string& key, const std::string& range_end = "");
  static nlohmann::json Get(const std::string& key);
  static nlohmann::json CreateRevisionIs(const std::string& key, int64_t revision);
  /// The end of the range of every key that starts with `prefix`.
  static std::string PrefixEnd(const std::string& prefix);

  struct TxnResult {
    bool succeeded = false;
    int64_t revision = 0;  ///< the store's revision after it
    nlohmann::json responses;
  };
  TxnResult Txn(const nlohmann::json& compare, const nlohmann::json& success,
                const nlohmann::json& failure = nlohmann::json::array());

  /// The keys in [key, range_end) (only `key` when range_end is empty), in key order, at most
  /// `limit` (0: all); `revision` receives the store's revision.
  std::vector<KeyValue> Range(const std::string& key, const std::string& range_end = "",
                              int64_t limit = 0, int64_t* revision = nullptr);
  /// Every key under `prefix`, read in pages of `page` keys.
  std::vector<KeyValue> RangePrefix(const std::string& prefix, int64_t page = 256);

  /// A new lease; `ttl` receives the TTL etcd granted (it may raise a short one).
  int64_t Grant(std::chrono::seconds wanted, int64_t* ttl);
  /// Renews `lease` once; its remaining TTL in seconds, 0 when it has expired.
  int64_t KeepAlive(int64_t lease);
  void Revoke(int64_t lease);

  /// Waits until `key` is deleted at a revision after `revision`, or `deadline` passes; a
  /// broken stream is kInterrupted (the caller looks again).
  WatchEnd WaitForDelete(const std::string& key, int64_t revision,
                         std::chrono::steady_clock::time_point deadline);

  /// etcd://HOST:PORT,HOST:PORT
  std::string Describe() const;

 private:
  struct Answer {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
    std::string error;
  };
  Answer Post(size_t endpoint, const std::string& method, const std::string& body,
              std::chrono::milliseconds timeout);
  void SetCommon(CURL* h, curl_slist* headers) const;
  std::string Token(bool renew);
  curl::EasyPtr TakeHandle();
  void ReturnHandle(curl::EasyPtr h);

  ClientOptions options_;
  std::string scheme_;
  std::mutex mu_;  // guards the fields below
  size_t preferred_ = 0;
  std::string token_;
  std::vector<curl::EasyPtr> idle_;  // handles keep their connections open between requests
};

/// An int64 of the gateway's JSON (written as a string), 0 when absent.
int64_t Int(const nlohmann::json& j, const char* name);
KeyValue ParseKeyValue(const nlohmann::json& kv);

}  // namespace egov::orchestrator::etcd
