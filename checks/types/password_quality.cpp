// password_quality: new passwords are held to a minimum length and number of character classes:
// pam_pwquality is installed and in the password stack of /etc/pam.d/common-password before
// pam_unix, with a control that makes its refusal final, and its settings (pwquality.conf.d/*.conf,
// then pwquality.conf, then the module's arguments, each overriding the one before) demand enough.
#include <map>

#include "checks/conf_parse.h"
#include "checks/host_files.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

constexpr const char* kPam = "/etc/pam.d/common-password";

struct PamLine {
  std::string type, control, module;
  std::vector<std::string> args;
  int line = 0;
  std::string text;
};

// `type control module args`, where control may be a bracketed list with spaces.
std::vector<PamLine> ParsePam(std::string_view text) {
  std::vector<PamLine> out;
  for (auto [n, raw] : NumberedLines(text)) {
    const auto line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    PamLine p;
    p.line = n;
    p.text = std::string(line);
    auto f = SplitFields(line);
    if (f.size() < 3) continue;
    p.type = std::string(f[0]);
    size_t k = 1;
    if (f[1].front() == '[') {
      while (k < f.size() && f[k].back() != ']') Append(p.control, f[k++], " ");
      if (k < f.size()) Append(p.control, f[k++], " ");
    } else {
      p.control = std::string(f[k++]);
    }
    if (k >= f.size()) continue;
    p.module = std::string(f[k++]);
    p.module = p.module.substr(p.module.rfind('/') + 1);
    for (; k < f.size(); ++k) p.args.emplace_back(f[k]);
    out.push_back(std::move(p));
  }
  return out;
}

// Whether a failure of the module ends the stack with a refusal.
bool Final(const std::string& control) {
  if (control == "required" || control == "requisite") return true;
  return control.find("default=die") != std::string::npos ||
         control.find("default=bad") != std::string::npos;
}

struct PasswordQualityCheck : Check {
  int64_t min_length_;
  int64_t min_classes_;

  void Validate(const Params& p) const {
    if (min_length_ < 6) p.Fail("min_length", "pwquality refuses less than 6");
    if (min_classes_ < 0 || min_classes_ > 4) p.Fail("min_classes", "expected 0 to 4");
  }

  Outcome Run(const HostContext& ctx) const override {
    const std::string expected =
        "pam_pwquality enforcing length >= " + std::to_string(min_length_) + ", " +
        std::to_string(min_classes_) + " character classes";
    const auto db = LoadDpkg(ctx);
    if (!db->installed.contains("libpam-pwquality")) {
      return Outcome::Fail(
          "libpam-pwquality is not installed",
          {{"/var/lib/dpkg/status", 0, "libpam-pwquality not installed", expected}});
    }
    const FileData pam = ctx.Read(kPam);
    if (!pam.ok() && !pam.missing()) return Outcome::Error(pam.message);
    const auto lines = ParsePam(pam.bytes);
    const PamLine* quality = nullptr;
    const PamLine* unix_line = nullptr;
    for (const auto& l : lines) {
      if (l.type != "password") continue;
      if (!quality && l.module == "pam_pwquality.so") quality = &l;
      if (!unix_line && l.module == "pam_unix.so") unix_line = &l;
    }
    std::vector<Evidence> ev;
    if (!quality) {
      ev.push_back({kPam, 0, "no password line with pam_pwquality.so", expected});
      return Outcome::Fail("pam_pwquality is not in the password stack", ev);
    }
    ev.push_back({kPam, quality->line, quality->text, expected, Final(quality->control)});
    std::string bad;
    if (!Final(quality->control)) {
      Append(bad, "pam_pwquality is '" + quality->control + "': a weak password still passes");
    }
    if (unix_line && unix_line->line < quality->line) {
      ev.push_back({kPam, unix_line->line, unix_line->text, "after pam_pwquality", false});
      Append(bad, "pam_unix comes before pam_pwquality and sets the password first");
    }
    // Settings: conf.d first, then pwquality.conf, then the module's own arguments.
    std::vector<std::string> files = ctx.Glob("/etc/security/pwquality.conf.d/*.conf");
    files.push_back("/etc/security/pwquality.conf");
    const auto conf = LoadConf(ctx, ConfFormat::kKeyValue, files);
    if (!conf->errors.empty()) return Outcome::Error(conf->errors.front());
    std::map<std::string, std::pair<std::string, Evidence>> value;  // key -> value, where
    for (const char* key :
         {"minlen", "minclass", "dcredit", "ucredit", "lcredit", "ocredit", "enforcing"}) {
      if (const Setting* s = Effective(*conf, ConfFormat::kKeyValue, key)) {
        value[key] = {s->value, {s->file, s->line, s->key + " = " + s->value, expected}};
      }
    }
    for (const auto& arg : quality->args) {
      const size_t eq = arg.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = arg.substr(0, eq);
      value[key] = {arg.substr(eq + 1),
                    {kPam, quality->line, arg + " (module argument)", expected}};
    }
    std::map<std::string, size_t> shown;  // key -> its evidence item
    auto number = [&](const char* key, int64_t fallback) {
      auto it = value.find(key);
      if (it == value.end()) return fallback;
      shown[key] = ev.size();
      ev.push_back(it->second.second);
      return ParseInt(it->second.first).value_or(fallback);
    };
    const int64_t minlen = number("minlen", 8);
    const int64_t minclass = number("minclass", 0);
    int64_t credit = 0, required_classes = 0;
    std::map<std::string, int64_t> credits;
    for (const char* key : {"dcredit", "ucredit", "lcredit", "ocredit"}) {
      const int64_t c = credits[key] = number(key, 0);
      if (c > 0) credit += c;  // a class present shortens the length needed
      if (c < 0) ++required_classes;
    }
    const int64_t length = std::max<int64_t>(6, minlen - credit);
    const int64_t classes = std::max(minclass, required_classes);
    const bool enforcing = number("enforcing", 1) != 0;
    // Each setting shown is judged by what it feeds: the length needed (minlen, positive
    // credits), the classes required (minclass, other credits) or enforcement.
    auto judge = [&](const std::string& key, bool ok) {
      if (auto it = shown.find(key); it != shown.end()) ev[it->second].ok = ok;
    };
    judge("minlen", length >= min_length_);
    judge("minclass", classes >= min_classes_);
    for (const auto& [key, c] : credits) {
      judge(key, c > 0 ? length >= min_length_ : classes >= min_classes_);
    }
    judge("enforcing", enforcing);
    if (!enforcing) Append(bad, "enforcing = 0: weak passwords only warn");
    if (length < min_length_) {
      Append(bad, "passwords of " + std::to_string(length) + " characters pass (minlen " +
                      std::to_string(minlen) +
                      (credit ? ", credits " + std::to_string(credit) : std::string()) + ")");
    }
    if (classes < min_classes_) {
      Append(bad, std::to_string(classes) + " character class(es) required");
    }
    if (!bad.empty()) return Outcome::Fail(bad + "; expected " + expected, ev);
    return Outcome::Pass("new passwords need " + std::to_string(length) + " characters and " +
                             std::to_string(classes) + " classes",
                         ev);
  }
};

}  // namespace

CheckType PasswordQuality() {
  return Define<PasswordQualityCheck>(
      "password_quality",
      "pam_pwquality enforces a minimum password length and character classes (PAM stack, "
      "pwquality.conf, conf.d and module arguments)",
      {Required("min_length", &PasswordQualityCheck::min_length_,
                "the shortest password that may pass (minlen less positive credits)"),
       Optional("min_classes", &PasswordQualityCheck::min_classes_,
                "character classes (digits, upper, lower, other) required: minclass, or one per "
                "negative credit",
                "0")});
}

}  // namespace egov::checks::types
