#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/outcome.h"
#include "common/clock.h"
#include "common/model.h"

// The check engine's public face: compile profiles once, run them against a root with waivers,
// get results as structs or as the `egov.results/v1` JSON of docs/results.md.
//
//   auto compiled = CompileProfile(profile, level);       // throws ConfigError (exit 2)
//   ScanResult r = RunScan({compiled}, {.root = "/", .host = "hn1-01", .waivers = w});
//   nlohmann::json j = ToJson(r);                         // what /api/v1/results serves
namespace egov::checks {

class CompiledProfile;  // opaque; shared and immutable once built

/// A profile whose checks are built and validated for one level (or none).
using CompiledProfilePtr = std::shared_ptr<const CompiledProfile>;

/// Builds every check of `profile` at `level` (nullopt: the profile's own `level`, else none).
/// Substitutes `${parameter}` values for that level. Throws ConfigError with file:line:col for
/// an unknown check type, a missing or mistyped parameter, a bad operator or an unknown
/// parameter or fact name; nothing is returned half-built.
CompiledProfilePtr CompileProfile(const Profile& profile, std::optional<int> level = std::nullopt);

/// Compiles every profile at every level it can be scanned at (its own level, else 1 to 5), as
/// `egovctl validate` does; throws one ConfigError listing every distinct problem.
void ValidateProfiles(const std::vector<Profile>& profiles);

/// The Circular 12/2022 annual-report verdict for a level.
enum class LevelVerdict { kMet, kPartlyMet, kNotMet };
const char* ToString(LevelVerdict verdict);

struct AppliedWaiver {
  std::string name;
  std::string reason;
  std::string approved_by;
  Date expires{};
};

struct ControlResult {
  std::string id;
  LocalizedText title;
  std::string group;
  std::string feature;
  Severity severity = Severity::kMedium;
  Status status = Status::kError;
  std::string reason;
  std::vector<Evidence> evidence;
  LocalizedText remediation;
  std::vector<std::string> references;
  std::string derived_from;
  double duration_seconds = 0;
  bool timed_out = false;  ///< abandoned on its timeout (an error, unless a waiver covers it)
  std::optional<AppliedWaiver> waiver;
};

struct Summary {
  int pass = 0, fail = 0, error = 0, skipped = 0, not_applicable = 0, waived = 0;
  int applicable = 0;
  double score = 1.0;               ///< pass / applicable; 1 when nothing applies
  double score_with_waivers = 1.0;  ///< (pass + waived) / applicable
};

struct FeatureResult {
  std::string group;
  std::string feature;
  bool passed = true;  ///< every applicable control passes or is waived
  int controls = 0;    ///< controls under the feature
  int applicable = 0;
  int failed = 0;  ///< fail or error
};

struct ProfileResult {
  std::string name;
  std::string version;
  LocalizedText title;
  std::optional<int> level;
  bool passed = true;  ///< no applicable control fails or errs (waived ones do not count)
  LevelVerdict level_verdict = LevelVerdict::kMet;
  Summary summary;
  std::vector<FeatureResult> features;
  std::vector<ControlResult> controls;
};

struct ScanResult {
  std::string agent_version;
  std::string agent_revision;
  std::string host;
  std::string root;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;
  double duration_seconds = 0;
  std::vector<ProfileResult> profiles;

  /// True when every profile passed (`egov-agent scan` exits 0).
  bool Passed() const;
  const ProfileResult* Find(const std::string& profile) const;
};

struct ScanOptions {
  std::string root = "/";
  std::string host;                         ///< matched against waiver host patterns
  std::vector<Waiver> waivers;              ///< expired ones are ignored by themselves
  Date today = Today();                     ///< the day waivers are judged on
  std::chrono::milliseconds timeout{5000};  ///< per control, unless the control sets its own
  int workers = 4;                          ///< threads checks run on
};

/// Runs every control of every profile against `options.root`. Never throws for what it finds:
/// a failing, erring or hanging check becomes that control's result and the others go on.
/// Thread-safe: the compiled profiles may be shared by concurrent scans.
ScanResult RunScan(const std::vector<CompiledProfilePtr>& profiles, const ScanOptions& options);

/// Recomputes summary, features, verdicts and `passed` from the controls (used by RunScan).
void Summarize(ProfileResult& profile);

/// The `egov.results/v1` document (docs/results.md).
nlohmann::json ToJson(const ScanResult& result);
/// A profile's `summary`, its members in the order of docs/results.md.
nlohmann::ordered_json SummaryToJson(const Summary& summary);
/// A control's `evidence` as the document writes it.
nlohmann::json EvidenceToJson(const std::vector<Evidence>& evidence);
/// Parses the text of a results document as JSON. Nesting deeper than 64 levels is refused
/// before parsing, so that a hostile document cannot exhaust the stack. Throws ConfigError
/// naming `source`.
nlohmann::json ParseResultsJson(std::string_view text, const std::string& source);
/// Reads an `egov.results/v1` document: the one reader of scan results in the code base.
/// Throws ConfigError naming `source` and the field when it is not one.
ScanResult ScanResultFromJson(const nlohmann::json& json, const std::string& source);

/// `2026-11-23T01:02:03Z` and its reader (common/clock.h).
using egov::FormatTimestamp;
using egov::ParseTimestamp;

}  // namespace egov::checks
