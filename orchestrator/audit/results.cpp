#include "orchestrator/audit/results.h"

#include "common/diagnostics.h"
#include "orchestrator/audit/fields.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::json;

// The agent's own list of its domains: optional, and not part of egov.results/v1 proper, so
// entries that are not domains of a workload are passed over.
std::optional<std::vector<DomainRef>> ParseDomains(const json& doc) {
  auto it = doc.find("domains");
  if (it == doc.end() || !it->is_array()) return std::nullopt;
  std::vector<DomainRef> domains;
  for (const auto& d : *it) {
    if (!d.is_object()) continue;
    DomainRef ref{StringField(d, "name"), StringField(d, "workload"), 0};
    if (auto r = d.find("replica"); r != d.end() && r->is_number_integer()) {
      ref.replica = r->get<int>();
    }
    if (!ref.workload.empty()) domains.push_back(std::move(ref));
  }
  return domains;
}

}  // namespace

ParsedResult ParseHostResult(std::string_view bytes) {
  try {
    const json doc = checks::ParseResultsJson(bytes, "result");
    HostResult r;
    r.scan = checks::ScanResultFromJson(doc, "result");
    r.domains = ParseDomains(doc);
    r.canonical = doc.dump();
    r.sha256 = Sha256Hex(r.canonical);
    return {std::move(r), {}};
  } catch (const ConfigError& e) {
    return {std::nullopt, e.diagnostics().front().message};
  }
}

}  // namespace egov::orchestrator::audit
