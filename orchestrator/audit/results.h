#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/scan.h"
#include "common/clock.h"
#include "common/digest.h"

// One host's scan results as the audit reads them: the one model of egov.results/v1
// (checks::ScanResult, read by checks::ScanResultFromJson) with what the audit adds: the
// document's canonical bytes and their SHA-256, which the report pins, and the optional
// `domains` list (docs/audit.md). Parsing is pure: bytes in, a value out; a malformed document
// is an error value, never a throw.
namespace egov::orchestrator::audit {

using Timestamp = std::chrono::sys_seconds;

using egov::FormatTimestamp;  // common/clock.h
using egov::Sha256Hex;        // common/digest.h

/// A libvirt domain the agent saw on its host (optional `domains` field, see docs/audit.md).
struct DomainRef {
  std::string name;
  std::string workload;
  int replica = 0;
};

struct HostResult {
  checks::ScanResult scan;
  std::optional<std::vector<DomainRef>> domains;  ///< absent when the agent does not say
  std::string canonical;  ///< the document re-serialised compact with sorted keys
  std::string sha256;     ///< SHA-256 of `canonical`
};

/// Either a parsed result or why the bytes are not one.
struct ParsedResult {
  std::optional<HostResult> result;
  std::string error;
};

/// Parses and checks one results document (checks::ParseResultsJson, ScanResultFromJson).
ParsedResult ParseHostResult(std::string_view bytes);

}  // namespace egov::orchestrator::audit
