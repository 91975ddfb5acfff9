#include "tests/support/serving.h"

#include <chrono>
#include <stdexcept>

namespace egov::testing {

Serving::Serving(httplib::Server& server) : server_(server) {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind a port on 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // The socket listens already (clients queue); wait for the loop so that stop() reaches it.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Serving::~Serving() {
  server_.stop();
  thread_.join();
}

std::string Serving::Url(const std::string& path, const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace egov::testing
