#include "agents/snapshot.h"

#include <algorithm>
#include <stdexcept>

#include "common/units.h"

namespace egov::agent {

ScanState ScanStateFromResults(const nlohmann::json& results, double finished_at) {
  static const char* const kStatuses[] = {"pass",    "fail",           "error",
                                          "skipped", "not_applicable", "waived"};
  ScanState scan;
  scan.finished_at = finished_at;
  try {
    for (const auto& p : results.at("profiles")) {
      ProfileResult profile;
      profile.name = p.at("name").get<std::string>();
      for (const char* status : kStatuses) profile.counts[status] = 0;
      double control_seconds = 0;
      for (const auto& c : p.at("controls")) {
        ControlResult control;
        control.id = c.at("id").get<std::string>();
        control.group = c.at("group").get<std::string>();
        control.feature = c.at("feature").get<std::string>();
        control.severity = c.at("severity").get<std::string>();
        control.status = c.at("status").get<std::string>();
        if (!profile.counts.contains(control.status)) {
          throw std::runtime_error("control " + control.id + " has unknown status '" +
                                   control.status + "'");
        }
        ++profile.counts[control.status];
        if (const auto w = c.find("waiver"); w != c.end() && w->is_object()) {
          control.waiver = w->value("name", "");
          if (auto expires = ParseDate(w->value("expires", ""))) {
            // A waiver applies through its expiry date (UTC), so it lapses at the next midnight.
            const auto end = *expires + std::chrono::days(1);
            control.waiver_expiry = static_cast<double>(
                std::chrono::duration_cast<std::chrono::seconds>(end.time_since_epoch()).count());
          }
        }
        control_seconds += c.value("duration_seconds", 0.0);
        profile.controls.push_back(std::move(control));
      }
      for (const auto& f : p.at("features")) {
        profile.features.push_back({f.at("group").get<std::string>(),
                                    f.at("feature").get<std::string>(),
                                    f.at("passed").get<bool>()});
      }
      const int applicable = profile.counts["pass"] + profile.counts["fail"] +
                             profile.counts["error"] + profile.counts["waived"];
      if (applicable > 0) profile.ratio = static_cast<double>(profile.counts["pass"]) / applicable;
      profile.duration_seconds = p.value("duration_seconds", control_seconds);
      scan.profiles.push_back(std::move(profile));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("results document does not follow egov.results/v1: ") +
                             e.what());
  }
  scan.results_json = results.dump();
  return scan;
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
