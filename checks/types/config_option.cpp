// config_option: a setting in a configuration file (sshd_config with its first-match rule and
// Match blocks, key = value files, login.defs, sysctl.conf and sysctl.d) compared with an operator.
#include "checks/compare.h"
#include "checks/conf_parse.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

ConfFormat FormatOf(const std::string& name) {
  if (name == "sshd") return ConfFormat::kSshd;
  if (name == "space") return ConfFormat::kSpace;
  if (name == "sysctl") return ConfFormat::kSysctl;
  return ConfFormat::kKeyValue;
}

struct ConfigOptionCheck : Check {
  std::string format_name_;
  std::vector<std::string> paths_;
  std::string key_;
  std::string section_;
  std::optional<std::string> default_;
  bool match_blocks_;
  bool ignore_case_;
  ConfFormat format_;
  Expectation expect_;

  void Validate(const Params& p) {
    format_ = FormatOf(format_name_);
    expect_ = Expectation::FromParams(p, format_ == ConfFormat::kSshd || ignore_case_);
    if (paths_.empty() && format_ != ConfFormat::kSysctl) {
      p.Fail("path", "required for format " + format_name_);
    }
    if (!section_.empty() && format_ != ConfFormat::kKeyValue) {
      p.Fail("section", "only keyvalue files have sections");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    const auto conf = LoadConf(ctx, format_, paths_.empty() ? SysctlFiles(ctx) : paths_);
    if (!conf->errors.empty()) return Outcome::Error(conf->errors.front());
    const std::string where = conf->files.empty() ? Describe(paths_) : conf->files.front();
    const std::string expected = expect_.Describe();
    std::vector<Evidence> evidence;
    std::vector<std::string> bad;
    const Setting* s = Effective(*conf, format_, key_, section_);
    std::optional<std::string> value;
    if (s) {
      value = s->value;
      evidence.push_back({s->file, s->line, s->key + " " + s->value, expected});
    } else if (default_) {
      value = default_;
      evidence.push_back({where, 0, key_ + " not set; built-in default " + *default_, expected});
    } else {
      evidence.push_back({where, 0, key_ + " not set", expected});
    }
    evidence.back().ok = expect_.Test(value);
    if (!*evidence.back().ok) {
      bad.push_back(key_ + " is " + (value ? *value : std::string("not set")) + "; expected " +
                    expected);
    }
    if (format_ == ConfFormat::kSshd && match_blocks_) {
      for (const Setting* m : MatchBlockValues(*conf, key_)) {
        evidence.push_back(
            {m->file, m->line, "Match " + m->block + ": " + m->key + " " + m->value, expected});
        evidence.back().ok = expect_.Test(m->value);
        if (!*evidence.back().ok) {
          bad.push_back(key_ + " is " + m->value + " under Match " + m->block + "; expected " +
                        expected);
        }
      }
    }
    return Verdict(Join(bad, "; "), key_ + " is " + (value ? *value : std::string("not set")),
                   evidence);
  }

 private:
  static std::string Describe(const std::vector<std::string>& paths) {
    const std::string s = Join(paths, " ");
    return s.empty() ? "sysctl.d" : s;
  }
};

}  // namespace

CheckType ConfigOption() {
  return Define<ConfigOptionCheck>(
      "config_option", "A setting in a configuration file compared with an operator",
      {Required("format", &ConfigOptionCheck::format_name_, ParamType::kChoice,
                "sshd (first value wins, Match blocks, Include), keyvalue (key = value, last wins, "
                "[sections]), space (KEY value as login.defs, last wins), sysctl (sysctl.conf/.d)",
                {"sshd", "keyvalue", "space", "sysctl"}),
       Optional("path", &ConfigOptionCheck::paths_,
                "file(s) or globs read in order; sysctl defaults to systemd-sysctl's files"),
       Required("key", &ConfigOptionCheck::key_, "the setting's name"),
       Optional("op", ParamType::kOperator, "comparison", "eq", AllOperators()),
       Optional("value", ParamType::kScalarOrList, "operand (a list for in/not_in)"),
       Optional("default", &ConfigOptionCheck::default_, ParamType::kScalar,
                "the program's built-in value when the key is not set (else: not set)"),
       Optional("section", &ConfigOptionCheck::section_,
                "keyvalue only: the [section] the key is in"),
       Optional("match_blocks", &ConfigOptionCheck::match_blocks_,
                "sshd: every Match block that sets the key must also satisfy it", "true"),
       Optional("ignore_case", &ConfigOptionCheck::ignore_case_,
                "compare text case-insensitively (always for sshd)", "false")});
}

}  // namespace egov::checks::types
