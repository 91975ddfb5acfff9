#pragma once

// Loopback ports for servers and daemons the tests start.
namespace egov::testing {

/// A TCP port on 127.0.0.1 that nothing listens on now (bound, then closed). Another process
/// may take it before the caller does: use it at once.
int FreePort();

}  // namespace egov::testing
