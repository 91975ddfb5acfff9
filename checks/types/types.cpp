#include "checks/types/types.h"

#include <sys/stat.h>

#include <map>

#include "checks/compare.h"
#include "checks/host_files.h"
#include "common/units.h"

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

namespace {

// "a, b or c".
std::string DescribeChoices(const std::vector<std::string>& choices) {
  if (choices.size() < 2) return Join(choices, "");
  return Join(std::vector<std::string>(choices.begin(), choices.end() - 1), ", ") + " or " +
         choices.back();
}

}  // namespace

ParamSpec RequiredChoice(std::string name, std::vector<std::string> choices) {
  std::string description = DescribeChoices(choices);
  return Required(std::move(name), ParamType::kChoice, std::move(description), std::move(choices));
}

ParamSpec OptionalChoice(std::string name, std::vector<std::string> choices) {
  std::string description = DescribeChoices(choices);
  std::string first = choices.at(0);
  return Optional(std::move(name), ParamType::kChoice, std::move(description), std::move(first),
                  std::move(choices));
}

namespace internal {

void Read(const nlohmann::json& v, std::string& out) {
  out = v.is_string() ? v.get<std::string>() : ScalarText(v);
}
void Read(const nlohmann::json& v, int64_t& out) { out = v.get<int64_t>(); }
void Read(const nlohmann::json& v, double& out) { out = v.get<double>(); }
void Read(const nlohmann::json& v, bool& out) { out = v.get<bool>(); }
void Read(const nlohmann::json& v, uint64_t& out) {
  out = v.is_string() ? *ParseSize(v.get<std::string>()) : v.get<uint64_t>();
}
void Read(const nlohmann::json& v, unsigned& out) {
  out = static_cast<unsigned>(std::stoul(v.get<std::string>(), nullptr, 8));
}
void Read(const nlohmann::json& v, std::chrono::milliseconds& out) {
  out = *ParseDuration(v.get<std::string>());
}
void Read(const nlohmann::json& v, std::vector<std::string>& out) {
  out = v.is_array() ? v.get<std::vector<std::string>>() : std::vector{v.get<std::string>()};
}
void Read(const nlohmann::json& v, std::vector<int64_t>& out) {
  out = v.is_array() ? v.get<std::vector<int64_t>>() : std::vector{v.get<int64_t>()};
}

std::optional<nlohmann::json> DefaultValue(const ParamSpec& spec) {
  if (spec.required || spec.default_text.empty()) return std::nullopt;
  const bool literal = spec.type == ParamType::kInteger || spec.type == ParamType::kNumber ||
                       spec.type == ParamType::kBool;
  return literal ? nlohmann::json::parse(spec.default_text) : nlohmann::json(spec.default_text);
}

}  // namespace internal

Outcome Verdict(const std::string& problems, const std::string& pass_reason,
                std::vector<Evidence> evidence) {
  if (!problems.empty()) return Outcome::Fail(problems, std::move(evidence));
  return Outcome::Pass(pass_reason, std::move(evidence));
}

Outcome NotLive(const std::string& path) {
  return Outcome::Skipped("no " + path + " under the root: not a live host");
}

namespace {

// unit name -> the first *.wants/ or *.requires/ link that enables it (directories in systemd's
// order), read once per scan for every unit asked about.
using EnabledUnits = std::map<std::string, std::string>;

std::shared_ptr<const EnabledUnits> LoadEnabledUnits(const HostContext& ctx) {
  return ctx.Memo<EnabledUnits>("systemd-enabled-units", [&] {
    EnabledUnits units;
    for (const std::string dir :
         {"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}) {
      for (const auto& sub : ctx.List(dir)) {
        if (!sub.ends_with(".wants") && !sub.ends_with(".requires")) continue;
        for (const auto& unit : ctx.List(dir + "/" + sub))
          units.emplace(unit, dir + "/" + sub + "/" + unit);
      }
    }
    return units;
  });
}

}  // namespace

UnitState ReadUnit(const HostContext& ctx, const std::string& unit, const std::string& package) {
  UnitState s;
  s.unit = unit;
  s.package = package;
  // systemd masks a unit linked to /dev/null or left empty in /etc or /run.
  for (const char* dir : {"/etc/systemd/system", "/run/systemd/system"}) {
    const std::string path = std::string(dir) + "/" + unit;
    auto target = ctx.ReadLink(path);
    auto info = ctx.Stat(path, false);
    if ((target && *target == "/dev/null") || (info && S_ISREG(info->mode) && info->size == 0)) {
      s.masked_at = path;
    }
  }
  const auto enabled = LoadEnabledUnits(ctx);
  if (auto it = enabled->find(unit); it != enabled->end()) {
    s.link = it->second;
    auto info = ctx.Stat(s.link);
    s.dangling = !info;
    if (info && S_ISCHR(info->mode)) s.masked_at = s.link;  // a wants link to /dev/null
  }
  if (!package.empty()) s.package_missing = !LoadDpkg(ctx)->installed.contains(package);
  return s;
}

std::string UnitState::Describe() const {
  if (Masked()) return unit + " masked";
  if (link.empty()) return unit + " not enabled";
  if (dangling) return unit + " enabled, but the unit file its link points to is missing";
  if (package_missing) return unit + " enabled, but package " + package + " is not installed";
  return unit + " enabled";
}

std::string UnitState::Source() const {
  if (Masked()) return masked_at;
  if (!link.empty()) return link;
  return "/etc/systemd/system";
}

bool IsLoopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address == "localhost";
}

}  // namespace egov::checks::types
