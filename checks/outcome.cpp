#include "checks/outcome.h"

#include "common/enum_names.h"

namespace egov::checks {
namespace {

constexpr const char* kNames[] = {"pass", "fail", "error", "skipped", "not_applicable", "waived"};

Outcome Make(Status status, std::string reason, std::vector<Evidence> evidence) {
  if (status == Status::kPass || status == Status::kFail) {
    for (auto& e : evidence) {
      if (!e.ok) e.ok = status == Status::kPass;
    }
  }
  return Outcome{status, std::move(reason), std::move(evidence)};
}

}  // namespace

const char* ToString(Status status) { return EnumName(kNames, status); }

bool ParseStatus(const std::string& text, Status& status) {
  const auto parsed = EnumFromName<Status>(kNames, text);
  if (parsed) status = *parsed;
  return parsed.has_value();
}

bool IsApplicable(Status status) {
  return status != Status::kNotApplicable && status != Status::kSkipped;
}

bool IsSatisfied(Status status) { return status == Status::kPass || status == Status::kWaived; }

Outcome Outcome::Pass(std::string reason, std::vector<Evidence> evidence) {
  return Make(Status::kPass, std::move(reason), std::move(evidence));
}
Outcome Outcome::Fail(std::string reason, std::vector<Evidence> evidence) {
  return Make(Status::kFail, std::move(reason), std::move(evidence));
}
Outcome Outcome::Error(std::string reason, std::vector<Evidence> evidence) {
  return Make(Status::kError, std::move(reason), std::move(evidence));
}
Outcome Outcome::Skipped(std::string reason) {
  return Make(Status::kSkipped, std::move(reason), {});
}
Outcome Outcome::NotApplicable(std::string reason) {
  return Make(Status::kNotApplicable, std::move(reason), {});
}

}  // namespace egov::checks
