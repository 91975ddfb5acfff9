#include <algorithm>
#include <set>

#include "checks/compiled.h"
#include "checks/registry.h"

namespace egov::checks {
namespace {

class CombinatorCheck : public Check {
 public:
  CombinatorCheck(std::string kind, std::vector<std::shared_ptr<const Check>> children)
      : kind_(std::move(kind)), children_(std::move(children)) {}

  Outcome Run(const HostContext& ctx) const override {
    std::vector<Outcome> parts;
    parts.reserve(children_.size());
    for (const auto& c : children_) parts.push_back(c->Run(ctx));
    return Combine(kind_, parts);
  }

 private:
  std::string kind_;
  std::vector<std::shared_ptr<const Check>> children_;
};

// A named check of the profile, evaluated once per scan however many controls use it.
class FactCheck : public Check {
 public:
  FactCheck(std::string key, std::shared_ptr<const Check> inner)
      : key_(std::move(key)), inner_(std::move(inner)) {}

  Outcome Run(const HostContext& ctx) const override {
    return *ctx.Memo<Outcome>(key_, [&] { return inner_->Run(ctx); });
  }

 private:
  std::string key_;
  std::shared_ptr<const Check> inner_;
};

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

class Compiler {
 public:
  Compiler(const Profile& profile, std::optional<int> level) : profile_(profile), level_(level) {}

  std::shared_ptr<const Check> Build(const CheckSpec& spec) {
    if (spec.type == "all" || spec.type == "any" || spec.type == "none") {
      if (!spec.params.empty()) {
        const std::string key = spec.params.begin().key();
        throw ConfigError(PosOf(spec, key), "check type '" + spec.type +
                                                "' takes only 'checks'; "
                                                "unexpected parameter '" +
                                                key + "'");
      }
      std::vector<std::shared_ptr<const Check>> children;
      for (const auto& child : spec.children) children.push_back(Build(child));
      return std::make_shared<CombinatorCheck>(spec.type, std::move(children));
    }
    if (spec.type == "fact") return BuildFact(spec);
    const CheckType* type = FindCheckType(spec.type);
    if (!type) {
      std::vector<std::string> names = {"all", "any", "none", "fact"};
      for (const auto& t : CheckTypes()) names.push_back(t.name);
      throw ConfigError(spec.pos,
                        "unknown check type '" + spec.type + "'; expected one of: " + Join(names));
    }
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [key, value] : spec.params.items()) {
      values[key] = Substitute(value, PosOf(spec, key));
    }
    Params params = ValidateParams(*type, values, spec.param_pos, spec.pos);
    return type->make(params);
  }

  static SourcePos PosOf(const CheckSpec& spec, const std::string& key) {
    auto it = spec.param_pos.find(key);
    return it == spec.param_pos.end() ? spec.pos : it->second;
  }

  std::shared_ptr<const Check> BuildFact(const CheckSpec& spec) {
    if (spec.params.size() != 1 || !spec.params.contains("name") ||
        !spec.params["name"].is_string()) {
      throw ConfigError(spec.pos,
                        "check type 'fact' takes one parameter 'name' (a fact of the "
                        "profile)");
    }
    const std::string name = spec.params["name"];
    auto done = facts_.find(name);
    if (done != facts_.end()) return done->second;
    auto it = profile_.facts.find(name);
    if (it == profile_.facts.end()) {
      std::vector<std::string> known;
      for (const auto& [n, _] : profile_.facts) known.push_back(n);
      throw ConfigError(PosOf(spec, "name"),
                        "fact '" + name + "' is not defined in profile '" + profile_.name +
                            "'; expected one of: " + (known.empty() ? "(none)" : Join(known)));
    }
    if (!building_.insert(name).second) {
      throw ConfigError(PosOf(spec, "name"), "fact '" + name + "' refers to itself");
    }
    auto check =
        std::make_shared<FactCheck>("fact/" + profile_.name + "/" + name, Build(it->second));
    building_.erase(name);
    facts_[name] = check;
    return check;
  }

  /// Text with ${name} replaced by the parameter values.
  std::string Text(const std::string& s, const SourcePos& pos) {
    const nlohmann::json v = Substitute(nlohmann::json(s), pos);
    return v.is_string() ? v.get<std::string>() : v.dump();
  }

 private:
  // Replaces ${name} with the profile parameter's value at the level being compiled.
  nlohmann::json Substitute(const nlohmann::json& value, const SourcePos& pos) {
    if (value.is_array()) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : value) out.push_back(Substitute(v, pos));
      return out;
    }
    if (value.is_object()) {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, v] : value.items()) out[k] = Substitute(v, pos);
      return out;
    }
    if (!value.is_string()) return value;
    const std::string s = value.get<std::string>();
    if (s.find("${") == std::string::npos) return value;
    std::string text;
    for (size_t i = 0; i < s.size();) {
      const size_t open = s.find("${", i);
      const size_t close = open == std::string::npos ? open : s.find('}', open);
      if (close == std::string::npos) {
        text += s.substr(i);
        break;
      }
      const nlohmann::json v = Parameter(s.substr(open + 2, close - open - 2), pos);
      if (open == 0 && close == s.size() - 1) return v;  // the whole value: keep its type
      text += s.substr(i, open - i);
      text += v.is_string() ? v.get<std::string>() : v.dump();
      i = close + 1;
    }
    return text;
  }

  nlohmann::json Parameter(const std::string& name, const SourcePos& pos) {
    auto it = profile_.parameters.find(name);
    if (it == profile_.parameters.end()) {
      std::vector<std::string> known;
      for (const auto& [n, _] : profile_.parameters) known.push_back(n);
      throw ConfigError(pos, "unknown parameter '${" + name + "}' in profile '" + profile_.name +
                                 "'; expected one of: " + (known.empty() ? "(none)" : Join(known)));
    }
    const auto& per_level = it->second;
    if (level_) {
      auto v = per_level.find(*level_);
      if (v == per_level.end()) {
        throw ConfigError(
            pos, "parameter '" + name + "' has no value for level " + std::to_string(*level_));
      }
      return v->second;
    }
    const bool uniform = per_level.size() == 5 &&
                         std::all_of(per_level.begin(), per_level.end(), [&](const auto& kv) {
                           return kv.second == per_level.begin()->second;
                         });
    if (!uniform) {
      throw ConfigError(pos, "parameter '" + name +
                                 "' depends on the level; scan with --level "
                                 "1-5 or with a profile that sets 'level'");
    }
    return per_level.begin()->second;
  }

  const Profile& profile_;
  std::optional<int> level_;
  std::map<std::string, std::shared_ptr<const Check>> facts_;
  std::set<std::string> building_;
};

std::string LevelList(const std::vector<int>& levels) {
  std::string s;
  for (int l : levels) s += (s.empty() ? "" : ", ") + std::to_string(l);
  return s;
}

}  // namespace

CompiledProfilePtr CompileProfile(const Profile& profile, std::optional<int> level) {
  auto out = std::make_shared<CompiledProfile>();
  out->profile = profile;
  if (level && profile.level && *level != profile.level) {
    throw ConfigError(profile.pos, "profile '" + profile.name + "' is fixed at level " +
                                       std::to_string(profile.level) +
                                       "; cannot scan it at level " + std::to_string(*level));
  }
  out->level = level ? level : (profile.level ? std::optional<int>(profile.level) : std::nullopt);
  Compiler compiler(out->profile, out->level);
  std::vector<Diagnostic> problems;
  for (auto& control : out->profile.controls) {
    CompiledControl cc;
    cc.control = &control;
    cc.timeout = control.timeout;
    if (out->level && !control.levels.empty() &&
        std::find(control.levels.begin(), control.levels.end(), *out->level) ==
            control.levels.end()) {
      cc.not_applicable = "applies to level " + LevelList(control.levels) + "; scanned at level " +
                          std::to_string(*out->level);
      out->controls.push_back(std::move(cc));
      continue;
    }
    try {
      if (control.applies_if) cc.applies_if = compiler.Build(*control.applies_if);
      cc.check = compiler.Build(control.check);
      // Remediation may quote thresholds: "chage -M ${password_max_days}".
      control.remediation.vi = compiler.Text(control.remediation.vi, control.pos);
      control.remediation.en = compiler.Text(control.remediation.en, control.pos);
    } catch (const ConfigError& e) {
      for (auto d : e.diagnostics()) {
        d.message = "control " + control.id + ": " + d.message;
        problems.push_back(std::move(d));
      }
    }
    out->controls.push_back(std::move(cc));
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return out;
}

void ValidateProfiles(const std::vector<Profile>& profiles) {
  std::vector<Diagnostic> problems;
  std::set<std::string> seen;
  for (const auto& p : profiles) {
    std::vector<std::optional<int>> levels;
    if (p.level) {
      levels.push_back(p.level);
    } else {
      for (int l = 1; l <= 5; ++l) levels.push_back(l);
    }
    for (const auto& level : levels) {
      try {
        CompileProfile(p, level);
      } catch (const ConfigError& e) {
        for (const auto& d : e.diagnostics()) {
          if (seen.insert(FormatDiagnostic(d)).second) problems.push_back(d);
        }
      }
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
}

Outcome Combine(const std::string& combinator, const std::vector<Outcome>& parts) {
  int pass = 0, fail = 0, error = 0, skipped = 0;
  std::vector<Evidence> evidence;
  std::string reasons;
  for (const auto& p : parts) {
    pass += p.status == Status::kPass;
    fail += p.status == Status::kFail;
    error += p.status == Status::kError;
    skipped += p.status == Status::kSkipped;
    for (Evidence e : p.evidence) {
      // Under `none` what a part meets is what the control forbids.
      if (e.ok && combinator == "none") e.ok = !*e.ok;
      // What a part that erred shows was not found to meet anything, whatever the others decide
      // (an `any` passing on another part).
      if (!e.ok && p.status == Status::kError) e.ok = false;
      evidence.push_back(std::move(e));
    }
  }
  auto collect = [&](Status s) {
    std::string r;
    for (const auto& p : parts) {
      if (p.status == s) r += (r.empty() ? "" : "; ") + p.reason;
    }
    return r;
  };
  const int decided = pass + fail + error;
  if (decided == 0) {
    return skipped ? Outcome::Skipped(collect(Status::kSkipped))
                   : Outcome::NotApplicable(collect(Status::kNotApplicable));
  }
  if (combinator == "all") {
    if (fail) return Outcome::Fail(collect(Status::kFail), evidence);
    if (error) return Outcome::Error(collect(Status::kError), evidence);
    return Outcome::Pass(collect(Status::kPass), evidence);
  }
  if (combinator == "any") {
    if (pass) return Outcome::Pass(collect(Status::kPass), evidence);
    if (error) return Outcome::Error(collect(Status::kError), evidence);
    return Outcome::Fail("none holds: " + collect(Status::kFail), evidence);
  }
  // none: passes only when no part passes.
  if (pass) return Outcome::Fail("must not hold: " + collect(Status::kPass), evidence);
  if (error) return Outcome::Error(collect(Status::kError), evidence);
  return Outcome::Pass("none holds: " + collect(Status::kFail), evidence);
}

}  // namespace egov::checks
