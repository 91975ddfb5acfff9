#include "checks/proc.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <optional>

namespace egov::checks {
namespace {

std::optional<uint32_t> Hex32(std::string_view s) {
  uint32_t v = 0;
  if (s.size() != 8) return std::nullopt;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'A' && c <= 'F')
      v |= static_cast<uint32_t>(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f')
      v |= static_cast<uint32_t>(c - 'a' + 10);
    else
      return std::nullopt;
  }
  return v;
}

}  // namespace

std::vector<ListeningSocket> ParseProcNet(std::string_view text, const std::string& protocol) {
  std::vector<ListeningSocket> out;
  const bool v6 = protocol.back() == '6';
  const bool udp = protocol.rfind("udp", 0) == 0;
  for (auto [n, line] : NumberedLines(text)) {
    auto f = SplitFields(line);
    if (n == 1 || f.size() < 4) continue;
    const std::string_view local = f[1], state = f[3];
    if (state != (udp ? "07" : "0A")) continue;
    const size_t colon = local.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view addr = local.substr(0, colon);
    uint32_t port = 0;
    if (std::sscanf(std::string(local.substr(colon + 1)).c_str(), "%x", &port) != 1) continue;
    if (udp && port == 0) continue;
    ListeningSocket s{protocol, "", static_cast<int>(port), false, n};
    char buf[INET6_ADDRSTRLEN] = {};
    if (!v6) {
      auto w = Hex32(addr);
      if (!w) continue;
      in_addr a{};
      a.s_addr = *w;  // the kernel prints the address as a host-order word
      ::inet_ntop(AF_INET, &a, buf, sizeof buf);
      s.loopback = (ntohl(a.s_addr) >> 24) == 127;
    } else {
      if (addr.size() != 32) continue;
      in6_addr a{};
      bool ok = true;
      for (int i = 0; i < 4 && ok; ++i) {
        auto w = Hex32(addr.substr(static_cast<size_t>(i) * 8, 8));
        ok = w.has_value();
        if (ok) std::memcpy(&a.s6_addr[i * 4], &*w, 4);
      }
      if (!ok) continue;
      ::inet_ntop(AF_INET6, &a, buf, sizeof buf);
      s.loopback = IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
    }
    s.address = buf;
    out.push_back(std::move(s));
  }
  return out;
}

std::shared_ptr<const ProcNet> LoadProcNet(const HostContext& ctx) {
  return ctx.Memo<ProcNet>("procnet", [&] {
    ProcNet net;
    for (const char* proto : {"tcp", "tcp6", "udp", "udp6"}) {
      const std::string path = std::string("/proc/net/") + proto;
      const FileData data = ctx.Read(path);
      if (!data.ok()) {
        if (!data.missing() && net.error.empty()) net.error = data.message;
        continue;
      }
      net.read.push_back(path);
      for (auto& s : ParseProcNet(data.bytes, proto)) net.sockets.push_back(std::move(s));
    }
    return net;
  });
}

std::shared_ptr<const std::vector<ProcessInfo>> LoadProcesses(const HostContext& ctx) {
  return ctx.Memo<std::vector<ProcessInfo>>("processes", [&] {
    std::vector<ProcessInfo> out;
    for (const auto& name : ctx.List("/proc")) {
      auto pid = ParseInt(name);
      if (!pid || *pid <= 0) continue;
      const std::string dir = "/proc/" + name;
      ProcessInfo p;
      p.pid = static_cast<int>(*pid);
      const FileData comm = ctx.Read(dir + "/comm", 4096);
      if (comm.ok()) p.comm = std::string(Trim(comm.bytes.substr(0, comm.bytes.find('\n'))));
      const FileData cmd = ctx.Read(dir + "/cmdline", 1 << 16);
      if (cmd.ok() && !cmd.bytes.empty()) {
        const std::string argv0 = cmd.bytes.substr(0, cmd.bytes.find('\0'));
        p.exe = argv0.substr(argv0.rfind('/') == std::string::npos ? 0 : argv0.rfind('/') + 1);
      }
      if (!p.comm.empty() || !p.exe.empty()) out.push_back(std::move(p));
    }
    return out;
  });
}

bool HasProc(const HostContext& ctx) { return !ctx.List("/proc").empty(); }

}  // namespace egov::checks
