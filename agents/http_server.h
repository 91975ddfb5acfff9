#pragma once

#include <memory>
#include <string>

#include "agents/config.h"
#include "agents/snapshot.h"
#include "agents/web_config.h"

// The agent's HTTP side on cpp-httplib: landing page, /metrics, /api/v1/results and /healthz,
// over TLS and behind basic auth when the web config asks for them. Handlers only read the
// current snapshot, so they never wait for a scan, a probe or libvirt.
namespace egov::agent {

class HttpServer {
 public:
  /// Binds `listen` and starts serving on a thread pool. Throws std::runtime_error when the
  /// address cannot be bound or TLS cannot be set up.
  HttpServer(const ListenAddress& listen, const WebConfig& web,
             std::shared_ptr<const SnapshotStore> store);
  /// Stops accepting, finishes requests in progress, and joins the threads.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The bound port (the real one when 0 was asked for).
  int port() const;
  bool tls() const;

  /// Replaces the basic-auth users; requests already authenticated are not affected.
  void SetUsers(std::map<std::string, std::string> users);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace egov::agent
