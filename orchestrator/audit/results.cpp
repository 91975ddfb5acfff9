#include "orchestrator/audit/results.h"

#include <openssl/evp.h>

#include <array>
#include <cstdio>

#include "common/diagnostics.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The agent's own list of its domains: optional, and not part of egov.results/v1 proper, so
// entries that are not domains of a workload are passed over.
std::optional<std::vector<DomainRef>> ParseDomains(const json& doc) {
  auto it = doc.find("domains");
  if (it == doc.end() || !it->is_array()) return std::nullopt;
  std::vector<DomainRef> domains;
  for (const auto& d : *it) {
    if (!d.is_object()) continue;
    DomainRef ref{Str(d, "name"), Str(d, "workload"), 0};
    if (auto r = d.find("replica"); r != d.end() && r->is_number_integer()) {
      ref.replica = r->get<int>();
    }
    if (!ref.workload.empty()) domains.push_back(std::move(ref));
  }
  return domains;
}

}  // namespace

std::string FormatTimestamp(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

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
