#include "checks/types/types.h"

namespace egov::checks::types {

ParamSpec Required(std::string name, ParamType type, std::string description,
                   std::vector<std::string> choices) {
  return {std::move(name), type, true, std::move(description), std::move(choices)};
}

ParamSpec Optional(std::string name, ParamType type, std::string description,
                   std::string default_text, std::vector<std::string> choices) {
  return {std::move(name),        type, false, std::move(description), std::move(choices),
          std::move(default_text)};
}

Outcome Verdict(const std::string& problems, const std::string& pass_reason,
                std::vector<Evidence> evidence) {
  if (!problems.empty()) return Outcome::Fail(problems, std::move(evidence));
  return Outcome::Pass(pass_reason, std::move(evidence));
}

Outcome NotLive(const std::string& path) {
  return Outcome::Skipped("no " + path + " under the root: not a live host");
}

std::string EnabledLink(const HostContext& ctx, const std::vector<std::string>& units) {
  for (const auto& unit : units) {
    for (const auto& link : ctx.Glob("/etc/systemd/system/*.wants/" + unit)) return link;
  }
  return "";
}

bool IsLoopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address == "localhost";
}

}  // namespace egov::checks::types
