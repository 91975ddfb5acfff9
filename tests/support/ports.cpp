#include "tests/support/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace egov::testing {

std::vector<int> FreePorts(size_t count) {
  // All the sockets stay bound until every port is known: the kernel never hands out one port
  // twice while it is bound, so the ports are distinct (closing each one at once let two calls
  // return the same port, and an etcd cluster then refused its "duplicate url").
  std::vector<int> fds;
  std::vector<int> ports;
  for (size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) ::close(fd);
      for (const int open : fds) ::close(open);
      throw std::runtime_error("cannot bind a loopback port for a test server");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  return ports;
}

int FreePort() { return FreePorts(1).front(); }

}  // namespace egov::testing
