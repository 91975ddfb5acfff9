// firewall: the host's packet filter denies by default: nftables.service is enabled (and able to
// start), and the ruleset it loads has, on each judged hook, for IPv4 and IPv6 alike, a filter
// base chain that drops what no rule accepted.
#include "checks/conf_parse.h"
#include "checks/nftables.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

constexpr const char* kUnit = "nftables.service";

// The file nftables.service loads: the last `nft -f FILE` among the ExecStart= lines of its unit
// file and drop-ins (an empty ExecStart= resets the list), else Debian's /etc/nftables.conf.
std::string RulesetPath(const HostContext& ctx, const UnitState& unit) {
  std::vector<std::string> files;
  if (!unit.link.empty() && !unit.dangling) files.push_back(unit.link);
  for (const char* dir : {"/usr/lib/systemd/system", "/lib/systemd/system", "/run/systemd/system",
                          "/etc/systemd/system"}) {
    for (const auto& f : ctx.Glob(std::string(dir) + "/" + kUnit + ".d/*.conf")) files.push_back(f);
  }
  std::string path = "/etc/nftables.conf";
  std::vector<std::string> starts;
  for (const auto& file : files) {
    const FileData data = ctx.Read(file);
    if (!data.ok()) continue;
    for (auto line : SplitLines(data.bytes)) {
      line = Trim(line);
      if (line.rfind("ExecStart=", 0) != 0) continue;
      const std::string value(Trim(line.substr(10)));
      if (value.empty()) {
        starts.clear();
      } else {
        starts.push_back(value);
      }
    }
  }
  for (const auto& start : starts) {
    const auto words = SplitFields(start);
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "-f" || words[i] == "--file") path = std::string(words[i + 1]);
    }
  }
  return path;
}

// Whether IPv6 is off for good (disabled at boot and, live, now): its hooks then need no chain.
bool Ipv6Disabled(const HostContext& ctx) {
  const auto conf = LoadConf(ctx, ConfFormat::kSysctl, SysctlFiles(ctx));
  const Setting* s = Effective(*conf, ConfFormat::kSysctl, "net.ipv6.conf.all.disable_ipv6");
  if (!s || s->value != "1") return false;
  const FileData live = ctx.Read("/proc/sys/net/ipv6/conf/all/disable_ipv6");
  return !live.ok() || Trim(live.bytes.substr(0, live.bytes.find('\n'))) == "1";
}

bool Covers(const std::string& family, bool v6) {
  return family == "inet" || family == (v6 ? "ip6" : "ip");
}

// libvirt's own tables (nftables backend) and chains (iptables-nft backend): they accept or
// reject their networks' traffic and leave the rest to the host's chains.
bool Libvirt(const NftChain& c) {
  return c.table.rfind("libvirt", 0) == 0 || c.name.rfind("LIBVIRT_", 0) == 0;
}

struct FirewallCheck : Check {
  std::vector<std::string> hooks_;

  void Validate(const Params& p) const {
    for (const auto& h : hooks_) {
      if (h != "input" && h != "forward" && h != "output") {
        p.Fail("hooks", "expected input, forward or output, got '" + h + "'");
      }
    }
    if (hooks_.empty()) p.Fail("hooks", "name at least one hook");
  }

  Outcome Run(const HostContext& ctx) const override {
    const UnitState unit = ReadUnit(ctx, kUnit, "nftables");
    std::vector<Evidence> ev = {
        {unit.Source(), 0, unit.Describe(), std::string(kUnit) + " enabled", unit.Enabled()}};
    const std::string path = RulesetPath(ctx, unit);
    if (!unit.Enabled()) {
      return Outcome::Fail(unit.Describe() + ": no ruleset is loaded at boot", ev);
    }
    const auto rs = LoadNftRuleset(ctx, path);
    if (!rs->errors.empty()) {
      ev.push_back({path, 0, rs->errors.front(), "a ruleset nft loads", false});
      return Outcome::Fail(rs->errors.front(), ev);
    }
    const bool v6_off = Ipv6Disabled(ctx);
    std::string bad;
    for (const auto& hook : hooks_) {
      for (const bool v6 : {false, true}) {
        if (v6 && v6_off) continue;
        const std::string proto = v6 ? "IPv6" : "IPv4";
        bool denied = false;
        for (const auto& c : rs->chains) {
          if (c.hook != hook || c.type != "filter" || !Covers(c.family, v6)) continue;
          if (v6 && c.family == "inet") {
            // An inet chain serves both; report it once, under IPv4.
            denied = denied || Judge(c, nullptr);
            continue;
          }
          denied = Judge(c, &ev) || denied;
        }
        if (!denied) {
          Append(bad, hook + ": " + proto + " has no default-deny chain");
          ev.push_back({path, 0,
                        "no " + std::string(v6 ? "ip6 or inet" : "ip or inet") +
                            " filter chain on hook " + hook + " drops by default",
                        "default deny on " + hook + " for " + proto, false});
        }
      }
    }
    if (v6_off) {
      // Why IPv6 hooks were not judged: a fact, not a violation.
      ev.push_back({"/etc/sysctl.d", 0, "IPv6 disabled (net.ipv6.conf.all.disable_ipv6 = 1)",
                    "IPv6 judged only when enabled", true});
    }
    return Verdict(bad, "default deny on " + Join(hooks_, ", ") + " (" + path + ")", ev);
  }

 private:
  // Whether `c` drops what its rules did not accept; adds what decides it to `ev`.
  static bool Judge(const NftChain& c, std::vector<Evidence>* ev) {
    const std::string name = c.family + " " + c.table + " " + c.name + " (hook " + c.hook + ")";
    const std::string owner = Libvirt(c) ? ", libvirt's" : "";
    const std::string expected = "policy drop, or a final rule dropping everything";
    for (const auto& r : c.rules) {
      const std::string verdict = UnconditionalVerdict(r);
      if (verdict.empty()) continue;
      // An `accept` of everything makes the policy unreachable.
      const bool drops = verdict != "accept";
      if (ev) ev->push_back({r.file, r.line, name + owner + ": " + r.Text(), expected, drops});
      return drops;
    }
    const bool drops = c.policy == "drop";
    if (ev) {
      ev->push_back({c.policy_file.empty() ? c.file : c.policy_file,
                     c.policy_file.empty() ? c.line : c.policy_line,
                     name + owner + ": policy " + c.policy +
                         (c.policy_file.empty() ? " (no policy given)" : ""),
                     expected, drops});
    }
    return drops;
  }
};

}  // namespace

CheckType Firewall() {
  return Define<FirewallCheck>(
      "firewall",
      "Default-deny packet filtering: nftables.service enabled, and the ruleset it loads drops by "
      "default on each hook, for IPv4 and IPv6",
      {Required("hooks", &FirewallCheck::hooks_,
                "the hooks that must deny by default: input, forward (hypervisors: traffic to and "
                "between guests), output")});
}

}  // namespace egov::checks::types
