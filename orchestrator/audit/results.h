#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/model.h"

// One host's scan results (docs/results.md, schema egov.results/v1) as the audit reads them.
// Parsing is pure: bytes in, a value out; a malformed document is an error value, never a throw.
namespace egov::orchestrator::audit {

using Timestamp = std::chrono::sys_seconds;

/// Parses RFC 3339 (`2026-11-23T01:02:03Z`, fractional seconds and `+07:00` offsets allowed).
std::optional<Timestamp> ParseTimestamp(std::string_view text);
/// Formats as `2026-11-23T01:02:03Z`.
std::string FormatTimestamp(Timestamp t);
/// Lower-case hex SHA-256 of `bytes` (OpenSSL).
std::string Sha256Hex(std::string_view bytes);

/// A waiver attached to a control, by the agent or by the audit's own Waiver documents.
struct AppliedWaiver {
  std::string name;
  std::string reason;
  std::string approved_by;
  std::string expires;   ///< YYYY-MM-DD as written
  std::string source;    ///< "agent" or "inventory"
  bool expired = false;  ///< an agent's waiver that had expired on the audit date
};

struct ControlResult {
  std::string id;
  LocalizedText title;
  std::string group;
  std::string feature;
  std::string severity;
  std::string status;  ///< pass, fail, error, skipped, not_applicable, waived
  std::string reason;
  nlohmann::json evidence = nlohmann::json::array();
  LocalizedText remediation;
  std::optional<AppliedWaiver> waiver;
};

struct ProfileResult {
  std::string name;
  std::string version;
  LocalizedText title;
  int level = 0;
  std::vector<ControlResult> controls;
};

/// A libvirt domain the agent saw on its host (optional `domains` field, see docs/audit.md).
struct DomainRef {
  std::string name;
  std::string workload;
  int replica = 0;
};

struct HostResult {
  std::string host;
  std::string agent_version;
  std::string agent_revision;
  Timestamp started_at{};
  Timestamp finished_at{};
  std::vector<ProfileResult> profiles;
  std::optional<std::vector<DomainRef>> domains;  ///< absent when the agent does not say
  std::string canonical;  ///< the document re-serialised compact with sorted keys
  std::string sha256;     ///< SHA-256 of `canonical`

  const ProfileResult* FindProfile(const std::string& name) const;
};

/// Either a parsed result or why the bytes are not one.
struct ParsedResult {
  std::optional<HostResult> result;
  std::string error;
};

/// Parses and checks one results document. Nesting deeper than 64 levels, a wrong schema,
/// missing required fields and unknown statuses are errors.
ParsedResult ParseHostResult(std::string_view bytes);

/// True for the statuses that count as applicable (all but not_applicable and skipped).
bool IsApplicable(const std::string& status);
/// True for pass and waived: what a feature or level needs from each applicable control.
bool IsSatisfied(const std::string& status);

}  // namespace egov::orchestrator::audit
