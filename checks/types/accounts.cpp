// accounts: local accounts from /etc/passwd and /etc/shadow: no empty passwords, only root has
// UID 0, password maximum age, inactive accounts disabled after N days.
#include <set>

#include "checks/host_files.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

bool Usable(const std::string& hash) { return !hash.empty() && hash[0] != '!' && hash[0] != '*'; }

struct AccountsCheck : Check {
  std::string rule_;
  int64_t days_;

  void Validate(const Params& p) const {
    const bool needs_days = rule_ == "password_max_days" || rule_ == "inactive_days";
    if (needs_days && !p.Has("days")) p.Fail("days", "required for rule " + rule_);
    if (!needs_days && p.Has("days")) p.Fail("days", "not used by rule " + rule_);
    if (needs_days && days_ < 0) p.Fail("days", "expected 0 or more");
  }

  Outcome Run(const HostContext& ctx) const override {
    const auto passwd_file = ReadCached(ctx, "/etc/passwd");
    if (!passwd_file->ok()) return Outcome::Error(passwd_file->message);
    const auto passwd = LoadPasswd(ctx);
    if (rule_ == "only_root_uid0") {
      std::vector<Evidence> ev;
      std::string bad;
      for (const auto& e : *passwd) {
        if (e.uid != 0) continue;
        ev.push_back({"/etc/passwd", e.line, e.name + " has UID 0", "only root has UID 0",
                      e.name == "root"});
        if (e.name != "root") Append(bad, e.name, ", ");
      }
      if (!bad.empty()) return Outcome::Fail("UID 0 besides root: " + bad, ev);
      return Outcome::Pass("only root has UID 0", ev);
    }
    const auto shadow_file = ReadCached(ctx, "/etc/shadow");
    if (!shadow_file->ok()) return Outcome::Error(shadow_file->message);
    const auto shadow = LoadShadow(ctx);
    std::vector<Evidence> ev;
    std::string bad;
    if (rule_ == "no_empty_passwords") {
      std::set<std::string> names;
      for (const auto& e : *passwd) {
        if (!e.password.empty()) continue;
        ev.push_back(
            {"/etc/passwd", e.line, e.name + " has an empty password field", "x or a hash"});
        if (names.insert(e.name).second) Append(bad, e.name, ", ");
      }
      for (const auto& s : *shadow) {
        if (!s.hash.empty()) continue;
        ev.push_back({"/etc/shadow", s.line, s.name + " has an empty password",
                      "a hash or a lock (! or *)"});
        if (names.insert(s.name).second) Append(bad, s.name, ", ");
      }
      if (!bad.empty()) return Outcome::Fail("accounts without a password: " + bad, ev);
      return Outcome::Pass("every account has a password or is locked",
                           {{"/etc/shadow", 0, "no empty password", "no empty password"}});
    }
    const bool max_age = rule_ == "password_max_days";
    const std::string expected = (max_age ? "password maximum age <= " : "disabled after <= ") +
                                 std::to_string(days_) + " days";
    int judged = 0;
    for (const auto& s : *shadow) {
      if (!Usable(s.hash)) continue;
      ++judged;
      const auto& v = max_age ? s.max_days : s.inactive_days;
      const std::string field = max_age ? "maximum age" : "inactive days";
      const std::string seen = v ? std::to_string(*v) : "unset";
      const bool ok = v && *v <= days_ && *v >= 0;
      ev.push_back({"/etc/shadow", s.line, s.name + " " + field + " " + seen, expected, ok});
      if (!ok) Append(bad, s.name + " (" + seen + ")", ", ");
    }
    if (!bad.empty()) {
      return Outcome::Fail(std::string(max_age ? "password maximum age" : "inactivity lock") +
                               " above " + std::to_string(days_) + " days or unset: " + bad,
                           ev);
    }
    if (judged == 0) {
      return Outcome::Pass("no account has a usable password",
                           {{"/etc/shadow", 0, "all accounts locked", expected}});
    }
    return Outcome::Pass(std::to_string(judged) + " account(s) with a password meet it", ev);
  }
};

}  // namespace

CheckType Accounts() {
  return Define<AccountsCheck>(
      "accounts",
      "Local accounts (/etc/passwd, /etc/shadow): empty passwords, UID 0, password age, "
      "inactivity lock",
      {Required(
           "rule", &AccountsCheck::rule_, ParamType::kChoice,
           "no_empty_passwords; only_root_uid0; password_max_days (every account with a usable "
           "password has a maximum age <= days); inactive_days (locked <= days after expiry)",
           {"no_empty_passwords", "only_root_uid0", "password_max_days", "inactive_days"}),
       Optional("days", &AccountsCheck::days_,
                "the limit for password_max_days and inactive_days")});
}

}  // namespace egov::checks::types
