// listening: sockets from /proc/net/{tcp,tcp6,udp,udp6}: a port closed, listening, or listening on
// loopback only; or only allowed ports listening beyond loopback.
#include <algorithm>

#include "checks/proc.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct ListeningCheck : Check {
  std::vector<int64_t> ports_, allowed_;
  std::string state_, protocol_;

  void Validate(const Params& p) const {
    if (p.Has("port") == p.Has("allowed")) {
      p.Fail(p.Has("port") ? "allowed" : "port", "give either 'port' with 'state', or 'allowed'");
    }
    if (p.Has("port") && state_.empty()) p.Fail("state", "required with 'port'");
    if (p.Has("allowed") && !state_.empty()) p.Fail("state", "not used with 'allowed'");
    for (auto port : ports_) {
      if (port < 1 || port > 65535) p.Fail("port", "expected ports 1 to 65535");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    const auto net = LoadProcNet(ctx);
    if (!net->error.empty()) return Outcome::Error(net->error);
    if (net->read.empty()) return NotLive("/proc/net");
    std::vector<const ListeningSocket*> sockets;
    for (const auto& s : net->sockets) {
      if (protocol_ == "both" || s.protocol.rfind(protocol_, 0) == 0) sockets.push_back(&s);
    }
    std::vector<Evidence> evidence;
    std::string bad;
    auto note = [&](const ListeningSocket& s, const std::string& expected, bool ok) {
      evidence.push_back({"/proc/net/" + s.protocol, s.line,
                          s.protocol + " " + Endpoint(s) + " listening", expected, ok});
    };
    if (!allowed_.empty()) {
      const std::string expected = "only ports " + List(allowed_) + " beyond loopback";
      for (const auto* s : sockets) {
        if (s->loopback) continue;
        if (std::find(allowed_.begin(), allowed_.end(), s->port) == allowed_.end()) {
          note(*s, expected, false);
          Append(bad, Endpoint(*s) + " (" + s->protocol + ") is not allowed");
        }
      }
      if (!bad.empty()) return Outcome::Fail(bad, evidence);
      return Outcome::Pass("only allowed ports listen beyond loopback",
                           {{"/proc/net", 0, "no other port listening beyond loopback", expected}});
    }
    for (auto port : ports_) {
      const std::string expected = state_ == "closed" ? "port " + std::to_string(port) + " closed"
                                   : state_ == "loopback"
                                       ? "port " + std::to_string(port) + " on loopback only"
                                       : "port " + std::to_string(port) + " listening";
      bool any = false;
      for (const auto* s : sockets) {
        if (s->port != port) continue;
        any = true;
        const bool ok = state_ == "listening" || (state_ == "loopback" && s->loopback);
        note(*s, expected, ok);
        if (!ok) Append(bad, Endpoint(*s) + " (" + s->protocol + ") is listening");
      }
      if (!any) {
        evidence.push_back({"/proc/net", 0, "port " + std::to_string(port) + " not listening",
                            expected, state_ != "listening"});
        if (state_ == "listening") {
          Append(bad, "nothing listens on port " + std::to_string(port));
        }
      }
    }
    return Verdict(bad, "port " + List(ports_) + " " + state_, evidence);
  }

 private:
  static std::string Endpoint(const ListeningSocket& s) {
    return (s.address.find(':') != std::string::npos ? "[" + s.address + "]" : s.address) + ":" +
           std::to_string(s.port);
  }
  static std::string List(const std::vector<int64_t>& ports) {
    std::string s;
    for (auto p : ports) Append(s, std::to_string(p), ", ");
    return s;
  }
};

}  // namespace

CheckType Listening() {
  return Define<ListeningCheck>(
      "listening",
      "Listening sockets (/proc/net): a port closed, listening, or on loopback only; or only "
      "allowed ports beyond loopback",
      {Optional("port", &ListeningCheck::ports_, "port(s) judged by 'state'"),
       Optional("state", &ListeningCheck::state_, ParamType::kChoice,
                "with port: closed, loopback (if listening, only on 127.0.0.0/8 or ::1), listening",
                "", {"closed", "loopback", "listening"}),
       Optional("allowed", &ListeningCheck::allowed_,
                "the only ports that may listen on non-loopback addresses"),
       OptionalChoice("protocol", &ListeningCheck::protocol_, {"tcp", "udp", "both"})});
}

}  // namespace egov::checks::types
