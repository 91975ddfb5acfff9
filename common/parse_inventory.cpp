#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/cloud_init.h"
#include "common/loader.h"
#include "common/parse_kinds.h"

namespace egov::detail {

using yaml::Context;
using yaml::MapReader;

std::optional<std::string> ReadName(const Context& ctx, const YAML::Node& node,
                                    const std::string& what) {
  auto s = yaml::String(ctx, node, what);
  if (!s) return std::nullopt;
  if (!IsDnsLabel(*s)) {
    ctx.Error(node, what +
                        ": expected a DNS label ([a-z0-9-], 1 to 63 characters, not starting "
                        "or ending with '-'), got " +
                        yaml::Describe(node));
    return std::nullopt;
  }
  return s;
}

std::optional<std::vector<std::string>> ReadStringList(const Context& ctx, const YAML::Node& node,
                                                       const std::string& what) {
  if (!node.IsSequence()) {
    ctx.Error(node, what + ": expected a sequence of strings, got " + yaml::Describe(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : node) {
    auto s = yaml::String(ctx, item, what + "[]");
    if (s) out.push_back(*s);
    ok = ok && s.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Labels> ReadLabels(const Context& ctx, const YAML::Node& node,
                                 const std::string& what) {
  if (!node.IsMap()) {
    ctx.Error(node,
              what + ": expected a mapping of label names to strings, got " + yaml::Describe(node));
    return std::nullopt;
  }
  Labels labels;
  bool ok = true;
  for (const auto& kv : node) {
    auto key = yaml::String(ctx, kv.first, what + " key");
    auto value = yaml::String(ctx, kv.second, what + "." + (key ? *key : std::string("?")));
    if (key) {
      bool valid = !key->empty() && key->size() <= 63;
      for (char c : *key) {
        valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '-' || c == '.' || c == '/');
      }
      if (!valid) {
        ctx.Error(kv.first, what + ": label name " + yaml::Describe(kv.first) +
                                " expected to match [a-z0-9_./-]{1,63}");
        key.reset();
      } else if (labels.contains(*key)) {
        ctx.Error(kv.first, what + ": duplicate label '" + *key + "'");
        key.reset();
      }
    }
    if (key && value) labels[*key] = *value;
    ok = ok && key && value;
  }
  if (!ok) return std::nullopt;
  return labels;
}

std::optional<Date> ReadDate(const Context& ctx, const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    if (auto d = ParseDate(node.Scalar())) return d;
  }
  ctx.Error(node, what + ": expected a date YYYY-MM-DD, got " + yaml::Describe(node));
  return std::nullopt;
}

std::optional<LocalizedText> ReadLocalized(const Context& ctx, const YAML::Node& node,
                                           const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  auto vi = r.String("vi", true);
  auto en = r.String("en", true);
  r.Finish();
  if (!vi || !en) return std::nullopt;
  return LocalizedText{*vi, *en};
}

std::optional<size_t> ReadChoice(const Context& ctx, const YAML::Node& node,
                                 const std::string& what,
                                 const std::vector<std::string_view>& choices) {
  if (node.IsScalar()) {
    for (size_t i = 0; i < choices.size(); ++i) {
      if (node.Scalar() == choices[i]) return i;
    }
  }
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  ctx.Error(node, what + ": expected one of " + list + ", got " + yaml::Describe(node));
  return std::nullopt;
}

namespace {

std::optional<uint64_t> ReadSize(MapReader& r, std::string_view key, bool required,
                                 uint64_t min_bytes) {
  YAML::Node v = required ? r.Required(key, "a size such as 512Mi, 8Gi or 2Ti") : r.Optional(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  std::optional<uint64_t> bytes;
  if (v.IsScalar()) bytes = ParseSize(v.Scalar());
  if (!bytes || *bytes < min_bytes) {
    r.ctx().Error(v, r.Name(key) + ": expected a size such as 512Mi, 8Gi or 2Ti" +
                         (min_bytes > 0 ? " of at least " + FormatSize(min_bytes) : "") + ", got " +
                         yaml::Describe(v));
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::chrono::milliseconds> ReadDuration(MapReader& r, std::string_view key,
                                                      bool required) {
  YAML::Node v = required ? r.Required(key, "a duration such as 30s, 5m or 90d") : r.Optional(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  std::optional<std::chrono::milliseconds> d;
  if (v.IsScalar()) d = ParseDuration(v.Scalar());
  if (!d || d->count() <= 0) {
    r.ctx().Error(v, r.Name(key) + ": expected a positive duration such as 30s, 5m or 90d, got " +
                         yaml::Describe(v));
    return std::nullopt;
  }
  return d;
}

// URIs and URLs: no whitespace or control characters, a scheme, ${VAR} expanded.
std::optional<std::string> ReadUri(MapReader& r, std::string_view key, bool required,
                                   bool http_only) {
  YAML::Node v = r.Optional(key);
  if (!v.IsDefined() || v.IsNull()) {
    if (required) r.Required(key, http_only ? "an http(s) URL" : "a libvirt URI");
    return std::nullopt;
  }
  auto raw = yaml::String(r.ctx(), v, r.Name(key));
  if (!raw) return std::nullopt;
  std::string expanded, missing;
  if (!ExpandEnv(*raw, expanded, missing)) {
    r.ctx().Error(v, r.Name(key) + ": environment variable '" + missing + "' is not set");
    return std::nullopt;
  }
  bool valid = !expanded.empty();
  for (unsigned char c : expanded) valid = valid && c > 0x20 && c != 0x7F && c != '"' && c != '<';
  const auto colon = expanded.find(':');
  valid = valid && colon != std::string::npos && colon > 0;
  if (valid && http_only) {
    valid = expanded.rfind("http://", 0) == 0 || expanded.rfind("https://", 0) == 0;
  }
  if (!valid) {
    r.ctx().Error(v, r.Name(key) + ": expected " +
                         (http_only ? std::string("an http:// or https:// URL")
                                    : std::string("a libvirt URI such as qemu:///system or "
                                                  "test:///path/host.xml")) +
                         " without spaces or quotes, got " + yaml::Describe(v));
    return std::nullopt;
  }
  return expanded;
}

std::optional<Resources> ReadResources(const Context& ctx, const YAML::Node& node,
                                       const std::string& what, bool disk_required) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  auto vcpus = r.Integer("vcpus", true, 1, 1'000'000);
  auto memory = ReadSize(r, "memory", true, 1 << 20);
  auto disk = ReadSize(r, "disk", disk_required, 0);
  r.Finish();
  if (!vcpus || !memory || (disk_required && !disk)) return std::nullopt;
  return Resources{*vcpus, *memory, disk.value_or(0)};
}

std::optional<Certification> ReadCertification(const Context& ctx, const YAML::Node& node,
                                               const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  Certification c;
  auto scheme = r.String("scheme", true);
  auto certificate = r.String("certificate", true);
  YAML::Node issued_node = r.Required("issued", "a date YYYY-MM-DD");
  YAML::Node expires_node = r.Required("expires", "a date YYYY-MM-DD");
  auto issued =
      issued_node.IsDefined() ? ReadDate(ctx, issued_node, r.Name("issued")) : std::nullopt;
  auto expires =
      expires_node.IsDefined() ? ReadDate(ctx, expires_node, r.Name("expires")) : std::nullopt;
  auto level = r.Integer("max_security_level", true, 1, 5);
  r.Finish();
  if (issued && expires && *expires < *issued) {
    ctx.Error(expires_node, r.Name("expires") + ": expected a date on or after issued (" +
                                FormatDate(*issued) + "), got " + FormatDate(*expires));
    return std::nullopt;
  }
  if (!scheme || !certificate || !issued || !expires || !level) return std::nullopt;
  return Certification{*scheme, *certificate, *issued, *expires, static_cast<int>(*level)};
}

std::optional<Host> ReadHost(const Context& ctx, const YAML::Node& node, const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  Host h;
  h.pos = ctx.Pos(node);
  YAML::Node name_node = r.Required("name", "a DNS label");
  auto name = name_node.IsDefined() ? ReadName(ctx, name_node, r.Name("name")) : std::nullopt;
  const std::string host_what = name ? "host " + *name : what;
  auto uri = ReadUri(r, "uri", true, false);
  YAML::Node cap = r.Required("capacity", "a mapping with vcpus, memory and disk");
  auto capacity =
      cap.IsDefined() ? ReadResources(ctx, cap, host_what + ".capacity", true) : std::nullopt;
  bool ok = name && uri && capacity;
  if (YAML::Node oc = r.Optional("overcommit"); oc.IsDefined() && !oc.IsNull()) {
    MapReader o(ctx, oc, host_what + ".overcommit");
    if (o.ok()) {
      auto cpu = o.Number("cpu", false, 0.1, 64);
      auto mem = o.Number("memory", false, 0.1, 4);
      auto disk = o.Number("disk", false, 0.1, 10);
      if (cpu) h.overcommit.cpu = *cpu;
      if (mem) h.overcommit.memory = *mem;
      if (disk) h.overcommit.disk = *disk;
      o.Finish();
      ok = ok && (cpu || !o.Optional("cpu").IsDefined()) &&
           (mem || !o.Optional("memory").IsDefined()) && (disk || !o.Optional("disk").IsDefined());
    } else {
      ok = false;
    }
  }
  if (YAML::Node l = r.Optional("labels"); l.IsDefined() && !l.IsNull()) {
    auto labels = ReadLabels(ctx, l, host_what + ".labels");
    if (labels) h.labels = *labels;
    ok = ok && labels;
  }
  if (YAML::Node a = r.Optional("agent"); a.IsDefined() && !a.IsNull()) {
    auto agent = ReadUri(r, "agent", false, true);
    if (agent) h.agent = *agent;
    ok = ok && agent;
  }
  if (YAML::Node st = r.Optional("state"); st.IsDefined() && !st.IsNull()) {
    auto state = ReadEnum<HostState>(ctx, st, host_what + ".state", kHostStateNames);
    if (state) h.state = *state;
    ok = ok && state;
  }
  r.Finish();
  if (!ok) return std::nullopt;
  h.name = *name;
  h.uri = *uri;
  h.capacity = *capacity;
  return h;
}

std::optional<Zone> ReadZone(const Context& ctx, const YAML::Node& node, const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  Zone z;
  z.pos = ctx.Pos(node);
  YAML::Node name_node = r.Required("name", "a DNS label");
  auto name = name_node.IsDefined() ? ReadName(ctx, name_node, r.Name("name")) : std::nullopt;
  const std::string zone_what =
      name ? what.substr(0, what.find(".zones")) + " zone " + *name : what;
  auto region = r.String("region", false);
  YAML::Node hosts = r.Required("hosts", "a sequence of hosts");
  auto read_host = [&](const YAML::Node& item, const std::string& item_what) {
    auto h = ReadHost(ctx, item, item_what);
    if (h) z.hosts.push_back(std::move(*h));
    return h.has_value();
  };
  const bool ok =
      hosts.IsDefined() && ReadEach(ctx, hosts, zone_what + ".hosts", "hosts", read_host) && name;
  r.Finish();
  if (!ok) return std::nullopt;
  z.name = *name;
  z.region = region.value_or("");
  return z;
}

// A path relative to the YAML file that names it is taken from the file's directory.
std::string ResolvePath(const Context& ctx, const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p(path);
  if (p.is_relative()) p = fs::path(ctx.file).parent_path() / p;
  return fs::absolute(p).lexically_normal().string();
}

std::optional<std::string> ReadImageSource(MapReader& r) {
  YAML::Node v = r.Required("source", "a path or an https:// URL");
  if (!v.IsDefined()) return std::nullopt;
  auto s = yaml::String(r.ctx(), v, r.Name("source"));
  if (!s) return std::nullopt;
  const bool url = s->find("://") != std::string::npos;
  bool valid = !s->empty();
  for (unsigned char c : *s) valid = valid && c >= 0x20 && c != 0x7F;
  if (url) {
    valid = valid && s->rfind("https://", 0) == 0 && s->size() > 8 &&
            s->find_first_of(" \"<>") == std::string::npos;
  }
  if (!valid) {
    r.ctx().Error(v, r.Name("source") +
                         ": expected a file path (relative to this file, or absolute) or an "
                         "https:// URL, got " +
                         yaml::Describe(v));
    return std::nullopt;
  }
  return url ? *s : ResolvePath(r.ctx(), *s);
}

std::optional<std::string> ReadSha256(MapReader& r) {
  YAML::Node v = r.Required("sha256", "64 hexadecimal digits");
  if (!v.IsDefined()) return std::nullopt;
  std::optional<std::string> s;
  if (v.IsScalar()) s = v.Scalar();
  const bool valid = s && s->size() == 64 && std::all_of(s->begin(), s->end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c));
                     });
  if (!valid) {
    r.ctx().Error(v, r.Name("sha256") +
                         ": expected the SHA-256 of the image as 64 hexadecimal "
                         "digits (sha256sum prints it), got " +
                         yaml::Describe(v));
    return std::nullopt;
  }
  std::transform(s->begin(), s->end(), s->begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The user data file: a readable regular file of bounded size, in a format cloud-init takes,
// that merges with the keys. Its content is never quoted in a message: it may hold secrets.
bool ReadUserDataFile(const Context& ctx, const YAML::Node& node, const std::string& what,
                      CloudInit& ci) {
  auto raw = yaml::String(ctx, node, what);
  if (!raw) return false;
  const std::string path = ResolvePath(ctx, *raw);
  struct stat st {};
  std::string problem;
  if (::stat(path.c_str(), &st) != 0) {
    problem = std::string("cannot read ") + path + ": " + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = path + " is not a regular file";
  }
  std::string content;
  if (problem.empty()) {
    // One byte more than allowed tells a file that is too large, however it grew.
    std::ifstream in(path, std::ios::binary);
    content.resize(cloud_init::kMaxUserDataBytes + 1);
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<size_t>(in.gcount()));
    if (!in.is_open() || in.bad()) {
      problem = "cannot read " + path;
    } else if (content.size() > cloud_init::kMaxUserDataBytes) {
      problem = path + " is larger than " + FormatSize(cloud_init::kMaxUserDataBytes);
    }
  }
  if (!problem.empty()) {
    ctx.Error(node, what + ": " + problem + "; expected a readable cloud-init user data file");
    return false;
  }
  try {
    cloud_init::BuildUserData(ci.ssh_authorized_keys, content, path);
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) {
      ctx.sink->Add(d.pos, what + ": " + d.message);
    }
    return false;
  }
  ci.user_data_file = path;
  ci.user_data = std::move(content);
  return true;
}

std::optional<CloudInit> ReadCloudInit(const Context& ctx, const YAML::Node& node,
                                       const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  CloudInit ci;
  bool ok = true;
  if (YAML::Node keys = r.Optional("ssh_authorized_keys"); keys.IsDefined() && !keys.IsNull()) {
    // Only the kind of a wrong value is named: a private key pasted by mistake is never echoed.
    const auto kind = [](const YAML::Node& n) {
      return n.IsScalar() ? std::string("a single string") : yaml::Describe(n);
    };
    if (!keys.IsSequence()) {
      ctx.Error(keys, r.Name("ssh_authorized_keys") +
                          ": expected a list of OpenSSH public keys, got " + kind(keys));
      ok = false;
    } else {
      for (size_t i = 0; i < keys.size(); ++i) {
        const std::string key_what = r.Name("ssh_authorized_keys[" + std::to_string(i) + "]");
        if (!keys[i].IsScalar()) {
          ctx.Error(keys[i], key_what + ": expected an OpenSSH public key, got " + kind(keys[i]));
          ok = false;
        } else if (auto problem = cloud_init::CheckSshPublicKey(keys[i].Scalar())) {
          ctx.Error(keys[i], key_what + ": " + *problem);
          ok = false;
        } else {
          ci.ssh_authorized_keys.push_back(keys[i].Scalar());
        }
      }
    }
  }
  if (YAML::Node f = r.Optional("user_data_file"); f.IsDefined() && !f.IsNull()) {
    ok = ReadUserDataFile(ctx, f, r.Name("user_data_file"), ci) && ok;
  }
  r.Finish();
  if (!ok) return std::nullopt;
  return ci;
}

}  // namespace

std::optional<Image> ParseImage(MapReader& doc) {
  const Context& ctx = doc.ctx();
  auto display = doc.String("display_name", true);
  std::optional<ImageFormat> format;
  if (YAML::Node f = doc.Required("format", "qcow2 or raw"); f.IsDefined()) {
    format = ReadEnum<ImageFormat>(ctx, f, doc.Name("format"), kImageFormatNames);
  }
  auto source = ReadImageSource(doc);
  auto sha256 = ReadSha256(doc);
  auto min_disk = ReadSize(doc, "min_disk", false, 1);
  doc.Finish();
  if (!display || !format || !source || !sha256 ||
      (!min_disk && doc.Optional("min_disk").IsDefined())) {
    return std::nullopt;
  }
  Image image;
  image.display_name = *display;
  image.format = *format;
  image.source = *source;
  image.sha256 = *sha256;
  image.min_disk = min_disk.value_or(0);
  return image;
}

std::optional<Provider> ParseProvider(MapReader& doc) {
  const Context& ctx = doc.ctx();
  Provider p;
  auto display = doc.String("display_name", true);
  YAML::Node cert = doc.Required("certification",
                                 "a mapping with scheme, certificate, issued, "
                                 "expires and max_security_level");
  auto certification =
      cert.IsDefined() ? ReadCertification(ctx, cert, doc.Name("certification")) : std::nullopt;
  YAML::Node res = doc.Required("residency", "an ISO 3166 country code such as VN");
  std::optional<std::string> residency;
  if (res.IsDefined()) {
    residency = yaml::String(ctx, res, doc.Name("residency"));
    if (residency &&
        (residency->size() != 2 || !std::isupper(static_cast<unsigned char>((*residency)[0])) ||
         !std::isupper(static_cast<unsigned char>((*residency)[1])))) {
      ctx.Error(res, doc.Name("residency") +
                         ": expected a two-letter ISO 3166 country code such as VN, got " +
                         yaml::Describe(res));
      residency.reset();
    }
  }
  YAML::Node zones = doc.Required("zones", "a sequence of zones");
  std::map<std::string, SourcePos> seen;
  auto read_zone = [&](const YAML::Node& item, const std::string& item_what) {
    auto z = ReadZone(ctx, item, item_what);
    if (!z) return false;
    if (auto [it, fresh] = seen.emplace(z->name, z->pos); !fresh) {
      ctx.Error(item, doc.Name("zones") + ": duplicate zone name '" + z->name +
                          "' (first at line " + std::to_string(it->second.line) + ")");
      return false;
    }
    p.zones.push_back(std::move(*z));
    return true;
  };
  const bool ok = zones.IsDefined() &&
                  ReadEach(ctx, zones, doc.Name("zones"), "zones", read_zone) && display &&
                  certification && residency;
  doc.Finish();
  if (!ok) return std::nullopt;
  p.display_name = *display;
  p.certification = *certification;
  p.residency = *residency;
  return p;
}

std::optional<Workload> ParseWorkload(MapReader& doc) {
  const Context& ctx = doc.ctx();
  Workload w;
  auto agency = doc.String("agency", true);
  auto system = doc.String("system", true);
  auto level = doc.Integer("security_level", true, 1, 5);
  auto replicas = doc.Integer("replicas", false, 1, 1000);
  // An image needs a disk: resources.disk is the capacity of each replica's root disk.
  YAML::Node image_node = doc.Optional("image");
  const bool has_image = image_node.IsDefined() && !image_node.IsNull();
  YAML::Node res = doc.Required("resources", "a mapping with vcpus, memory and disk");
  auto resources =
      res.IsDefined() ? ReadResources(ctx, res, doc.Name("resources"), has_image) : std::nullopt;
  std::optional<std::string> image;
  if (has_image) {
    image = yaml::String(ctx, image_node, doc.Name("image"));
    if (image && !IsDnsLabel(*image)) {
      ctx.Error(image_node, doc.Name("image") +
                                ": expected the name of an Image (a DNS label), got " +
                                yaml::Describe(image_node) +
                                "; a path is no longer accepted: declare a 'kind: Image' with "
                                "this file as its source and sha256, and name it here");
      image.reset();
    }
  }
  std::optional<CloudInit> cloud_init;
  YAML::Node ci_node = doc.Optional("cloud_init");
  const bool has_cloud_init = ci_node.IsDefined() && !ci_node.IsNull();
  if (has_cloud_init) {
    cloud_init = ReadCloudInit(ctx, ci_node, doc.Name("cloud_init"));
    if (cloud_init && !has_image) {
      ctx.Error(ci_node, doc.Name("cloud_init") +
                             ": needs an 'image': cloud-init runs in the image's operating "
                             "system, and a diskless replica has none");
      cloud_init.reset();
    }
  }
  std::optional<std::string> network;
  YAML::Node network_node = doc.Optional("network");
  if (network_node.IsDefined() && !network_node.IsNull()) {
    network = ReadName(ctx, network_node, doc.Name("network"));
  }
  bool ok = agency && system && level && resources && (image || !has_image) &&
            (cloud_init || !has_cloud_init) &&
            (replicas || !doc.Optional("replicas").IsDefined()) &&
            (network || !network_node.IsDefined() || network_node.IsNull());
  if (YAML::Node h = doc.Optional("health"); h.IsDefined() && !h.IsNull()) {
    MapReader hr(ctx, h, doc.Name("health"));
    if (hr.ok()) {
      Health health;
      auto url = ReadUri(hr, "url", true, true);
      auto interval = ReadDuration(hr, "interval", false);
      auto timeout = ReadDuration(hr, "timeout", false);
      auto status = hr.Integer("expect_status", false, 100, 599);
      hr.Finish();
      if (interval) health.interval = *interval;
      if (timeout) health.timeout = *timeout;
      if (status) health.expect_status = static_cast<int>(*status);
      if (health.timeout > health.interval) {
        ctx.Error(
            h, doc.Name("health.timeout") + ": expected a timeout no longer than the interval (" +
                   FormatDuration(health.interval) + "), got " + FormatDuration(health.timeout));
        ok = false;
      }
      if (url) {
        health.url = *url;
        w.health = health;
      }
      ok = ok && url && (interval || !hr.Optional("interval").IsDefined()) &&
           (timeout || !hr.Optional("timeout").IsDefined()) &&
           (status || !hr.Optional("expect_status").IsDefined());
    } else {
      ok = false;
    }
  }
  if (YAML::Node p = doc.Optional("placement"); p.IsDefined() && !p.IsNull()) {
    MapReader pr(ctx, p, doc.Name("placement"));
    if (pr.ok()) {
      if (YAML::Node prov = pr.Optional("providers"); prov.IsDefined() && !prov.IsNull()) {
        if (!prov.IsSequence()) {
          ctx.Error(prov, pr.Name("providers") + ": expected a sequence of provider names, got " +
                              yaml::Describe(prov));
          ok = false;
        } else {
          for (const auto& item : prov) {
            auto n = ReadName(ctx, item, pr.Name("providers[]"));
            if (n) w.placement.providers.push_back(*n);
            ok = ok && n;
          }
        }
      }
      if (YAML::Node s = pr.Optional("spread"); s.IsDefined() && !s.IsNull()) {
        auto spread = ReadEnum<Spread>(ctx, s, pr.Name("spread"), kSpreadNames);
        if (spread) w.placement.spread = *spread;
        ok = ok && spread;
      }
      if (YAML::Node l = pr.Optional("labels"); l.IsDefined() && !l.IsNull()) {
        auto labels = ReadLabels(ctx, l, pr.Name("labels"));
        if (labels) w.placement.labels = *labels;
        ok = ok && labels;
      }
      pr.Finish();
    } else {
      ok = false;
    }
  }
  if (YAML::Node u = doc.Optional("update"); u.IsDefined() && !u.IsNull()) {
    MapReader ur(ctx, u, doc.Name("update"));
    if (ur.ok()) {
      w.update.pos = ctx.Pos(u);
      auto max = ur.Integer("max_unavailable", false, 1, 1000);
      ur.Finish();
      if (max) w.update.max_unavailable = static_cast<int>(*max);
      ok = ok && (max || !ur.Optional("max_unavailable").IsDefined());
    } else {
      ok = false;
    }
  }
  doc.Finish();
  if (!ok) return std::nullopt;
  w.agency = *agency;
  w.system = *system;
  w.security_level = static_cast<int>(*level);
  w.replicas = static_cast<int>(replicas.value_or(1));
  w.resources = *resources;
  w.image = image.value_or("");
  w.image_pos = ctx.Pos(image_node);
  if (cloud_init) w.cloud_init = std::move(*cloud_init);
  w.network = network.value_or("");
  return w;
}

std::optional<Policy> ParsePolicy(MapReader& doc) {
  const Context& ctx = doc.ctx();
  Policy policy;
  auto description = doc.String("description", false);
  YAML::Node levels = doc.Required("levels", "a sequence with the rules for levels 1 to 5");
  bool ok = true;
  if (levels.IsDefined()) {
    if (!levels.IsSequence()) {
      ctx.Error(levels, doc.Name("levels") + ": expected a sequence of level rules, got " +
                            yaml::Describe(levels));
      ok = false;
    } else {
      std::map<int, int> line_of;
      for (size_t i = 0; i < levels.size(); ++i) {
        MapReader r(ctx, levels[i], doc.Name("levels[" + std::to_string(i) + "]"));
        if (!r.ok()) {
          ok = false;
          continue;
        }
        LevelPolicy lp;
        lp.pos = ctx.Pos(levels[i]);
        auto level = r.Integer("level", true, 1, 5);
        auto min_replicas = r.Integer("min_replicas", false, 1, 100);
        std::optional<Spread> spread;
        std::optional<Separation> separation;
        std::optional<UnknownCompliance> unknown;
        if (YAML::Node s = r.Optional("spread"); s.IsDefined())
          spread = ReadEnum<Spread>(ctx, s, r.Name("spread"), kSpreadNames);
        if (YAML::Node s = r.Optional("separation"); s.IsDefined())
          separation = ReadEnum<Separation>(ctx, s, r.Name("separation"), kSeparationNames);
        std::optional<std::vector<std::string>> residency;
        if (YAML::Node s = r.Optional("residency"); s.IsDefined())
          residency = ReadStringList(ctx, s, r.Name("residency"));
        auto overcommit = r.Bool("allow_memory_overcommit", false);
        auto disk_overcommit = r.Bool("allow_disk_overcommit", false);
        bool level_ok = level.has_value();
        if (YAML::Node u = r.Optional("update"); u.IsDefined() && !u.IsNull()) {
          MapReader ur(ctx, u, r.Name("update"));
          if (ur.ok()) {
            auto max = ur.Integer("max_unavailable", false, 1, 1000);
            auto limit = ur.Integer("limit", false, 1, 1000);
            ur.Finish();
            if (max) lp.max_unavailable = static_cast<int>(*max);
            if (limit) lp.max_unavailable_limit = static_cast<int>(*limit);
            if (max && limit && *max > *limit) {
              ctx.Error(u, ur.Name("max_unavailable") + ": expected at most the limit (" +
                               std::to_string(*limit) + "), got " + std::to_string(*max));
              level_ok = false;
            }
            level_ok = level_ok && (max || !ur.Optional("max_unavailable").IsDefined()) &&
                       (limit || !ur.Optional("limit").IsDefined());
          } else {
            level_ok = false;
          }
        }
        if (YAML::Node c = r.Optional("compliance"); c.IsDefined() && !c.IsNull()) {
          MapReader cr(ctx, c, r.Name("compliance"));
          if (cr.ok()) {
            auto required = cr.Bool("required", true);
            std::optional<std::string> profile;
            if (YAML::Node pn = cr.Optional("profile"); pn.IsDefined())
              profile = ReadName(ctx, pn, cr.Name("profile"));
            if (YAML::Node u = cr.Optional("unknown"); u.IsDefined())
              unknown =
                  ReadEnum<UnknownCompliance>(ctx, u, cr.Name("unknown"), kUnknownComplianceNames);
            cr.Finish();
            if (required && *required && !profile) {
              ctx.Error(c, cr.Name("profile") +
                               ": missing required key 'profile' (expected the profile hosts must "
                               "pass when compliance is required)");
              level_ok = false;
            }
            lp.require_compliance = required.value_or(false);
            lp.compliance_profile = profile.value_or("");
            level_ok = level_ok && required;
          } else {
            level_ok = false;
          }
        }
        r.Finish();
        level_ok = level_ok && (spread || !r.Optional("spread").IsDefined()) &&
                   (separation || !r.Optional("separation").IsDefined()) &&
                   (residency || !r.Optional("residency").IsDefined()) &&
                   (overcommit || !r.Optional("allow_memory_overcommit").IsDefined()) &&
                   (disk_overcommit || !r.Optional("allow_disk_overcommit").IsDefined()) &&
                   (min_replicas || !r.Optional("min_replicas").IsDefined());
        if (level) {
          if (auto [it, fresh] = line_of.emplace(static_cast<int>(*level), lp.pos.line); !fresh) {
            ctx.Error(levels[i], r.Name("level") + ": duplicate rules for level " +
                                     std::to_string(*level) + " (first at line " +
                                     std::to_string(it->second) + ")");
            level_ok = false;
          }
        }
        if (!level_ok) {
          ok = false;
          continue;
        }
        lp.level = static_cast<int>(*level);
        lp.min_replicas = static_cast<int>(min_replicas.value_or(1));
        if (spread) lp.spread = *spread;
        if (separation) lp.separation = *separation;
        if (unknown) lp.unknown_compliance = *unknown;
        if (residency) lp.residency = *residency;
        lp.allow_memory_overcommit = overcommit.value_or(true);
        lp.allow_disk_overcommit = disk_overcommit.value_or(true);
        policy.levels.push_back(std::move(lp));
      }
      if (ok) {
        for (int l = 1; l <= 5; ++l) {
          if (!line_of.contains(l)) {
            ctx.Error(levels, doc.Name("levels") + ": no rules for level " + std::to_string(l) +
                                  "; expected one entry for each level 1 to 5");
            ok = false;
          }
        }
      }
    }
  } else {
    ok = false;
  }
  doc.Finish();
  if (!ok) return std::nullopt;
  std::sort(policy.levels.begin(), policy.levels.end(),
            [](const LevelPolicy& a, const LevelPolicy& b) { return a.level < b.level; });
  policy.description = description.value_or("");
  return policy;
}

std::optional<Waiver> ParseWaiver(MapReader& doc) {
  const Context& ctx = doc.ctx();
  auto control = doc.String("control", true);
  std::optional<std::string> profile;
  if (YAML::Node p = doc.Optional("profile"); p.IsDefined()) {
    profile = ReadName(ctx, p, doc.Name("profile"));
  }
  YAML::Node hosts_node = doc.Required("hosts", "a sequence of host name patterns such as vnpt-*");
  auto hosts =
      hosts_node.IsDefined() ? ReadStringList(ctx, hosts_node, doc.Name("hosts")) : std::nullopt;
  if (hosts && hosts->empty()) {
    ctx.Error(hosts_node, doc.Name("hosts") + ": expected at least one host name pattern");
    hosts.reset();
  }
  auto reason = doc.String("reason", true);
  auto approved_by = doc.String("approved_by", true);
  YAML::Node exp = doc.Required("expires", "a date YYYY-MM-DD");
  auto expires = exp.IsDefined() ? ReadDate(ctx, exp, doc.Name("expires")) : std::nullopt;
  doc.Finish();
  if (!control || !hosts || !reason || !approved_by || !expires ||
      (doc.Optional("profile").IsDefined() && !profile)) {
    return std::nullopt;
  }
  Waiver w;
  w.control = *control;
  w.profile = profile.value_or("");
  w.hosts = *hosts;
  w.reason = *reason;
  w.approved_by = *approved_by;
  w.expires = *expires;
  return w;
}

}  // namespace egov::detail
