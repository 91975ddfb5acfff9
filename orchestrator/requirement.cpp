#include "orchestrator/requirement.h"

#include <vector>

namespace egov::orchestrator {
namespace {

// "decree85 at level 3", or the bare name of an entry that carries no level.
std::string Describe(const checks::ProfileResult& p) {
  return p.level ? p.name + " at level " + std::to_string(*p.level) : p.name;
}

std::string List(const std::vector<const checks::ProfileResult*>& entries) {
  std::string out;
  for (const auto* p : entries) out += (out.empty() ? "" : ", ") + Describe(*p);
  return out;
}

// "decree85-level4 or decree85 at level ≥ 4", or the profile's name.
std::string Wanted(const Requirement& r) {
  return r.base.empty() ? r.profile
                        : r.profile + " or " + r.base + " at level ≥ " + std::to_string(r.level);
}

bool Matches(const checks::ProfileResult& p, const Requirement& r) {
  return p.name == r.profile || (!r.base.empty() && p.name == r.base);
}

}  // namespace

Requirement ParseRequirement(const std::string& profile) {
  static const std::string kSuffix = "-level";
  const size_t at = profile.rfind(kSuffix);
  if (at != std::string::npos && at > 0 && at + kSuffix.size() + 1 == profile.size()) {
    const char digit = profile.back();
    if (digit >= '1' && digit <= '9') return {profile, profile.substr(0, at), digit - '0'};
  }
  return {profile, "", 0};
}

const checks::ProfileResult* Qualifying(const checks::ScanResult& scan, const Requirement& r) {
  const checks::ProfileResult* first = nullptr;
  for (const auto& p : scan.profiles) {
    if (!Matches(p, r) || p.level.value_or(r.level) < r.level) continue;
    if (p.passed) return &p;
    if (!first) first = &p;
  }
  return first;
}

Verdict Judge(const checks::ScanResult& scan, const Requirement& r) {
  if (const checks::ProfileResult* p = Qualifying(scan, r)) {
    if (p->passed) return {Compliance::kPass, ""};
    return {Compliance::kFail,
            "result has " + Describe(*p) + " failing: " + std::to_string(p->summary.fail) +
                " control(s) fail, " + std::to_string(p->summary.error) + " in error"};
  }
  std::vector<const checks::ProfileResult*> too_low, all;
  for (const auto& p : scan.profiles) {
    all.push_back(&p);
    if (Matches(p, r)) too_low.push_back(&p);
  }
  if (!too_low.empty()) {
    return {Compliance::kUnknown, "result has " + List(too_low) + "; level " +
                                      std::to_string(r.level) + " needs " + r.base +
                                      " at level ≥ " + std::to_string(r.level)};
  }
  return {Compliance::kUnknown,
          "result has no " + Wanted(r) +
              (all.empty() ? " (it has no profile)" : " (it has " + List(all) + ")")};
}

}  // namespace egov::orchestrator
