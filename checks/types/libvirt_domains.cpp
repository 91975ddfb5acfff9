// libvirt_domains: the domains on this host: consoles only on loopback or TLS, sVirt confinement
// not disabled, and separation by security level (Circular 12/2022 in the project's reading: level
// 3 logically separate storage, which its own storage or encrypted disks give; levels 4-5
// physically separate storage, which encryption does not give; own network; level >= 4: no other
// system's domains on the host).
#include <algorithm>
#include <map>
#include <set>

#include "checks/conf_parse.h"
#include "checks/domains.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

// Who a domain belongs to: its workload, or itself when egovctl does not manage it.
std::string Owner(const DomainInfo& d) {
  return d.metadata ? "workload " + d.metadata->workload : "unmanaged domain " + d.name;
}

struct LibvirtDomainsCheck : Check {
  std::string rule_, dir_, uri_;
  std::optional<int64_t> min_level_;
  int64_t physical_level_;

  void Validate(const Params& p) {
    if (!min_level_) min_level_ = rule_ == "host_separation" ? 4 : 3;
    if (p.Has("min_level") && (rule_ == "graphics" || rule_ == "seclabel")) {
      p.Fail("min_level", "only for the separation rules");
    }
    if (p.Has("physical_from_level") && rule_ != "storage_separation") {
      p.Fail("physical_from_level", "only for storage_separation");
    }
    if (*min_level_ < 1 || *min_level_ > 5) p.Fail("min_level", "expected 1 to 5");
    if (p.Has("dir") && p.Has("uri")) p.Fail("uri", "give dir or uri, not both");
  }

  Outcome Run(const HostContext& ctx) const override {
    const auto set = uri_.empty() ? LoadDomainsFromDir(ctx, dir_) : LoadDomainsFromUri(ctx, uri_);
    if (!set->errors.empty()) return Outcome::Error(set->errors.front());
    if (set->domains.empty()) return Outcome::NotApplicable("no libvirt domains in " + set->where);
    if (rule_ == "graphics") return Graphics(ctx, *set);
    if (rule_ == "seclabel") return Seclabel(*set);
    return Separation(*set);
  }

 private:
  Outcome Graphics(const HostContext& ctx, const DomainSet& set) const {
    const auto qemu = LoadConf(ctx, ConfFormat::kKeyValue, {"/etc/libvirt/qemu.conf"});
    auto setting = [&](const char* key, const char* fallback) {
      const Setting* s = Effective(*qemu, ConfFormat::kKeyValue, key);
      return s ? s->value : std::string(fallback);
    };
    const std::string expected = "loopback, a UNIX socket, or TLS";
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& d : set.domains) {
      for (const auto& g : d.graphics) {
        if (g.local) continue;
        const std::string address =
            g.listen.empty() ? setting((g.type + "_listen").c_str(), "127.0.0.1") : g.listen;
        const bool tls = g.type == "vnc" ? setting("vnc_tls", "0") == "1"
                                         : g.secure && setting("spice_tls", "0") == "1";
        const bool ok = IsLoopback(address) || tls;
        ev.push_back({d.source, 0,
                      d.name + ": " + g.type + " on " + address + (tls ? " with TLS" : ""),
                      expected, ok});
        if (!ok) Append(bad, d.name + " " + g.type + " on " + address);
      }
    }
    if (!bad.empty()) return Outcome::Fail("consoles reachable without TLS: " + bad, ev);
    if (ev.empty()) ev.push_back({set.where, 0, "no network console", expected});
    return Outcome::Pass("every console is local or encrypted", ev);
  }

  static Outcome Seclabel(const DomainSet& set) {
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& d : set.domains) {
      ev.push_back(
          {d.source, 0,
           d.name + ": seclabel " + (d.seclabel.empty() ? "default (dynamic)" : d.seclabel),
           "not none", d.seclabel != "none"});
      if (d.seclabel == "none") Append(bad, d.name, ", ");
    }
    if (!bad.empty()) return Outcome::Fail("domains without sVirt confinement: " + bad, ev);
    return Outcome::Pass("every domain is confined", ev);
  }

  Outcome Separation(const DomainSet& set) const {
    // Which owners use each disk location and network.
    std::map<std::string, std::set<std::string>> users;
    for (const auto& d : set.domains) {
      for (const auto& disk : d.disks) users[disk.identity].insert(Owner(d));
      for (const auto& n : d.networks) users[n].insert(Owner(d));
    }
    std::vector<Evidence> ev;
    std::string bad;
    int judged = 0;
    const std::string lvl = std::to_string(*min_level_);
    for (const auto& d : set.domains) {
      if (!d.metadata || d.metadata->security_level < *min_level_) continue;
      ++judged;
      const std::string me = Owner(d);
      const std::string level = " (level " + std::to_string(d.metadata->security_level) + ")";
      if (rule_ == "storage_separation") {
        // Encryption separates logically; from physical_from_level only storage of its own does.
        const bool physical = d.metadata->security_level >= physical_level_;
        for (const auto& disk : d.disks) {
          if (disk.identity.empty()) continue;  // an empty drive holds no data
          const auto& u = users[disk.identity];
          const bool shared = u.size() > 1;
          const bool separated = !shared || (!physical && disk.encrypted);
          ev.push_back({d.source, 0,
                        d.name + level + " " + disk.target + ": " + disk.identity +
                            (disk.encrypted ? ", encrypted" : "") +
                            (shared ? ", shared" : ", dedicated"),
                        physical ? "physically separate storage (encryption does not count)"
                                 : "encrypted or dedicated storage",
                        separated});
          if (!separated) {
            Append(bad, d.name + " " + disk.target + " shares " + disk.identity +
                            (physical && disk.encrypted
                                 ? " (encrypted, but level " + std::to_string(physical_level_) +
                                       "+ needs storage of its own)"
                                 : ""));
          }
        }
      } else if (rule_ == "network_separation") {
        for (const auto& n : d.networks) {
          const bool shared = users[n].size() > 1;
          ev.push_back({d.source, 0,
                        d.name + level + ": " + n + (shared ? ", shared" : ", dedicated"),
                        "a network of its own", !shared});
          if (shared) Append(bad, d.name + " shares " + n);
        }
      } else {
        std::set<std::string> others;
        for (const auto& o : set.domains) {
          if (Owner(o) != me) others.insert(o.name + " (" + Owner(o) + ")");
        }
        std::string list;
        for (const auto& o : others) Append(list, o, ", ");
        ev.push_back({d.source, 0,
                      d.name + level + ": " +
                          (others.empty() ? "alone on the host" : "shares the host with " + list),
                      "no other system's domains on the host", others.empty()});
        if (!others.empty()) Append(bad, d.name + " shares the host with " + list);
      }
    }
    if (judged == 0)
      return Outcome::NotApplicable("no managed domain of level " + lvl + " or above");
    return Verdict(bad, std::to_string(judged) + " domain(s) of level " + lvl + "+ separated", ev);
  }
};

}  // namespace

CheckType LibvirtDomains() {
  return Define<LibvirtDomainsCheck>(
      "libvirt_domains",
      "libvirt domains: consoles local or TLS, sVirt confinement, Circular 12/2022 separation",
      {Required(
           "rule", &LibvirtDomainsCheck::rule_, ParamType::kChoice,
           "graphics (VNC/SPICE only on loopback, a socket, or TLS); seclabel (no <seclabel "
           "type='none'>); storage_separation (level >= min_level: each disk encrypted or not "
           "shared with another system; level >= physical_from_level: not shared, encrypted or "
           "not); network_separation (level >= min_level: networks not "
           "shared); host_separation (level >= min_level: no other system's domain on the host)",
           {"graphics", "seclabel", "storage_separation", "network_separation", "host_separation"}),
       Optional("dir", &LibvirtDomainsCheck::dir_, ParamType::kPath,
                "persistent definitions inside the root", "/etc/libvirt/qemu"),
       Optional("uri", &LibvirtDomainsCheck::uri_,
                "read live domains from this libvirt URI instead (read-only)"),
       Optional("min_level", &LibvirtDomainsCheck::min_level_,
                "separation rules: lowest security level judged (from the domains' egov metadata)",
                "3 (host_separation: 4)"),
       Optional("physical_from_level", &LibvirtDomainsCheck::physical_level_,
                "storage_separation: the level from which storage must be physically separate "
                "(a location no other system uses; encryption does not count)",
                "4")});
}

}  // namespace egov::checks::types
