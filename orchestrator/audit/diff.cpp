#include "orchestrator/audit/diff.h"

#include <map>
#include <ostream>
#include <tuple>

#include "orchestrator/audit/fields.h"

namespace egov::orchestrator::audit {
namespace {

using nlohmann::ordered_json;

std::string S(const ordered_json& j, const char* key) { return StringField(j, key); }

// A member, or an empty value when it is absent (reports read from CSV carry less).
const ordered_json& Get(const ordered_json& j, const char* key) {
  static const ordered_json kEmpty;
  auto it = j.find(key);
  return it != j.end() ? *it : kEmpty;
}

bool Failing(const std::string& status) { return status == "fail" || status == "error"; }

// Higher is better; anything that moves down is a regression (unknown is never passing).
int Rank(const std::string& verdict) {
  if (verdict == "pass" || verdict == "met" || verdict == "not_applicable" ||
      verdict == "not_required") {
    return 3;
  }
  if (verdict == "partly_met") return 2;
  if (verdict == "fail" || verdict == "not_met") return 1;
  return 0;
}

struct HostView {
  std::string status, reason;
  std::map<std::pair<std::string, std::string>, std::string> controls;  // (profile, id)
};

std::map<std::string, HostView> Hosts(const ordered_json& report) {
  std::map<std::string, HostView> out;
  for (const auto& h : Get(report, "hosts")) {
    HostView& v = out[S(h, "name")];
    v.status = S(h, "status");
    v.reason = S(h, "reason");
    for (const auto& p : Get(h, "profiles")) {
      const auto& statuses = Get(p, "statuses");
      for (const auto& [id, status] : statuses.items()) {
        v.controls[{S(p, "name"), id}] = status.get<std::string>();
      }
    }
  }
  return out;
}

using FeatureKey = std::tuple<std::string, std::string, std::string>;  // provider, group, feature

std::map<FeatureKey, std::string> Features(const ordered_json& report) {
  std::map<FeatureKey, std::string> out;
  for (const auto& p : Get(report, "providers")) {
    for (const auto& f : Get(Get(p, "matrix"), "features")) {
      out[{S(p, "name"), S(f, "group"), S(f, "feature")}] = S(f, "status");
    }
  }
  return out;
}

std::map<std::string, std::string> Verdicts(const ordered_json& report) {
  std::map<std::string, std::string> out;
  for (const auto& w : Get(report, "workloads")) {
    out[S(w, "name")] = S(w, "verdict");
  }
  return out;
}

ordered_json About(const ordered_json& r) {
  return {{"generated_at", S(r, "generated_at")},
          {"audit_date", S(r, "audit_date")},
          {"auditor", S(r, "auditor")},
          {"window", Get(r, "window")}};
}

}  // namespace

ordered_json DiffReports(const ordered_json& old_report, const ordered_json& new_report) {
  const auto old_hosts = Hosts(old_report), new_hosts = Hosts(new_report);
  ordered_json added = ordered_json::array(), removed = ordered_json::array(),
               now_unknown = ordered_json::array(), now_known = ordered_json::array(),
               failing = ordered_json::array(), passing = ordered_json::array(),
               waived = ordered_json::array();
  int regressions = 0, improvements = 0;
  for (const auto& [name, v] : old_hosts) {
    if (!new_hosts.count(name)) removed.push_back(name);
  }
  for (const auto& [name, now] : new_hosts) {
    auto it = old_hosts.find(name);
    if (it == old_hosts.end()) {
      added.push_back(name);
      continue;
    }
    const HostView& before = it->second;
    if (before.status == "known" && now.status != "known") {
      now_unknown.push_back({{"host", name}, {"reason", now.reason}});
      ++regressions;
      continue;
    }
    if (before.status != "known" && now.status == "known") {
      now_known.push_back(name);
      ++improvements;
    }
    if (before.status != "known" || now.status != "known") continue;
    for (const auto& [key, status] : now.controls) {
      auto o = before.controls.find(key);
      const std::string was = o == before.controls.end() ? "absent" : o->second;
      if (was == status) continue;
      ordered_json change = {{"host", name},
                             {"profile", key.first},
                             {"control", key.second},
                             {"old", was},
                             {"new", status}};
      if (Failing(status) && !Failing(was)) {
        failing.push_back(change);
        ++regressions;
      } else if (status == "pass" && (Failing(was) || was == "waived")) {
        passing.push_back(change);
        ++improvements;
      } else if (status == "waived") {
        waived.push_back(change);
      }
    }
  }
  ordered_json features = ordered_json::array();
  const auto old_features = Features(old_report);
  for (const auto& [key, status] : Features(new_report)) {
    auto it = old_features.find(key);
    if (it == old_features.end() || it->second == status) continue;
    features.push_back({{"provider", std::get<0>(key)},
                        {"group", std::get<1>(key)},
                        {"feature", std::get<2>(key)},
                        {"old", it->second},
                        {"new", status}});
    (Rank(status) < Rank(it->second) ? regressions : improvements)++;
  }
  ordered_json workloads = ordered_json::array();
  const auto old_verdicts = Verdicts(old_report);
  for (const auto& [name, verdict] : Verdicts(new_report)) {
    auto it = old_verdicts.find(name);
    if (it == old_verdicts.end() || it->second == verdict) continue;
    workloads.push_back({{"workload", name}, {"old", it->second}, {"new", verdict}});
    (Rank(verdict) < Rank(it->second) ? regressions : improvements)++;
  }
  return {{"old", About(old_report)},
          {"new", About(new_report)},
          {"hosts_added", added},
          {"hosts_removed", removed},
          {"hosts_now_unknown", now_unknown},
          {"hosts_now_known", now_known},
          {"newly_failing", failing},
          {"newly_passing", passing},
          {"newly_waived", waived},
          {"features_changed", features},
          {"workloads_changed", workloads},
          {"regressions", regressions},
          {"improvements", improvements}};
}

void PrintDiff(const ordered_json& d, std::ostream& out) {
  auto about = [](const ordered_json& a) {
    return S(a, "generated_at") + " by " + S(a, "auditor") + ", window " + S(a["window"], "from") +
           " to " + S(a["window"], "to");
  };
  out << "Old report: " << about(d["old"]) << "\nNew report: " << about(d["new"]) << "\n";
  auto section = [&](const char* title, const ordered_json& items, auto line) {
    if (items.empty()) return;
    out << "\n" << title << " (" << items.size() << "):\n";
    for (const auto& i : items) out << "  " << line(i) << "\n";
  };
  auto name = [](const ordered_json& i) { return i.get<std::string>(); };
  auto change = [](const ordered_json& i) {
    return S(i, "host") + "  " + S(i, "profile") + "/" + S(i, "control") + "  " + S(i, "old") +
           " -> " + S(i, "new");
  };
  section("Hosts added", d["hosts_added"], name);
  section("Hosts removed", d["hosts_removed"], name);
  section("Hosts now unknown", d["hosts_now_unknown"],
          [](const ordered_json& i) { return S(i, "host") + ": " + S(i, "reason"); });
  section("Hosts known again", d["hosts_now_known"], name);
  section("Newly failing", d["newly_failing"], change);
  section("Newly passing", d["newly_passing"], change);
  section("Newly waived", d["newly_waived"], change);
  section("1145 features changed", d["features_changed"], [](const ordered_json& i) {
    return S(i, "provider") + "  " + S(i, "group") + " / " + S(i, "feature") + "  " + S(i, "old") +
           " -> " + S(i, "new");
  });
  section("Workload verdicts changed", d["workloads_changed"], [](const ordered_json& i) {
    return S(i, "workload") + "  " + S(i, "old") + " -> " + S(i, "new");
  });
  out << "\n"
      << d["regressions"].get<int>() << " regression(s), " << d["improvements"].get<int>()
      << " improvement(s)\n";
}

}  // namespace egov::orchestrator::audit
