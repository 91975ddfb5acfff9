// ssh_algorithms: the ciphers, MACs or key exchange algorithms sshd offers contain none of the
// forbidden ones. The list in force is worked out as sshd does: its built-in default (OpenSSH
// 9.2, Debian 12) unless set, `+list` appended to it, `-patterns` removed from it, `^list` put
// first; every Match block that sets the keyword is judged too.
#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "checks/conf_parse.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct Kind {
  const char* keyword;
  std::vector<std::string> defaults;  // sshd_config(5) of OpenSSH 9.2p1
};

const std::map<std::string, Kind>& Kinds() {
  static const std::map<std::string, Kind> kKinds = {
      {"ciphers",
       {"Ciphers",
        {"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
         "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}}},
      {"macs",
       {"MACs",
        {"umac-64-etm@openssh.com", "umac-128-etm@openssh.com", "hmac-sha2-256-etm@openssh.com",
         "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com", "umac-64@openssh.com",
         "umac-128@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"}}},
      {"kex",
       {"KexAlgorithms",
        {"sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
         "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
         "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
         "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"}}},
  };
  return kKinds;
}

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    const size_t j = std::min(s.find(',', i), s.size());
    if (j > i) out.emplace_back(Trim(s.substr(i, j - i)));
    i = j + 1;
  }
  return out;
}

// The list sshd uses for a keyword's value (nullopt: not set, the default).
std::vector<std::string> InForce(const std::vector<std::string>& defaults,
                                 const std::optional<std::string>& value) {
  if (!value || value->empty()) return defaults;
  const char sign = (*value)[0];
  if (sign != '+' && sign != '-' && sign != '^') return SplitCommas(*value);
  const auto items = SplitCommas(std::string_view(*value).substr(1));
  std::vector<std::string> out = defaults;
  if (sign == '+') {
    for (const auto& i : items) {
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
  } else if (sign == '^') {
    std::vector<std::string> first = items;
    for (const auto& d : out) {
      if (std::find(first.begin(), first.end(), d) == first.end()) first.push_back(d);
    }
    out = std::move(first);
  } else {
    std::erase_if(out, [&](const std::string& d) {
      return std::any_of(items.begin(), items.end(), [&](const std::string& pattern) {
        return ::fnmatch(pattern.c_str(), d.c_str(), 0) == 0;
      });
    });
  }
  return out;
}

struct SshAlgorithmsCheck : Check {
  std::string kind_name_;
  std::vector<std::string> forbidden_;
  std::vector<std::string> paths_;
  const Kind* kind_ = nullptr;

  void Validate(const Params& p) {
    kind_ = &Kinds().at(kind_name_);
    if (forbidden_.empty()) p.Fail("forbidden", "name at least one pattern");
  }

  Outcome Run(const HostContext& ctx) const override {
    const auto conf = LoadConf(ctx, ConfFormat::kSshd, paths_);
    if (!conf->errors.empty()) return Outcome::Error(conf->errors.front());
    const std::string expected = "none of " + Join(forbidden_, ", ");
    std::vector<Evidence> ev;
    std::string bad;
    auto judge = [&](const std::optional<std::string>& value, const std::string& where,
                     const std::string& source, int line) {
      std::string weak;
      for (const auto& a : InForce(kind_->defaults, value)) {
        const bool no = std::any_of(forbidden_.begin(), forbidden_.end(), [&](const auto& pat) {
          return ::fnmatch(pat.c_str(), a.c_str(), 0) == 0;
        });
        if (no) Append(weak, a, ",");
      }
      const std::string written =
          value ? std::string(kind_->keyword) + " " + *value
                : std::string(kind_->keyword) + " not set: OpenSSH 9.2's default";
      ev.push_back({source, line, where + written + (weak.empty() ? "" : " (allows " + weak + ")"),
                    expected, weak.empty()});
      if (!weak.empty()) Append(bad, where + weak);
    };
    const Setting* s = Effective(*conf, ConfFormat::kSshd, kind_->keyword);
    judge(s ? std::optional(s->value) : std::nullopt, "",
          s ? s->file : (conf->files.empty() ? paths_[0] : conf->files[0]), s ? s->line : 0);
    for (const Setting* m : MatchBlockValues(*conf, kind_->keyword)) {
      judge(m->value, "Match " + m->block + ": ", m->file, m->line);
    }
    if (!bad.empty())
      return Outcome::Fail(std::string(kind_->keyword) + " allows forbidden " + bad, ev);
    return Outcome::Pass(std::string(kind_->keyword) + ": none forbidden", ev);
  }
};

}  // namespace

CheckType SshAlgorithms() {
  return Define<SshAlgorithmsCheck>(
      "ssh_algorithms",
      "sshd's ciphers, MACs or key exchange algorithms in force (default, +, -, ^ and Match "
      "blocks worked out as sshd does) contain none of the forbidden ones",
      {RequiredChoice("kind", &SshAlgorithmsCheck::kind_name_, {"ciphers", "macs", "kex"}),
       Required("forbidden", &SshAlgorithmsCheck::forbidden_,
                "algorithm names or patterns (* ?) none of which may be offered"),
       Optional("path", &SshAlgorithmsCheck::paths_, "sshd configuration (Include followed)",
                "/etc/ssh/sshd_config")});
}

}  // namespace egov::checks::types
