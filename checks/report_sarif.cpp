#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "checks/report_internal.h"
#include "common/version.h"

namespace egov::checks {
namespace {

const char* Level(const ControlResult& c) {
  if (c.status == Status::kError) return "error";
  switch (c.severity) {
    case Severity::kLow:
      return "note";
    case Severity::kMedium:
      return "warning";
    default:
      return "error";
  }
}

// A path as a URI reference: bytes other than unreserved ones and `/` percent-encoded.
std::string UriPath(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

// SARIF 2.1.0: a rule per control, a result per control that fails, errs or is waived (waived
// ones carry an accepted suppression, as code-scanning tools expect). Locations are relative to
// the scanned root (uriBaseId ROOT, given in originalUriBaseIds), never paths of the scanning
// machine.
void WriteSarif(const ScanResult& r, std::ostream& out) {
  using nlohmann::json;
  json rules = json::array(), results = json::array();
  for (const auto& p : r.profiles) {
    for (const auto& c : p.controls) {
      const std::string rule_id = p.name + "/" + c.id;
      json help = c.remediation.en + (c.remediation.vi.empty() ? "" : "\n" + c.remediation.vi);
      rules.push_back({{"id", rule_id},
                       {"name", c.id},
                       {"shortDescription", {{"text", c.title.en}}},
                       {"fullDescription", {{"text", c.title.vi + " / " + c.title.en}}},
                       {"help", {{"text", help}}},
                       {"properties",
                        {{"group", c.group},
                         {"feature", c.feature},
                         {"severity", egov::ToString(c.severity)},
                         {"references", c.references}}}});
      if (c.status != Status::kFail && c.status != Status::kError && c.status != Status::kWaived) {
        continue;
      }
      json locations = json::array();
      for (const auto& e : c.evidence) {
        if (e.source.empty() || e.source[0] != '/' || e.ok.value_or(false)) continue;
        json region = e.line > 0 ? json{{"startLine", e.line}} : json::object();
        json physical = {
            {"artifactLocation", {{"uri", UriPath(e.source.substr(1))}, {"uriBaseId", "ROOT"}}}};
        if (e.line > 0) physical["region"] = region;
        locations.push_back(
            {{"physicalLocation", physical},
             {"message", {{"text", e.observed + " (expected " + e.expected + ")"}}}});
        if (locations.size() >= 10) break;
      }
      json result = {{"ruleId", rule_id},
                     {"level", Level(c)},
                     {"message", {{"text", c.reason}}},
                     {"locations", locations},
                     {"properties", {{"status", ToString(c.status)}, {"host", r.host}}}};
      if (c.waiver) {
        result["suppressions"] = json::array(
            {{{"kind", "external"},
              {"status", "accepted"},
              {"justification", c.waiver->reason + " (approved by " + c.waiver->approved_by +
                                    ", until " + FormatDate(c.waiver->expires) + ")"}}});
      }
      results.push_back(std::move(result));
    }
  }
  std::error_code ec;
  std::string root =
      std::filesystem::absolute(r.root.empty() ? "/" : r.root, ec).lexically_normal().string();
  if (root.empty() || root.back() != '/') root += '/';
  json doc = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       json::array({{{"tool",
                      {{"driver",
                        {{"name", "egov-agent"},
                         {"version", kVersion},
                         {"informationUri", "https://egov-cloud.vn/docs/checks"},
                         {"rules", rules}}}}},
                     {"invocations", json::array({{{"executionSuccessful", true},
                                                   {"startTimeUtc", FormatTimestamp(r.started_at)},
                                                   {"endTimeUtc", FormatTimestamp(r.finished_at)},
                                                   {"machine", r.host}}})},
                     {"originalUriBaseIds",
                      {{"ROOT",
                        {{"uri", "file://" + UriPath(root)},
                         {"description", {{"text", "the root the scan read (--root)"}}}}}}},
                     {"results", results}}})}};
  out << doc.dump(2) << "\n";
}

}  // namespace egov::checks
