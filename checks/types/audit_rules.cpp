// audit_rules: the audit rules loaded at boot record the events asked for. The rules are those
// augenrules merges from /etc/audit/rules.d/*.rules (as Debian's auditd.service loads them; the
// generated /etc/audit/audit.rules when that directory has no rules), judged as the kernel would
// apply them: in order, after `-D`, with `-e 0` and blanket `never` rules silencing the rest, and
// nothing at all when the kernel command line says audit=0.
#include <algorithm>
#include <map>
#include <set>

#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

// One rule, as auditctl reads a line: a watch (-w path -p perms) or a syscall rule (-a/-A action,
// list with -S syscalls and -F fields).
struct AuditRule {
  bool watch = false;
  bool never = false;  // action never
  std::string list;    // exit, task, user, exclude, filesystem
  std::string path;    // watch path, or -F path= / dir=
  std::string perms;   // -p, or -F perm=
  std::string arch;    // -F arch=; "" = the native one (b64)
  std::set<std::string> syscalls;
  std::vector<std::string> conditions;  // -F and -C other than arch/path/dir/perm/key
  std::string file;
  int line = 0;
  std::string text;
};

struct AuditConfig {
  std::vector<AuditRule> rules;  // in the order the kernel evaluates them
  std::string enabled = "1";     // the last -e
  std::string enabled_file;      // where it is written
  int enabled_line = 0;
  std::vector<std::string> files;
};

void ParseLine(std::string_view raw, const std::string& file, int n, AuditConfig& out) {
  const auto w = SplitFields(raw);
  if (w.empty() || w[0][0] == '#') return;
  if (w[0] == "-D" && w.size() == 1) {
    out.rules.clear();
    return;
  }
  if (w[0] == "-e" && w.size() > 1) {
    out.enabled = std::string(w[1]);
    out.enabled_file = file;
    out.enabled_line = n;
    return;
  }
  AuditRule r;
  r.file = file;
  r.line = n;
  r.text = std::string(Trim(raw));
  bool prepend = false;
  for (size_t i = 0; i < w.size(); ++i) {
    const std::string_view opt = w[i];
    const std::string arg = i + 1 < w.size() ? std::string(w[i + 1]) : "";
    if (opt == "-w") {
      r.watch = true;
      r.list = "exit";
      r.path = arg;
      ++i;
    } else if (opt == "-p") {
      r.perms = arg;
      ++i;
    } else if (opt == "-a" || opt == "-A") {
      prepend = opt == "-A";
      const size_t comma = arg.find(',');
      const std::string a = arg.substr(0, comma);
      const std::string b = comma == std::string::npos ? "" : arg.substr(comma + 1);
      const bool action_first = a == "always" || a == "never";
      r.never = (action_first ? a : b) == "never";
      r.list = action_first ? b : a;
      ++i;
    } else if (opt == "-S") {
      size_t s = 0;
      while (s <= arg.size()) {
        const size_t e = arg.find(',', s);
        r.syscalls.insert(arg.substr(s, e == std::string::npos ? std::string::npos : e - s));
        if (e == std::string::npos) break;
        s = e + 1;
      }
      ++i;
    } else if (opt == "-F" || opt == "-C") {
      const size_t op = arg.find_first_of("=!<>&");
      const size_t v = op == std::string::npos ? op : arg.find_first_not_of("=!<>&", op);
      const std::string field = arg.substr(0, op);
      const std::string value = v == std::string::npos ? "" : arg.substr(v);
      if (opt == "-F" && field == "arch") {
        r.arch = value;
      } else if (opt == "-F" && (field == "path" || field == "dir")) {
        r.path = value;
      } else if (opt == "-F" && field == "perm") {
        r.perms = value;
      } else if (!(opt == "-F" && field == "key")) {
        r.conditions.push_back(arg);
      }
      ++i;
    } else if (opt == "-k") {
      ++i;
    } else if (opt == "-W" || opt == "-d") {
      return;  // removals: nothing to add
    }
  }
  if (r.list.empty()) return;  // -b, -f, --backlog_wait_time, --loginuid-immutable ...
  if (prepend) {
    out.rules.insert(out.rules.begin(), std::move(r));
  } else {
    out.rules.push_back(std::move(r));
  }
}

// What augenrules loads: rules.d/*.rules merged (comments dropped, a bare -D first, the last -e
// last), or the existing audit.rules when the directory has none.
std::shared_ptr<const AuditConfig> LoadAudit(const HostContext& ctx) {
  return ctx.Memo<AuditConfig>("audit-rules", [&] {
    AuditConfig out;
    std::vector<std::string> files;
    for (const auto& name : ctx.List("/etc/audit/rules.d")) {
      if (name.ends_with(".rules")) files.push_back("/etc/audit/rules.d/" + name);
    }
    const bool merged = !files.empty();
    if (!merged) files = {"/etc/audit/audit.rules"};
    std::string last_e;
    int last_e_line = 0;
    std::string last_e_file;
    for (const auto& f : files) {
      const FileData data = ctx.Read(f);
      if (!data.ok()) continue;
      out.files.push_back(f);
      for (auto [n, line] : NumberedLines(data.bytes)) {
        const auto w = SplitFields(line);
        if (w.empty()) continue;
        if (merged) {
          if (w[0] == "-D" && w.size() == 1) continue;  // augenrules puts one first
          if (w[0] == "-e") {
            last_e = std::string(Trim(line));
            last_e_file = f;
            last_e_line = n;
            continue;
          }
        }
        ParseLine(line, f, n, out);
      }
    }
    if (!last_e.empty()) ParseLine(last_e, last_e_file, last_e_line, out);
    return out;
  });
}

// One thing an event needs recorded: a watch on a path with write (and attribute) access, or a
// syscall on an architecture.
struct Need {
  std::string what;     // for evidence
  std::string path;     // a watch on it (or a -F path/dir rule) with `w` and `a`
  std::string syscall;  // or a syscall rule for it
  std::string arch;     // b64, b32
};

// The events, as this project reads "logins, privilege use, account and time changes".
const std::map<std::string, std::vector<std::vector<Need>>>& Events() {
  // Each event: a list of needs, every one required; a need with alternatives is a list.
  auto watch = [](const std::string& p) { return std::vector<Need>{{"watch " + p, p, "", ""}}; };
  auto sys = [](const std::string& s, const std::string& arch) {
    const std::string what = s == "execve+euid"   ? "execve of setuid programs"
                             : s == "execve+egid" ? "execve of setgid programs"
                                                  : s;
    return std::vector<Need>{{what + " (" + arch + ")", "", s, arch}};
  };
  static const std::map<std::string, std::vector<std::vector<Need>>> kEvents = {
      {"logins", {watch("/var/log/wtmp"), watch("/var/log/btmp"), watch("/var/log/lastlog")}},
      {"accounts",
       {watch("/etc/passwd"), watch("/etc/group"), watch("/etc/shadow"), watch("/etc/gshadow"),
        watch("/etc/security/opasswd")}},
      {"privilege",
       {watch("/etc/sudoers"), watch("/etc/sudoers.d"), sys("execve+euid", "b64"),
        sys("execve+euid", "b32"), sys("execve+egid", "b64"), sys("execve+egid", "b32")}},
      {"time",
       {sys("adjtimex", "b64"), sys("settimeofday", "b64"), sys("clock_settime", "b64"),
        sys("adjtimex", "b32"), sys("settimeofday", "b32"), sys("clock_settime", "b32"),
        watch("/etc/localtime")}},
  };
  return kEvents;
}

// Whether a blanket `never` rule before position `i` silences rule `r`.
bool Silenced(const AuditConfig& conf, size_t i, const AuditRule& r) {
  for (size_t k = 0; k < i; ++k) {
    const AuditRule& n = conf.rules[k];
    if (!n.never || !n.conditions.empty() || !n.path.empty()) continue;
    if (n.list == "task") return true;  // no syscall auditing for any task
    if (n.list != "exit") continue;
    const bool all = n.syscalls.empty() || n.syscalls.contains("all");
    const std::string arch = r.arch.empty() ? "b64" : r.arch;
    const bool same_arch = n.arch.empty() || n.arch == arch || (n.arch == "b64" && r.arch.empty());
    if (all && same_arch) return true;
  }
  return false;
}

// The first rule meeting `need`, or nullptr.
const AuditRule* Meets(const AuditConfig& conf, const Need& need) {
  for (size_t i = 0; i < conf.rules.size(); ++i) {
    const AuditRule& r = conf.rules[i];
    if (r.never || r.list != "exit") continue;
    bool ok = false;
    if (!need.path.empty()) {
      const std::string want = need.arch == "x" ? "x" : "wa";
      std::string path = r.path;
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      // A watch without -p watches every access.
      const std::string perms = r.perms.empty() ? "rwxa" : r.perms;
      ok = path == need.path && std::all_of(want.begin(), want.end(), [&](char c) {
             return perms.find(c) != std::string::npos;
           });
    } else {
      const std::string arch = r.arch.empty() ? "b64" : r.arch;
      if (arch != need.arch) continue;
      if (need.syscall.rfind("execve+", 0) == 0) {
        // execve by a process whose effective uid (gid) differs from its real one: a setuid
        // (setgid) program at work.
        const std::string id = need.syscall.substr(7), real = id.substr(1);
        const bool elevated = std::any_of(
            r.conditions.begin(), r.conditions.end(),
            [&](const auto& c) { return c == id + "!=" + real || c == real + "!=" + id; });
        ok = r.syscalls.contains("execve") && elevated;
      } else {
        ok = r.syscalls.contains(need.syscall) || r.syscalls.contains("all");
      }
    }
    if (ok && !Silenced(conf, i, r)) return &r;
  }
  return nullptr;
}

// audit=0 (or off) on the kernel command line: auditd.service does not start at all.
std::optional<Evidence> AuditOffAtBoot(const HostContext& ctx) {
  auto off = [](std::string_view text) {
    for (auto w : SplitFields(text)) {
      const std::string word(Trim(w));
      if (word.find("audit=0") != std::string::npos || word.find("audit=off") != std::string::npos)
        return true;
    }
    return false;
  };
  const FileData live = ctx.Read("/proc/cmdline");
  if (live.ok() && off(live.bytes))
    return Evidence{"/proc/cmdline", 1, std::string(Trim(live.bytes)), "no audit=0"};
  std::vector<std::string> files = {"/etc/default/grub"};
  for (const auto& f : ctx.Glob("/etc/default/grub.d/*.cfg")) files.push_back(f);
  for (const auto& f : files) {
    const FileData data = ctx.Read(f);
    if (!data.ok()) continue;
    for (auto [n, line] : NumberedLines(data.bytes)) {
      line = Trim(line);
      if (line.rfind("GRUB_CMDLINE_LINUX", 0) == 0 && off(line))
        return Evidence{f, n, std::string(line), "no audit=0"};
    }
  }
  return std::nullopt;
}

struct AuditRulesCheck : Check {
  std::vector<std::string> events_;

  void Validate(const Params& p) const {
    for (const auto& e : events_) {
      if (!Events().contains(e)) {
        p.Fail("events", "expected logins, privilege, accounts or time, got '" + e + "'");
      }
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    if (auto off = AuditOffAtBoot(ctx)) {
      return Outcome::Fail("auditing is switched off on the kernel command line", {*off});
    }
    const auto conf = LoadAudit(ctx);
    const std::string where = conf->files.empty() ? "/etc/audit/rules.d" : Join(conf->files, ", ");
    if (conf->rules.empty()) {
      return Outcome::Fail("no audit rules are loaded at boot",
                           {{conf->files.empty() ? "/etc/audit/rules.d/*.rules" : conf->files[0], 0,
                             "no rules", "rules recording " + Join(events_, ", ")}});
    }
    if (conf->enabled == "0") {
      return Outcome::Fail("-e 0 disables auditing",
                           {{conf->enabled_file, conf->enabled_line, "-e 0", "-e 1 or -e 2"}});
    }
    std::vector<Evidence> ev;
    std::string bad;
    for (const auto& event : events_) {
      for (const auto& alternatives : Events().at(event)) {
        const AuditRule* found = nullptr;
        for (const auto& need : alternatives) {
          if ((found = Meets(*conf, need))) break;
        }
        std::string wanted;
        for (const auto& need : alternatives) Append(wanted, need.what, " or ");
        if (found) {
          ev.push_back({found->file, found->line, found->text, event + ": " + wanted, true});
        } else {
          ev.push_back({"/etc/audit/rules.d/*.rules", 0, "no rule for " + wanted,
                        event + ": " + wanted, false});
          Append(bad, event + ": " + wanted);
        }
      }
    }
    if (!bad.empty()) return Outcome::Fail("not recorded: " + bad, ev);
    return Outcome::Pass("audit rules record " + Join(events_, ", ") + " (" + where + ")", ev);
  }
};

}  // namespace

CheckType AuditRules() {
  return Define<AuditRulesCheck>(
      "audit_rules",
      "The audit rules loaded at boot (augenrules' rules.d, else audit.rules) record the events "
      "asked for",
      {Required("events", &AuditRulesCheck::events_,
                "logins (wtmp, btmp, lastlog watched), accounts (passwd, group, shadow, gshadow, "
                "opasswd watched), privilege (sudoers and sudoers.d watched; execve with euid "
                "other than uid, and egid other than gid, for b64 and b32), time (adjtimex, "
                "settimeofday, clock_settime for b64 "
                "and b32; /etc/localtime watched)")});
}

}  // namespace egov::checks::types
