#pragma once

#include <optional>
#include <string>
#include <vector>

// What one check found: a value, never an exception.
namespace egov::checks {

/// A control's or check's status, as results carry it (docs/results.md).
enum class Status { kPass, kFail, kError, kSkipped, kNotApplicable, kWaived };

/// `pass`, `fail`, `error`, `skipped`, `not_applicable`, `waived`.
const char* ToString(Status status);
/// The inverse of ToString; false when `text` is none of them.
bool ParseStatus(const std::string& text, Status& status);
/// True unless `status` is not_applicable or skipped: the control counts in a score.
bool IsApplicable(Status status);
/// True for pass and waived: what a feature or a level needs from each applicable control.
bool IsSatisfied(Status status);

/// One observation backing a result: what was found, where, and what was asked for.
struct Evidence {
  std::string source;    ///< path as seen inside the scanned root, or a URL / libvirt URI
  int line = 0;          ///< line of `source` the value came from; 0 when not from one line
  std::string observed;  ///< what was found
  std::string expected;  ///< what the check asks for
  /// Whether this item meets `expected`. A check that judges several items sets it per item; an
  /// item left unset takes its check's verdict (Outcome::Pass / Fail), so a failed control tells
  /// its violations from the compliant items listed beside them.
  std::optional<bool> ok = std::nullopt;

  bool operator==(const Evidence&) const = default;
};

/// The outcome of running one check.
struct Outcome {
  Status status = Status::kError;
  std::string reason;  ///< one line saying why, for people
  std::vector<Evidence> evidence;

  static Outcome Pass(std::string reason, std::vector<Evidence> evidence = {});
  static Outcome Fail(std::string reason, std::vector<Evidence> evidence = {});
  static Outcome Error(std::string reason, std::vector<Evidence> evidence = {});
  static Outcome Skipped(std::string reason);
  static Outcome NotApplicable(std::string reason);
};

}  // namespace egov::checks
