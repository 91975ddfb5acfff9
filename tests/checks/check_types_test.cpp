// Every check type passes on the fixture built to pass it and fails on the one built to fail it.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checks/registry.h"
#include "test_util.h"

namespace egov::checks {
namespace {

namespace fs = std::filesystem;
using testing::Host;
using testing::RunOne;

struct Case {
  const char* check;
  const char* host;
  Status expected;
};

void Expect(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    const ControlResult r = RunOne(c.check, Host(c.host));
    EXPECT_EQ(ToString(r.status), std::string(ToString(c.expected)))
        << c.check << " on " << c.host << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty()) << c.check;
    if (c.expected == Status::kPass || c.expected == Status::kFail) {
      EXPECT_FALSE(r.evidence.empty()) << c.check << " gave no evidence";
    }
  }
}

// A scratch root for cases the two host fixtures do not cover; removed at the end.
class Scratch {
 public:
  Scratch() : dir_(fs::temp_directory_path() / ("egov-types-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() { fs::remove_all(dir_); }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((dir_ / path.substr(1)).parent_path());
    std::ofstream(dir_ / path.substr(1)) << text;
  }
  std::string root() const { return dir_.string(); }
  fs::path Path(const std::string& p) const { return dir_ / p.substr(1); }

 private:
  fs::path dir_;
};

TEST(CheckTypes, EveryRegisteredTypeIsCoveredHere) {
  // Keep this list in step with the tests below.
  const std::set<std::string> tested = {
      "file",           "file_content",    "config_option", "sysctl",      "kernel_module",
      "mount",          "listening",       "process",       "package",     "accounts",
      "systemd_unit",   "log_retention",   "time_sync",     "certificate", "http",
      "libvirt_daemon", "libvirt_domains", "disk_space",    "backup"};
  for (const auto& t : CheckTypes()) EXPECT_TRUE(tested.contains(t.name)) << t.name;
  EXPECT_EQ(CheckTypes().size(), tested.size());
}

TEST(CheckTypes, File) {
  Expect({
      {R"({type: file, path: /etc/shadow, mode_max: "0640", owner: root, group: shadow})",
       "hardened", Status::kPass},
      {R"({type: file, path: /etc/shadow, mode_max: "0640", owner: root, group: shadow})", "weak",
       Status::kFail},
      {R"({type: file, path: "/etc/libvirt/*.conf", mode_max: "0644"})", "hardened", Status::kPass},
      {R"({type: file, path: "/etc/libvirt/*.conf", mode_max: "0644"})", "weak", Status::kFail},
      {R"({type: file, path: /etc/shadow, owner: daemon})", "hardened", Status::kFail},
      {R"({type: file, path: /var/lib/libvirt/images, kind: directory})", "hardened",
       Status::kPass},
      {R"({type: file, path: /etc/passwd, kind: directory})", "hardened", Status::kFail},
      {R"({type: file, path: /etc/hosts.equiv, state: absent})", "hardened", Status::kPass},
      {R"({type: file, path: /etc/passwd, state: absent})", "hardened", Status::kFail},
      {R"({type: file, path: /etc/missing.conf})", "hardened", Status::kFail},
      {R"({type: file, path: "/etc/nothing/*.conf"})", "hardened", Status::kFail},
      // The symbolic link is resolved inside the root, not on the scanning host.
      {R"({type: file, path: /etc/libvirt/qemu/autostart/dvc-l4-0.xml, kind: file})", "hardened",
       Status::kPass},
      {R"({type: file, path: /etc/libvirt/qemu/autostart/dvc-l4-0.xml, kind: symlink, follow: false})",
       "hardened", Status::kPass},
  });
}

TEST(CheckTypes, FileContent) {
  Expect({
      {R"({type: file_content, path: /etc/pam.d/common-auth, pattern: "pam_faillock\\.so"})",
       "hardened", Status::kPass},
      {R"({type: file_content, path: /etc/pam.d/common-auth, pattern: "pam_tally2"})", "hardened",
       Status::kFail},
      {R"({type: file_content, path: /etc/ssh/sshd_config, pattern: "^PasswordAuthentication yes", state: absent})",
       "hardened", Status::kPass},
      {R"({type: file_content, path: /etc/ssh/sshd_config, pattern: "^PasswordAuthentication yes", state: absent})",
       "weak", Status::kFail},
      {R"({type: file_content, path: "/proc/net/bonding/*", pattern: "^Slave Interface:", min_matches: 2})",
       "hardened", Status::kPass},
      {R"({type: file_content, path: "/proc/net/bonding/*", pattern: "^Slave Interface:", min_matches: 3})",
       "hardened", Status::kFail},
      {R"({type: file_content, path: /etc/ssh/sshd_config, pattern: "^permitrootlogin NO", ignore_case: true})",
       "hardened", Status::kPass},
  });
}

TEST(CheckTypes, ConfigOption) {
  Expect({
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
       "hardened", Status::kPass},
      // Global "no", but a Match block says yes.
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
       "weak", Status::kFail},
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no", match_blocks: false})",
       "weak", Status::kPass},
      // From the Include'd file.
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: MaxAuthTries, op: le, value: 4})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: MaxAuthTries, op: le, value: 3})",
       "hardened", Status::kFail},
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: X11Forwarding, value: "no", default: "no"})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: Banner, op: present})",
       "hardened", Status::kFail},
      {R"({type: config_option, format: keyvalue, path: /etc/libvirt/libvirtd.conf, key: listen_tcp, value: 0})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: keyvalue, path: /etc/libvirt/libvirtd.conf, key: listen_tcp, value: 0})",
       "weak", Status::kFail},
      {R"({type: config_option, format: keyvalue, path: /etc/systemd/journald.conf, section: Journal, key: Storage, value: persistent})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: space, path: /etc/login.defs, key: PASS_MAX_DAYS, op: le, value: 90})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: space, path: /etc/login.defs, key: PASS_MAX_DAYS, op: le, value: 30})",
       "hardened", Status::kFail},
      {R"({type: config_option, format: sysctl, key: kernel.randomize_va_space, value: 2})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: sysctl, key: net.ipv4.conf.all.rp_filter, op: in, value: [1, 2]})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: sysctl, key: net.ipv4.ip_forward, value: 0})", "hardened",
       Status::kFail},
      {R"({type: config_option, format: keyvalue, path: /etc/libvirt/qemu.conf, key: security_driver, op: matches, value: "^(apparmor|selinux)$"})",
       "hardened", Status::kPass},
      {R"({type: config_option, format: keyvalue, path: /etc/libvirt/qemu.conf, key: security_driver, op: not_matches, value: "none"})",
       "weak", Status::kFail},
  });
}

TEST(CheckTypes, Sysctl) {
  Expect({
      {"{type: sysctl, key: kernel.randomize_va_space, value: 2}", "hardened", Status::kPass},
      {"{type: sysctl, key: net.ipv4.ip_forward, value: 0}", "hardened", Status::kFail},
      {"{type: sysctl, key: kernel.panic, op: gt, value: 0}", "hardened", Status::kPass},
      {"{type: sysctl, key: net.no.such.key, value: 1}", "hardened", Status::kFail},
  });
  Scratch image;  // a mounted image has no /proc: live checks are skipped, not passed
  image.Write("/etc/hostname", "image\n");
  EXPECT_EQ(RunOne("{type: sysctl, key: kernel.panic, value: 1}", image.root()).status,
            Status::kSkipped);
}

TEST(CheckTypes, KernelModule) {
  Expect({
      {"{type: kernel_module, name: kvm, state: loaded}", "hardened", Status::kPass},
      {"{type: kernel_module, name: nbd, state: loaded}", "hardened", Status::kFail},
      {"{type: kernel_module, name: nbd, state: not_loaded}", "hardened", Status::kPass},
      {"{type: kernel_module, name: kvm-intel, state: not_loaded}", "hardened", Status::kFail},
      {"{type: kernel_module, name: usb-storage, state: blacklisted}", "hardened", Status::kPass},
      {"{type: kernel_module, name: firewire-core, state: blacklisted}", "hardened", Status::kFail},
  });
}

TEST(CheckTypes, Mount) {
  Expect({
      {"{type: mount, path: /tmp, options: [nodev, nosuid]}", "hardened", Status::kPass},
      {"{type: mount, path: /tmp, options: [noexec]}", "hardened", Status::kFail},
      {"{type: mount, path: /tmp, options: [noexec], source: fstab}", "hardened", Status::kPass},
      {"{type: mount, path: /var, absent_options: [noexec], source: fstab}", "hardened",
       Status::kPass},
      {"{type: mount, path: /var, absent_options: [nodev]}", "hardened", Status::kFail},
      {"{type: mount, path: /home, options: [nodev]}", "hardened", Status::kFail},
      {"{type: mount, path: /home, options: [nodev], required: false}", "hardened",
       Status::kNotApplicable},
  });
}

TEST(CheckTypes, Listening) {
  Expect({
      {"{type: listening, allowed: [22, 16514]}", "hardened", Status::kPass},
      {"{type: listening, allowed: [22]}", "hardened", Status::kFail},
      {"{type: listening, port: 16509, state: loopback}", "hardened", Status::kPass},
      {"{type: listening, port: 22, state: loopback}", "hardened", Status::kFail},
      {"{type: listening, port: 22, state: listening}", "hardened", Status::kPass},
      {"{type: listening, port: 23, state: listening}", "hardened", Status::kFail},
      {"{type: listening, port: [23, 2375], state: closed}", "hardened", Status::kPass},
      {"{type: listening, port: 22, state: closed}", "hardened", Status::kFail},
      {"{type: listening, port: 323, state: loopback, protocol: udp}", "hardened", Status::kPass},
  });
}

TEST(CheckTypes, Process) {
  Expect({
      {"{type: process, name: libvirtd}", "hardened", Status::kPass},
      {"{type: process, name: [virtqemud, nginx]}", "hardened", Status::kFail},
      {"{type: process, name: telnetd, state: not_running}", "hardened", Status::kPass},
      {"{type: process, name: sshd, state: not_running}", "hardened", Status::kFail},
  });
}

TEST(CheckTypes, Package) {
  Expect({
      {"{type: package, name: [libvirt-daemon, openssh-server]}", "hardened", Status::kPass},
      {"{type: package, name: telnetd}", "hardened", Status::kFail},  // only config files left
      {"{type: package, name: telnetd, state: absent}", "hardened", Status::kPass},
      {"{type: package, name: auditd, state: absent}", "hardened", Status::kFail},
      {R"({type: package, name: libvirt-daemon, version: "9.0.0-4+deb12u1"})", "hardened",
       Status::kPass},
      {R"({type: package, name: libvirt-daemon, version: "10.0"})", "hardened", Status::kFail},
      {R"({type: package, name: openssh-server, op: lt, version: "1:9.3"})", "hardened",
       Status::kPass},
      {R"({type: package, name: openssh-server, op: eq, version: "1:9.2p1-2"})", "hardened",
       Status::kFail},
  });
}

TEST(CheckTypes, Accounts) {
  Expect({
      {"{type: accounts, rule: no_empty_passwords}", "hardened", Status::kPass},
      {"{type: accounts, rule: no_empty_passwords}", "weak", Status::kFail},
      {"{type: accounts, rule: only_root_uid0}", "hardened", Status::kPass},
      {"{type: accounts, rule: only_root_uid0}", "weak", Status::kFail},
      {"{type: accounts, rule: password_max_days, days: 60}", "hardened", Status::kPass},
      {"{type: accounts, rule: password_max_days, days: 30}", "hardened", Status::kFail},
      {"{type: accounts, rule: inactive_days, days: 45}", "hardened", Status::kPass},
      {"{type: accounts, rule: inactive_days, days: 7}", "hardened", Status::kFail},
  });
}

TEST(CheckTypes, SystemdUnit) {
  Expect({
      {"{type: systemd_unit, unit: auditd.service, state: enabled}", "hardened", Status::kPass},
      {"{type: systemd_unit, unit: telnet.socket, state: enabled}", "hardened", Status::kFail},
      {"{type: systemd_unit, unit: libvirtd-tcp.socket, state: not_enabled}", "hardened",
       Status::kPass},
      {"{type: systemd_unit, unit: libvirtd-tcp.socket, state: not_enabled}", "weak",
       Status::kFail},
      {"{type: systemd_unit, unit: ctrl-alt-del.target, state: masked}", "hardened", Status::kPass},
      {"{type: systemd_unit, unit: debug-shell.service, state: masked}", "hardened", Status::kFail},
  });
}

TEST(CheckTypes, LogRetention) {
  Expect({
      {"{type: log_retention, source: logrotate, days: 365, logs: [/var/log/syslog, "
       "/var/log/auth.log]}",
       "hardened", Status::kPass},
      {"{type: log_retention, source: logrotate, days: 30, logs: [/var/log/syslog]}", "weak",
       Status::kFail},
      {"{type: log_retention, source: logrotate, days: 30, logs: [/var/log/nginx/access.log]}",
       "hardened", Status::kFail},
      {"{type: log_retention, source: logrotate, days: 300, logs: [/var/log/apt/term.log]}",
       "hardened", Status::kPass},
      {"{type: log_retention, source: journald, days: 365}", "hardened", Status::kPass},
      {"{type: log_retention, source: journald, days: 1000}", "hardened", Status::kFail},
  });
}

TEST(CheckTypes, TimeSync) {
  Expect({
      {"{type: time_sync, state: configured}", "hardened", Status::kPass},
      {"{type: time_sync, state: configured}", "weak", Status::kFail},
      {"{type: time_sync, state: synchronized}", "hardened", Status::kPass},
      {"{type: time_sync, state: synchronized}", "weak", Status::kFail},
  });
}

TEST(CheckTypes, Certificate) {
  Expect({
      {"{type: certificate, path: /etc/pki/libvirt/servercert.pem}", "hardened", Status::kPass},
      {"{type: certificate, path: /etc/pki/libvirt/servercert.pem}", "weak", Status::kFail},
      {"{type: certificate, path: /etc/pki/CA/cacert.pem, min_days_left: 100000}", "hardened",
       Status::kFail},
      {"{type: certificate, path: /etc/pki/libvirt/servercert.pem, min_rsa_bits: 4096}", "hardened",
       Status::kFail},
      {"{type: certificate, path: /etc/pki/libvirt/servercert.pem, min_rsa_bits: 1024, "
       "min_days_left: 0}",
       "weak", Status::kFail},
      {"{type: certificate, path: /etc/pki/nothing.pem}", "hardened", Status::kFail},
      {"{type: certificate, path: /etc/passwd}", "hardened", Status::kError},
  });
  const auto weak =
      RunOne("{type: certificate, path: /etc/pki/libvirt/servercert.pem}", Host("weak"));
  EXPECT_NE(weak.reason.find("expired"), std::string::npos) << weak.reason;
  EXPECT_NE(weak.reason.find("1024"), std::string::npos) << weak.reason;
  EXPECT_NE(weak.reason.find("sha1"), std::string::npos) << weak.reason;
}

TEST(CheckTypes, LibvirtDaemon) {
  for (const char* rule : {"no_plain_tcp", "auth", "security_driver", "graphics_listen"}) {
    const std::string check = std::string("{type: libvirt_daemon, rule: ") + rule + "}";
    Expect({{check.c_str(), "hardened", Status::kPass}, {check.c_str(), "weak", Status::kFail}});
  }
  Expect({{"{type: libvirt_daemon, rule: tls_listen}", "hardened", Status::kPass}});
  Scratch bare;  // no TLS socket, no certificates
  bare.Write("/etc/libvirt/libvirtd.conf", "listen_tls = 0\n");
  EXPECT_EQ(RunOne("{type: libvirt_daemon, rule: tls_listen}", bare.root()).status, Status::kFail);
}

TEST(CheckTypes, LibvirtDomains) {
  for (const char* rule :
       {"graphics", "seclabel", "storage_separation", "network_separation", "host_separation"}) {
    const std::string check = std::string("{type: libvirt_domains, rule: ") + rule + "}";
    Expect({{check.c_str(), "hardened", Status::kPass}, {check.c_str(), "weak", Status::kFail}});
  }
  // Only level 2 and 4 domains on the weak host: nothing of level 5 to judge.
  Expect({{"{type: libvirt_domains, rule: host_separation, min_level: 5}", "weak",
           Status::kNotApplicable},
          {"{type: libvirt_domains, rule: graphics, dir: /srv/none}", "hardened",
           Status::kNotApplicable}});
}

TEST(CheckTypes, LibvirtDomainsFromALiveConnection) {
  // libvirt's test driver: a host described in XML, read through the real libvirt API.
  Scratch dir;
  auto host = [&](const std::string& listen) {
    dir.Write("/host.xml", "<node><domain type='test'><name>vm-" + listen +
                               "</name><memory>1048576</memory><os><type>hvm</type></os><devices>"
                               "<graphics type='vnc' port='5901' listen='" +
                               listen + "'/></devices></domain></node>");
    return "{type: libvirt_domains, rule: graphics, uri: \"test://" +
           dir.Path("/host.xml").string() + "\"}";
  };
  const std::string loopback = host("127.0.0.1");
  EXPECT_EQ(RunOne(loopback, Host("hardened")).status, Status::kPass);
  // The host's qemu.conf still applies: the hardened one encrypts VNC (vnc_tls = 1), the weak
  // one does not.
  const std::string open = host("0.0.0.0");
  EXPECT_EQ(RunOne(open, Host("hardened")).status, Status::kPass);
  const auto r = RunOne(open, Host("weak"));
  EXPECT_EQ(r.status, Status::kFail) << r.reason;
  EXPECT_EQ(RunOne("{type: libvirt_domains, rule: seclabel, uri: \"test:///nonexistent/host.xml\"}",
                   Host("hardened"))
                .status,
            Status::kError);
}

TEST(CheckTypes, DiskSpace) {
  Expect({
      {"{type: disk_space, path: [/, /etc], min_free_percent: 0.0001}", "hardened", Status::kPass},
      {"{type: disk_space, min_free: 1Pi}", "hardened", Status::kFail},
      {"{type: disk_space, path: /no/such/dir, min_free_percent: 1}", "hardened", Status::kError},
  });
}

TEST(CheckTypes, Backup) {
  Expect({
      {"{type: backup, path: /var/backups/egov, max_age: 26h}", "hardened", Status::kPass},
      {"{type: backup, path: /var/backups/egov, max_age: 26h}", "weak", Status::kFail},
      {"{type: backup, path: /var/backups/egov, max_age: 26h, pattern: \"*.sql.gz\"}", "hardened",
       Status::kFail},
      {"{type: backup, path: /var/backups/none, max_age: 26h}", "hardened", Status::kFail},
      {"{type: backup, path: /var/backups/egov, max_age: 26h, depth: 0}", "hardened",
       Status::kFail},
  });
}

TEST(CheckTypes, NonRegularFilesAreNeverReadAndNeverBlock) {
  Scratch root;
  root.Write("/etc/ssh/.keep", "");
  ASSERT_EQ(::mkfifo(root.Path("/etc/ssh/sshd_config").c_str(), 0600), 0);
  const auto r = RunOne(
      R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
      root.root());
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_NE(r.reason.find("FIFO"), std::string::npos) << r.reason;
}

TEST(CheckTypes, AbsoluteLinksStayInsideTheRoot) {
  Scratch root;
  root.Write("/etc/ssh/real_config", "PermitRootLogin no\n");
  // An absolute link in an image points into the image, never at the scanning host's /etc.
  fs::create_symlink("/etc/ssh/real_config", root.Path("/etc/ssh/sshd_config"));
  EXPECT_EQ(
      RunOne(
          R"({type: config_option, format: sshd, path: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"})",
          root.root())
          .status,
      Status::kPass);
  fs::create_symlink("../../../../../../etc/passwd", root.Path("/etc/escape"));
  const auto r =
      RunOne("{type: file_content, path: /etc/escape, pattern: \"^root:\"}", root.root());
  EXPECT_EQ(r.status, Status::kFail) << "read the host's /etc/passwd: " << r.reason;
}

}  // namespace
}  // namespace egov::checks
