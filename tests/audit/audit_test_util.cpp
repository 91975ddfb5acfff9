#include "audit_test_util.h"

#include <gtest/gtest.h>

#include "common/loader.h"

namespace egov::orchestrator::audit::testing {

nlohmann::json FixtureResult(const std::string& host) {
  return nlohmann::json::parse(ReadFile(ResultFixtures() / (host + ".json")));
}

AuditSettings FixtureSettings() {
  AuditSettings s;
  s.now = *checks::ParseTimestamp("2026-11-22T12:00:00Z");
  s.today = *ParseDate("2026-11-22");
  std::tie(s.from, s.to) = AnnualWindow(s.today);
  s.auditor = "Kiểm toán viên <test>";
  s.source = "fixtures";
  return s;
}

std::vector<agent_client::FetchedResult> FetchedFrom(const fs::path& dir) {
  return agent_client::ReadResultFiles(dir.string(), kFleetHosts);
}

Inventory FleetWith(const std::string& extra_yaml) {
  if (extra_yaml.empty()) return LoadInventory({FleetInventory().string()});
  std::string text = ReadFile(FleetInventory() / "fleet.yaml") + "\n---\n" + extra_yaml;
  return LoadInventoryText("fleet+extra.yaml", text);
}

std::string SimulatedHost(const std::vector<DomainMetadata>& domains, const std::string& extra) {
  std::string xml =
      "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
      "<threads>1</threads><active>4</active><mhz>2000</mhz><model>x86_64</model>"
      "</cpu><memory>8388608</memory>";
  for (const auto& m : domains) {
    xml += "<domain type='test'><name>" + m.workload + "-" + std::to_string(m.replica) +
           "</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os><metadata>" +
           FormatMetadataElement(m) + "</metadata></domain>";
  }
  return xml + extra + "</node>";
}

const nlohmann::ordered_json& Named(const nlohmann::ordered_json& list, const std::string& name,
                                    const char* key) {
  for (const auto& item : list) {
    if (item.contains(key) && item[key] == name) return item;
  }
  ADD_FAILURE() << "no element with " << key << " = " << name;
  static const nlohmann::ordered_json kEmpty = nlohmann::ordered_json::object();
  return kEmpty;
}

}  // namespace egov::orchestrator::audit::testing
