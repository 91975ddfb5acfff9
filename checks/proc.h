#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/context.h"

// Live state read from /proc inside the root (a fixture may hold fake /proc files).
namespace egov::checks {

/// A socket bound for listening (TCP LISTEN, or an unconnected bound UDP socket).
struct ListeningSocket {
  std::string protocol;  ///< tcp, tcp6, udp, udp6
  std::string address;   ///< printable, e.g. 127.0.0.1 or ::
  int port = 0;
  bool loopback = false;
  int line = 0;  ///< line of /proc/net/<protocol>
};

/// Parses /proc/net/tcp, tcp6, udp or udp6 text (`protocol` names which).
std::vector<ListeningSocket> ParseProcNet(std::string_view text, const std::string& protocol);

struct ProcNet {
  std::vector<ListeningSocket> sockets;
  std::vector<std::string> read;  ///< files read
  std::string error;              ///< a read error other than absence
};
/// The four /proc/net tables, once per scan.
std::shared_ptr<const ProcNet> LoadProcNet(const HostContext& ctx);

struct ProcessInfo {
  int pid = 0;
  std::string comm;  ///< /proc/PID/comm (at most 15 characters)
  std::string exe;   ///< basename of argv[0] from /proc/PID/cmdline
};
/// Running processes, once per scan; empty when /proc has no process directories.
std::shared_ptr<const std::vector<ProcessInfo>> LoadProcesses(const HostContext& ctx);

/// True when the root holds a /proc with something in it (a live host or a fixture of one).
bool HasProc(const HostContext& ctx);

}  // namespace egov::checks
