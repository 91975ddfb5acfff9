// libvirt_daemon: libvirtd / virtproxyd remote access and QEMU driver security settings, from
// libvirtd.conf, qemu.conf and the systemd socket units that carry the listening sockets.
#include "checks/conf_parse.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

constexpr const char* kLibvirtd = "/etc/libvirt/libvirtd.conf";
constexpr const char* kQemu = "/etc/libvirt/qemu.conf";
constexpr const char* kSystemPackage = "libvirt-daemon-system";

struct LibvirtDaemonCheck : Check {
  std::string rule_;

  Outcome Run(const HostContext& ctx) const override {
    const auto daemon =
        LoadConf(ctx, ConfFormat::kKeyValue, {kLibvirtd, "/etc/libvirt/virtproxyd.conf"});
    const auto qemu = LoadConf(ctx, ConfFormat::kKeyValue, {kQemu});
    if (!daemon->errors.empty()) return Outcome::Error(daemon->errors.front());
    if (!qemu->errors.empty()) return Outcome::Error(qemu->errors.front());
    auto get = [](const ConfData& c, const char* key) {
      return Effective(c, ConfFormat::kKeyValue, key);
    };
    auto ev_of = [](const Setting* s, const std::string& file, const std::string& key,
                    const std::string& fallback, const std::string& expected, bool ok) {
      return s ? Evidence{s->file, s->line, s->key + " = " + s->value, expected, ok}
               : Evidence{file, 0, key + " not set (default " + fallback + ")", expected, ok};
    };
    if (rule_ == "no_plain_tcp") {
      const Setting* listen = get(*daemon, "listen_tcp");
      const UnitState socket = Socket(ctx, "tcp");
      const bool listens = listen && listen->value != "0";
      std::vector<Evidence> ev = {ev_of(listen, kLibvirtd, "listen_tcp", "0", "0", !listens)};
      ev.push_back(
          {socket.Source(), 0, socket.Describe(), "no TCP socket unit enabled", !socket.Enabled()});
      if (listens || socket.Enabled()) {
        return Outcome::Fail("libvirt accepts unencrypted TCP connections", ev);
      }
      return Outcome::Pass("no unencrypted TCP listener", ev);
    }
    if (rule_ == "tls_listen") {
      const Setting* listen = get(*daemon, "listen_tls");
      const UnitState socket = Socket(ctx, "tls");
      const bool tls_off = listen && listen->value == "0";
      std::vector<Evidence> ev = {
          {socket.Source(), 0, socket.Describe(), "TLS socket enabled", socket.Enabled()},
          ev_of(listen, kLibvirtd, "listen_tls", "1", "1", !tls_off)};
      std::string bad;
      if (!socket.Enabled()) bad = "no TLS listener (" + socket.Describe() + ")";
      if (tls_off) Append(bad, "listen_tls = 0");
      const Setting* cert = get(*daemon, "cert_file");
      const Setting* key = get(*daemon, "key_file");
      const std::string cert_path = cert ? cert->value : "/etc/pki/libvirt/servercert.pem";
      const std::string key_path = key ? key->value : "/etc/pki/libvirt/private/serverkey.pem";
      for (const auto& path : {cert_path, key_path}) {
        const bool present = ctx.Stat(path).has_value();
        ev.push_back({path, 0, present ? "present" : "absent", "present", present});
        if (!present) Append(bad, path + " missing");
      }
      return Verdict(bad, "libvirt listens with TLS", ev);
    }
    if (rule_ == "auth") {
      const Setting* unix_rw = get(*daemon, "auth_unix_rw");
      const Setting* tcp = get(*daemon, "auth_tcp");
      const Setting* perms = get(*daemon, "unix_sock_rw_perms");
      const bool unix_open = unix_rw && unix_rw->value == "none";
      const bool tcp_open = tcp && tcp->value == "none";
      const bool others = perms && !perms->value.empty() && perms->value.back() != '0';
      std::vector<Evidence> ev = {
          ev_of(unix_rw, kLibvirtd, "auth_unix_rw", "polkit", "not none", !unix_open),
          ev_of(tcp, kLibvirtd, "auth_tcp", "sasl", "not none", !tcp_open),
          ev_of(perms, kLibvirtd, "unix_sock_rw_perms", "0700", "no access for others", !others)};
      std::string bad;
      if (unix_open) bad = "auth_unix_rw = none";
      if (tcp_open) Append(bad, "auth_tcp = none");
      if (others) {
        Append(bad, "read-write socket open to others (" + perms->value + ")");
      }
      return Verdict(bad, "libvirt sockets require authentication", ev);
    }
    if (rule_ == "security_driver") {
      const Setting* driver = get(*qemu, "security_driver");
      const Setting* confined = get(*qemu, "security_default_confined");
      const bool no_driver =
          driver && (driver->value == "none" || driver->value == "[]" || driver->value.empty());
      const bool unconfined = confined && confined->value == "0";
      std::vector<Evidence> ev = {
          ev_of(driver, kQemu, "security_driver", "selinux or apparmor", "not none", !no_driver),
          ev_of(confined, kQemu, "security_default_confined", "1", "1", !unconfined)};
      std::string bad;
      if (no_driver) bad = "security_driver disables sVirt confinement";
      if (unconfined) Append(bad, "domains unconfined by default");
      return Verdict(bad, "domains are confined by a security driver", ev);
    }
    // graphics_listen: consoles listen on loopback, or are encrypted with TLS.
    std::vector<Evidence> ev;
    std::string bad;
    for (const std::string proto : {"vnc", "spice"}) {
      const Setting* listen = get(*qemu, (proto + "_listen").c_str());
      const Setting* tls = get(*qemu, (proto + "_tls").c_str());
      const std::string address = listen ? listen->value : "127.0.0.1";
      const bool encrypted = tls && tls->value == "1";
      // Each item's expectation names the other setting: both meet it when the pair does.
      const bool ok = IsLoopback(address) || encrypted;
      ev.push_back(ev_of(listen, kQemu, proto + "_listen", "127.0.0.1",
                         "loopback, or " + proto + "_tls = 1", ok));
      ev.push_back(ev_of(tls, kQemu, proto + "_tls", "0", IsLoopback(address) ? "any" : "1", ok));
      if (!ok) Append(bad, proto + " consoles listen on " + address + " without TLS");
    }
    return Verdict(bad, "consoles on loopback or TLS", ev);
  }

 private:
  // libvirtd's (or, with modular daemons, virtproxyd's) socket unit for `kind` (tcp, tls): the
  // first that is enabled, else the first that is linked at all, for the evidence. Both ship in
  // libvirt-daemon-system.
  static UnitState Socket(const HostContext& ctx, const std::string& kind) {
    const UnitState libvirtd = ReadUnit(ctx, "libvirtd-" + kind + ".socket", kSystemPackage);
    const UnitState proxy = ReadUnit(ctx, "virtproxyd-" + kind + ".socket", kSystemPackage);
    if (libvirtd.Enabled() || (!proxy.Enabled() && !libvirtd.link.empty())) return libvirtd;
    return proxy.Enabled() || !proxy.link.empty() ? proxy : libvirtd;
  }
};

}  // namespace

CheckType LibvirtDaemon() {
  return Define<LibvirtDaemonCheck>(
      "libvirt_daemon",
      "libvirt host configuration: remote access (no plain TCP, TLS), authentication, sVirt "
      "security driver, console listen addresses",
      {Required(
          "rule", &LibvirtDaemonCheck::rule_, ParamType::kChoice,
          "no_plain_tcp (listen_tcp off, no TCP socket unit); tls_listen (TLS socket enabled, "
          "certificate and key present); auth (sockets not auth none, no world-writable socket); "
          "security_driver (qemu.conf not none, confined by default); graphics_listen "
          "(vnc/spice_listen on loopback or *_tls = 1)",
          {"no_plain_tcp", "tls_listen", "auth", "security_driver", "graphics_listen"})});
}

}  // namespace egov::checks::types
