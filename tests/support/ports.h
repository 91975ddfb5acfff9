#pragma once

#include <cstddef>
#include <vector>

// Loopback ports for servers and daemons the tests start.
namespace egov::testing {

/// A TCP port on 127.0.0.1 that nothing listens on now (bound, then closed). Another process
/// may take it before the caller does: use it at once.
int FreePort();

/// `count` distinct such ports, for servers started together (an etcd cluster, two daemons):
/// separate FreePort() calls may return the same port twice.
std::vector<int> FreePorts(size_t count);

}  // namespace egov::testing
