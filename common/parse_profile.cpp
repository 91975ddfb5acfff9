#include <algorithm>
#include <set>

#include "common/parse_kinds.h"

namespace egov::detail {

using yaml::Context;
using yaml::MapReader;

namespace {

constexpr size_t kMaxCheckDepth = 8;

bool IsControlId(const std::string& s) {
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  return !s.empty() && s.size() <= 128 && alnum(s[0]) &&
         std::all_of(s.begin(), s.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsCombinator(const std::string& type) {
  return type == "all" || type == "any" || type == "none";
}

std::optional<CheckSpec> ReadCheck(const Context& ctx, const YAML::Node& node,
                                   const std::string& what, size_t depth) {
  if (depth > kMaxCheckDepth) {
    ctx.Error(node, what + ": combinators nested deeper than " + std::to_string(kMaxCheckDepth) +
                        " levels; expected a flatter check");
    return std::nullopt;
  }
  if (!node.IsMap()) {
    ctx.Error(node, what + ": expected a mapping with 'type' and the check's parameters, got " +
                        yaml::Describe(node));
    return std::nullopt;
  }
  CheckSpec spec;
  spec.pos = ctx.Pos(node);
  bool ok = true;
  bool has_type = false;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    auto key = yaml::String(ctx, kv.first, what + " key");
    if (!key) {
      ok = false;
      continue;
    }
    if (!seen.insert(*key).second) {
      ctx.Error(kv.first, what + ": duplicate key '" + *key + "'");
      ok = false;
      continue;
    }
    if (*key == "type") {
      auto type = yaml::String(ctx, kv.second, what + ".type");
      if (type) spec.type = *type;
      has_type = type.has_value();
      ok = ok && has_type;
    }
  }
  if (!has_type) {
    if (ok)
      ctx.Error(node, what +
                          ": missing required key 'type' (expected a check type; "
                          "`egov-agent list-checks` lists them)");
    return std::nullopt;
  }
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    if (key == "type") continue;
    if (IsCombinator(spec.type) && key == "checks") {
      if (!kv.second.IsSequence() || kv.second.size() == 0) {
        ctx.Error(kv.second, what + ".checks: expected a non-empty sequence of checks, got " +
                                 yaml::Describe(kv.second));
        ok = false;
        continue;
      }
      for (size_t i = 0; i < kv.second.size(); ++i) {
        auto child =
            ReadCheck(ctx, kv.second[i], what + ".checks[" + std::to_string(i) + "]", depth + 1);
        if (child) spec.children.push_back(std::move(*child));
        ok = ok && child;
      }
      continue;
    }
    auto value = yaml::ToJson(ctx, kv.second, what + "." + key);
    if (!value) {
      ok = false;
      continue;
    }
    spec.params[key] = std::move(*value);
    spec.param_pos[key] = ctx.Pos(kv.second);
  }
  if (IsCombinator(spec.type) && spec.children.empty() && ok) {
    ctx.Error(node, what + ": missing required key 'checks' (expected the checks that '" +
                        spec.type + "' combines)");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return spec;
}

std::optional<Control> ReadControl(const Context& ctx, const YAML::Node& node,
                                   const std::string& what) {
  MapReader r(ctx, node, what);
  if (!r.ok()) return std::nullopt;
  Control c;
  c.pos = ctx.Pos(node);
  auto id = r.String("id", true);
  const std::string cw = id ? "control " + *id : what;
  if (id && !IsControlId(*id)) {
    ctx.Error(r.Optional("id"), r.Name("id") +
                                    ": expected an id of letters, digits, '.', '_' "
                                    "and '-' (at most 128), got " +
                                    yaml::Describe(r.Optional("id")));
    id.reset();
  }
  YAML::Node title_node = r.Required("title", "a mapping with vi and en");
  auto title =
      title_node.IsDefined() ? ReadLocalized(ctx, title_node, cw + ".title") : std::nullopt;
  auto group = r.String("group", true);
  auto feature = r.String("feature", true);
  YAML::Node sev_node = r.Required("severity", "low, medium, high or critical");
  auto severity = sev_node.IsDefined()
                      ? ReadEnum<Severity>(ctx, sev_node, cw + ".severity", kSeverityNames)
                      : std::nullopt;
  bool ok = id && title && group && feature && severity;
  if (YAML::Node levels = r.Optional("levels"); levels.IsDefined() && !levels.IsNull()) {
    if (!levels.IsSequence() || levels.size() == 0) {
      ctx.Error(levels, cw + ".levels: expected a non-empty sequence of levels 1 to 5, got " +
                            yaml::Describe(levels));
      ok = false;
    } else {
      for (const auto& l : levels) {
        auto v = yaml::Integer(ctx, l, cw + ".levels[]", 1, 5);
        if (v) c.levels.push_back(static_cast<int>(*v));
        ok = ok && v;
      }
    }
  }
  if (YAML::Node a = r.Optional("applies_if"); a.IsDefined() && !a.IsNull()) {
    auto spec = ReadCheck(ctx, a, cw + ".applies_if", 0);
    if (spec) c.applies_if = std::move(*spec);
    ok = ok && spec;
  }
  YAML::Node check = r.Required("check", "a mapping with 'type' and parameters");
  std::optional<CheckSpec> spec;
  if (check.IsDefined()) spec = ReadCheck(ctx, check, cw + ".check", 0);
  ok = ok && spec;
  if (YAML::Node rem = r.Optional("remediation"); rem.IsDefined() && !rem.IsNull()) {
    auto text = ReadLocalized(ctx, rem, cw + ".remediation");
    if (text) c.remediation = *text;
    ok = ok && text;
  }
  if (YAML::Node refs = r.Optional("references"); refs.IsDefined() && !refs.IsNull()) {
    auto list = ReadStringList(ctx, refs, cw + ".references");
    if (list) c.references = *list;
    ok = ok && list;
  }
  auto derived = r.String("derived_from", false);
  if (YAML::Node t = r.Optional("timeout"); t.IsDefined() && !t.IsNull()) {
    auto ms = t.IsScalar() ? ParseDuration(t.Scalar()) : std::nullopt;
    if (!ms || ms->count() <= 0 || *ms > std::chrono::hours(1)) {
      ctx.Error(t, cw + ".timeout: expected a duration between 1ms and 1h such as 10s, got " +
                       yaml::Describe(t));
      ok = false;
    } else {
      c.timeout = *ms;
    }
  }
  r.Finish();
  if (!ok) return std::nullopt;
  c.id = *id;
  c.title = *title;
  c.group = *group;
  c.feature = *feature;
  c.severity = *severity;
  c.check = std::move(*spec);
  c.derived_from = derived.value_or("");
  return c;
}

}  // namespace

std::optional<Profile> ParseProfile(MapReader& doc) {
  const Context& ctx = doc.ctx();
  Profile p;
  YAML::Node title_node = doc.Required("title", "a mapping with vi and en");
  auto title =
      title_node.IsDefined() ? ReadLocalized(ctx, title_node, doc.Name("title")) : std::nullopt;
  auto version = doc.String("version", false);
  auto description = doc.String("description", false);
  auto profile_level = doc.Integer("level", false, 1, 5);
  std::optional<std::string> extends;
  if (YAML::Node e = doc.Optional("extends"); e.IsDefined() && !e.IsNull()) {
    extends = ReadName(ctx, e, doc.Name("extends"));
  }
  bool ok = title.has_value() && (!doc.Optional("level").IsDefined() || profile_level) &&
            (!doc.Optional("extends").IsDefined() || extends);
  if (YAML::Node facts = doc.Optional("facts"); facts.IsDefined() && !facts.IsNull()) {
    if (!facts.IsMap()) {
      ctx.Error(facts, doc.Name("facts") + ": expected a mapping of fact names to checks, got " +
                           yaml::Describe(facts));
      ok = false;
    } else {
      for (const auto& kv : facts) {
        auto fname = yaml::String(ctx, kv.first, doc.Name("facts") + " key");
        auto spec = ReadCheck(ctx, kv.second, doc.Name("facts." + fname.value_or("?")), 0);
        if (fname && spec) p.facts[*fname] = std::move(*spec);
        ok = ok && fname && spec;
      }
    }
  }
  if (YAML::Node params = doc.Optional("parameters"); params.IsDefined() && !params.IsNull()) {
    if (!params.IsMap()) {
      ctx.Error(params, doc.Name("parameters") +
                            ": expected a mapping of parameter names to "
                            "values per level, got " +
                            yaml::Describe(params));
      ok = false;
    } else {
      for (const auto& kv : params) {
        auto pname = yaml::String(ctx, kv.first, doc.Name("parameters") + " key");
        if (!pname) {
          ok = false;
          continue;
        }
        const std::string pw = doc.Name("parameters." + *pname);
        auto& per_level = p.parameters[*pname];
        if (kv.second.IsMap()) {
          for (const auto& lv : kv.second) {
            auto level = yaml::Integer(ctx, lv.first, pw + " level", 1, 5);
            auto value = yaml::ToJson(ctx, lv.second, pw);
            if (level && value) per_level[static_cast<int>(*level)] = *value;
            ok = ok && level && value;
          }
        } else {
          auto value = yaml::ToJson(ctx, kv.second, pw);
          if (value) {
            for (int l = 1; l <= 5; ++l) per_level[l] = *value;
          }
          ok = ok && value;
        }
      }
    }
  }
  // A profile that extends another may add no controls of its own.
  YAML::Node controls =
      extends ? doc.Optional("controls") : doc.Required("controls", "a sequence of controls");
  if (controls.IsDefined() && !(extends && controls.IsNull())) {
    std::map<std::string, int> line_of;
    auto read_control = [&](const YAML::Node& item, const std::string& item_what) {
      auto c = ReadControl(ctx, item, item_what);
      if (!c) return false;
      if (auto [it, fresh] = line_of.emplace(c->id, c->pos.line); !fresh) {
        ctx.Error(item, doc.Name("controls") + ": duplicate control id '" + c->id +
                            "' (first at line " + std::to_string(it->second) + ")");
        return false;
      }
      p.controls.push_back(std::move(*c));
      return true;
    };
    ok = ReadEach(ctx, controls, doc.Name("controls"), "controls", read_control) && ok;
  } else if (!extends) {
    ok = false;
  }
  doc.Finish();
  if (!ok) return std::nullopt;
  p.level = static_cast<int>(profile_level.value_or(0));
  p.extends = extends.value_or("");
  p.title = *title;
  p.version = version.value_or("");
  p.description = description.value_or("");
  return p;
}

}  // namespace egov::detail
