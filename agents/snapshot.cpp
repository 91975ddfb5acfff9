#include "agents/snapshot.h"

#include <algorithm>

namespace egov::agent {

ScanState ScanStateFromScan(const checks::ScanResult& scan, double finished_at) {
  ScanState state;
  state.finished_at = finished_at;
  for (const auto& p : scan.profiles) {
    ProfileResult profile;
    profile.name = p.name;
    const checks::Summary& n = p.summary;
    profile.counts = {{"pass", n.pass},     {"fail", n.fail},
                      {"error", n.error},   {"skipped", n.skipped},
                      {"waived", n.waived}, {"not_applicable", n.not_applicable}};
    if (n.applicable > 0) profile.ratio = n.score;
    for (const auto& c : p.controls) {
      ControlResult control{
          c.id, c.group,     c.feature, ToString(c.severity), checks::ToString(c.status),
          {},   std::nullopt};
      if (c.waiver) {
        control.waiver = c.waiver->name;
        // A waiver applies through its expiry date (UTC), so it lapses at the next midnight.
        const auto end = c.waiver->expires + std::chrono::days(1);
        control.waiver_expiry = static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(end.time_since_epoch()).count());
      }
      profile.duration_seconds += c.duration_seconds;
      state.check_timeouts += c.timed_out;
      profile.controls.push_back(std::move(control));
    }
    for (const auto& f : p.features) profile.features.push_back({f.group, f.feature, f.passed});
    state.profiles.push_back(std::move(profile));
  }
  return state;
}

ScanState ScanStateFromResults(const nlohmann::json& results, double finished_at) {
  ScanState state =
      ScanStateFromScan(checks::ScanResultFromJson(results, "scan results"), finished_at);
  state.results_json = results.dump();
  return state;
}

bool StartupSettled(const Snapshot& s, bool scans, size_t probe_targets) {
  if (scans && s.scan_counters.scans == 0) return false;
  if (s.libvirt && !s.libvirt->up) return false;
  if (probe_targets == 0) return true;
  return s.probes && s.probes->size() >= probe_targets &&
         std::all_of(s.probes->begin(), s.probes->end(),
                     [](const ProbeState& p) { return p.probed; });
}

}  // namespace egov::agent
