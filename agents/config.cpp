#include "agents/config.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <utility>

#include "common/files.h"
#include "common/install_dirs.h"
#include "common/loader.h"
#include "common/parse_kinds.h"
#include "common/units.h"
#include "common/yaml_reader.h"

namespace egov::agent {
namespace {

using yaml::Context;
using yaml::MapReader;

constexpr milliseconds kMinInterval{100};

std::optional<milliseconds> ReadDuration(MapReader& r, std::string_view key, milliseconds min) {
  YAML::Node v = r.Optional(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  std::optional<milliseconds> d = v.IsScalar() ? ParseDuration(v.Scalar()) : std::nullopt;
  if (d && *d >= min) return d;
  r.ctx().Error(v, r.Name(key) + ": expected a duration of at least " + FormatDuration(min) +
                       " such as 30s, 5m or 1h, got " + yaml::Describe(v));
  return std::nullopt;
}

// Printable text without spaces: paths, URIs, URLs, host names.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= ' ' || c == 0x7F) return false;
  }
  return true;
}

// A path, resolved against the config file's directory.
std::optional<std::string> ReadPath(MapReader& r, std::string_view key,
                                    const std::string& base_dir) {
  YAML::Node v = r.Optional(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  auto s = yaml::String(r.ctx(), v, r.Name(key));
  if (s && !IsToken(*s)) {
    r.ctx().Error(v, r.Name(key) + ": expected a path without spaces, got " + yaml::Describe(v));
    return std::nullopt;
  }
  if (s) return ResolvePath(base_dir, *s);
  return std::nullopt;
}

std::optional<std::string> ReadHttpUrl(MapReader& r, std::string_view key) {
  YAML::Node v = r.Required(key, "an http:// or https:// URL");
  if (!v.IsDefined()) return std::nullopt;
  auto s = yaml::String(r.ctx(), v, r.Name(key));
  if (!s) return std::nullopt;
  const auto scheme_end = s->find("://");
  const std::string_view scheme = std::string_view(*s).substr(0, scheme_end);
  if (IsToken(*s) && (scheme == "http" || scheme == "https") && s->size() > scheme_end + 3) {
    return s;
  }
  r.ctx().Error(v, r.Name(key) + ": expected an http:// or https:// URL without spaces, got " +
                       yaml::Describe(v));
  return std::nullopt;
}

void ReadScan(const Context& ctx, const YAML::Node& node, const std::string& base_dir,
              ScanConfig& scan) {
  MapReader r(ctx, node, "scan");
  if (!r.ok()) return;
  if (auto root = ReadPath(r, "root", base_dir)) scan.root = *root;
  if (YAML::Node p = r.Optional("profiles"); p.IsDefined() && !p.IsNull()) {
    if (auto list = detail::ReadStringList(ctx, p, r.Name("profiles"))) {
      for (auto& item : *list) {
        // A bare name is looked up in profile_dir; anything with a slash or suffix is a path.
        const bool is_path = item.find('/') != std::string::npos || item.ends_with(".yaml") ||
                             item.ends_with(".yml");
        scan.profiles.push_back(is_path ? ResolvePath(base_dir, item) : item);
      }
    }
  }
  if (auto dir = ReadPath(r, "profile_dir", base_dir)) scan.profile_dir = *dir;
  if (auto level = r.Integer("level", false, 1, 5)) scan.level = static_cast<int>(*level);
  if (auto d = ReadDuration(r, "interval", std::chrono::seconds(1))) scan.interval = *d;
  if (auto d = ReadDuration(r, "check_timeout", milliseconds(10))) scan.check_timeout = *d;
  if (auto w = ReadPath(r, "waivers", base_dir)) scan.waivers = *w;
  if (YAML::Node v = r.Optional("memory_limit"); v.IsDefined() && !v.IsNull()) {
    const auto size = v.IsScalar() ? ParseSize(v.Scalar()) : std::nullopt;
    if (size && *size >= (16u << 20)) {
      scan.memory_limit = *size;
    } else {
      ctx.Error(v, r.Name("memory_limit") + ": expected a size of at least 16Mi, got " +
                       yaml::Describe(v));
    }
  }
  r.Finish();
}

void ReadLibvirt(const Context& ctx, const YAML::Node& node, LibvirtConfig& libvirt) {
  MapReader r(ctx, node, "libvirt");
  if (!r.ok()) return;
  YAML::Node uri = r.Optional("uri");
  if (auto s = r.String("uri", false)) {
    if (IsToken(*s) && s->find(':') != std::string::npos) {
      libvirt.uri = *s;
    } else {
      ctx.Error(uri, "libvirt.uri: expected a libvirt URI such as qemu:///system, got " +
                         yaml::Describe(uri));
    }
  }
  if (auto d = ReadDuration(r, "refresh_interval", kMinInterval)) libvirt.refresh_interval = *d;
  if (auto d = ReadDuration(r, "timeout", kMinInterval)) libvirt.timeout = *d;
  r.Finish();
}

std::optional<ProbeTargetConfig> ReadTarget(const Context& ctx, const YAML::Node& node,
                                            const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  ProbeTargetConfig t;
  YAML::Node workload = r.Optional("workload");
  auto name = r.String("workload", true);
  if (name && IsDnsLabel(*name)) {
    t.workload = *name;
  } else if (name) {
    ctx.Error(workload, r.Name("workload") +
                            ": expected a DNS label ([a-z0-9-], 1 to 63 "
                            "characters), got " +
                            yaml::Describe(workload));
  }
  YAML::Node domain = r.Optional("domain");
  if (auto d = r.String("domain", false)) {
    if (IsToken(*d)) {
      t.domain = *d;
    } else {
      ctx.Error(domain, r.Name("domain") + ": expected a domain name without spaces, got " +
                            yaml::Describe(domain));
    }
  }
  auto url = ReadHttpUrl(r, "url");
  t.interval = ReadDuration(r, "interval", kMinInterval);
  t.timeout = ReadDuration(r, "timeout", milliseconds(10));
  if (auto s = r.Integer("expect_status", false, 100, 599)) t.expect_status = static_cast<int>(*s);
  r.Finish();
  if (!url || t.workload.empty()) return std::nullopt;
  t.url = *url;
  return t;
}

void ReadProbes(const Context& ctx, const YAML::Node& node, const std::string& base_dir,
                ProbesConfig& probes) {
  MapReader r(ctx, node, "probes");
  if (!r.ok()) return;
  if (auto d = ReadDuration(r, "interval", kMinInterval)) probes.interval = *d;
  if (auto d = ReadDuration(r, "timeout", milliseconds(10))) probes.timeout = *d;
  if (auto n = r.Integer("concurrency", false, 1, 10000)) probes.concurrency = static_cast<int>(*n);
  if (auto b = r.Bool("domain_health_urls", false)) probes.domain_health_urls = *b;
  if (auto ca = ReadPath(r, "ca_file", base_dir)) probes.ca_file = *ca;
  if (YAML::Node list = r.Optional("targets"); list.IsDefined() && !list.IsNull()) {
    if (!list.IsSequence()) {
      ctx.Error(list,
                "probes.targets: expected a sequence of targets, got " + yaml::Describe(list));
    } else {
      std::map<std::pair<std::string, std::string>, int> seen;
      for (size_t i = 0; i < list.size(); ++i) {
        auto t = ReadTarget(ctx, list[i], "probes.targets[" + std::to_string(i) + "]");
        if (!t) continue;
        if (seen.contains({t->workload, t->domain})) {
          ctx.Error(list[i], "probes.targets[" + std::to_string(i) + "]: workload '" + t->workload +
                                 "' and domain '" + t->domain + "' already probed by targets[" +
                                 std::to_string(seen[{t->workload, t->domain}]) +
                                 "]; expected each pair once");
          continue;
        }
        seen[{t->workload, t->domain}] = static_cast<int>(i);
        probes.targets.push_back(std::move(*t));
      }
    }
  }
  r.Finish();
  if (probes.timeout > probes.interval) {
    ctx.Error(node, "probes.timeout: expected no longer than probes.interval (" +
                        FormatDuration(probes.interval) + "), got " +
                        FormatDuration(probes.timeout));
  }
  for (const auto& t : probes.targets) {
    const auto interval = t.interval.value_or(probes.interval);
    const auto timeout = t.timeout.value_or(probes.timeout);
    if (timeout > interval) {
      ctx.Error(node, "probes.targets: the timeout of " + t.workload + " (" +
                          FormatDuration(timeout) + ") is longer than its interval (" +
                          FormatDuration(interval) + ")");
    }
  }
}

void ApplyOverrides(AgentConfig& c, const ConfigOverrides& o) {
  DiagnosticSink sink;
  if (o.listen) {
    std::string error;
    if (auto a = ParseListenAddress(*o.listen, error)) {
      c.listen = *a;
    } else {
      sink.Add({"--listen", 0, 0}, error);
    }
  }
  if (o.web_config_file) c.web_config_file = *o.web_config_file;
  if (o.host) {
    if (IsToken(*o.host)) {
      c.host = *o.host;
    } else {
      sink.Add({"--host", 0, 0}, "expected a host name without spaces, got '" + *o.host + "'");
    }
  }
  if (o.root) c.scan.root = *o.root;
  if (o.libvirt_uri) c.libvirt.uri = *o.libvirt_uri;
  if (o.waivers) c.scan.waivers = *o.waivers;
  if (!o.profiles.empty()) c.scan.profiles = o.profiles;
  if (o.level) {
    if (*o.level >= 1 && *o.level <= 5) {
      c.scan.level = *o.level;
    } else {
      sink.Add({"--level", 0, 0},
               "expected a security level from 1 to 5, got " + std::to_string(*o.level));
    }
  }
  if (o.scan_interval) {
    auto d = ParseDuration(*o.scan_interval);
    if (d && *d >= std::chrono::seconds(1)) {
      c.scan.interval = *d;
    } else {
      sink.Add({"--scan-interval", 0, 0},
               "expected a duration of at least 1s such as 30s, 5m or 1h, got '" +
                   *o.scan_interval + "'");
    }
  }
  if (o.log_level && !ParseLogLevel(*o.log_level, c.log_level)) {
    sink.Add({"--log-level", 0, 0},
             "expected debug, info, warn or error, got '" + *o.log_level + "'");
  }
  sink.ThrowIfAny();
}

void FillDefaults(AgentConfig& c) {
  if (c.host.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) c.host = name;
    if (c.host.empty()) c.host = "localhost";
  }
  if (c.scan.profile_dir.empty()) c.scan.profile_dir = DataDir() + "/profiles";
}

AgentConfig FromDocuments(const yaml::ParsedFile& parsed, const std::string& base_dir,
                          DiagnosticSink& sink) {
  const Context ctx{parsed.path, &sink};
  MapReader r(ctx, yaml::OnlyDocument(parsed, sink), "agent");
  AgentConfig c;
  c.file = parsed.path;
  if (r.ok()) {
    YAML::Node host = r.Optional("host");
    if (auto h = r.String("host", false)) {
      if (IsToken(*h)) {
        c.host = *h;
      } else {
        ctx.Error(host,
                  "agent.host: expected a host name without spaces, got " + yaml::Describe(host));
      }
    }
    YAML::Node listen = r.Optional("listen");
    if (auto l = r.String("listen", false)) {
      std::string error;
      if (auto a = ParseListenAddress(*l, error)) {
        c.listen = *a;
      } else {
        ctx.Error(listen, "agent.listen: " + error);
      }
    }
    if (auto w = ReadPath(r, "web_config_file", base_dir)) c.web_config_file = *w;
    YAML::Node level = r.Optional("log_level");
    if (auto l = r.String("log_level", false); l && !ParseLogLevel(*l, c.log_level)) {
      ctx.Error(level, "agent.log_level: expected debug, info, warn or error, got " +
                           yaml::Describe(level));
    }
    YAML::Node expires = r.Optional("certification_expires");
    if (auto e = r.String("certification_expires", false)) {
      c.certification_expires = ParseDate(*e);
      if (!c.certification_expires) {
        ctx.Error(expires, "agent.certification_expires: expected a date YYYY-MM-DD, got " +
                               yaml::Describe(expires));
      }
    }
    if (YAML::Node n = r.Optional("scan"); n.IsDefined()) ReadScan(ctx, n, base_dir, c.scan);
    if (YAML::Node n = r.Optional("libvirt"); n.IsDefined()) ReadLibvirt(ctx, n, c.libvirt);
    if (YAML::Node n = r.Optional("probes"); n.IsDefined()) ReadProbes(ctx, n, base_dir, c.probes);
    r.Finish();
  }
  sink.ThrowIfAny();
  return c;
}

}  // namespace

std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string& error) {
  ListenAddress a;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "expected [IPV6]:PORT, got '" + std::string(text) + "'";
      return std::nullopt;
    }
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      error = "expected HOST:PORT such as 127.0.0.1:9464 (IPv6 as [::1]:9464), got '" +
              std::string(text) + "'";
      return std::nullopt;
    }
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty() || a.port < 0 ||
      a.port > 65535) {
    error = "expected a port from 0 to 65535 in '" + std::string(text) + "'";
    return std::nullopt;
  }
  if (a.host.empty()) a.host = "0.0.0.0";
  if (!IsToken(a.host)) {
    error = "expected a host name or address in '" + std::string(text) + "'";
    return std::nullopt;
  }
  return a;
}

std::optional<double> CertificationExpiry(const AgentConfig& config) {
  if (!config.certification_expires) return std::nullopt;
  const auto end = *config.certification_expires + std::chrono::days(1);
  return static_cast<double>(std::chrono::sys_seconds(end).time_since_epoch().count());
}

AgentConfig ParseAgentConfig(const std::string& name, std::string_view text,
                             const std::string& base_dir) {
  DiagnosticSink sink;
  auto parsed = yaml::ParseText(name, text, sink);
  sink.ThrowIfAny();
  return FromDocuments(*parsed, base_dir, sink);
}

AgentConfig LoadAgentConfig(const std::string& path, const ConfigOverrides& overrides) {
  AgentConfig c;
  if (!path.empty()) {
    DiagnosticSink sink;
    auto parsed = yaml::ParseFile(path, sink);
    sink.ThrowIfAny();
    c = FromDocuments(*parsed, std::filesystem::path(path).parent_path().string(), sink);
  }
  ApplyOverrides(c, overrides);
  FillDefaults(c);
  return c;
}

}  // namespace egov::agent
