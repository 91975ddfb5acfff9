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

void MakeCertificates(const fs::path& dir) {
  auto openssl = [](std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const CliRun r = RunProcess(args);
    ASSERT_EQ(r.code, 0) << r.err;
  };
  const std::string d = dir.string();
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-days", "2", "-subj", "/CN=egov audit test CA", "-keyout", d + "/ca.key", "-out",
           d + "/ca.pem"});
  WriteFile(dir / "ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const std::string who : {"server", "client"}) {
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
             "/CN=" + who, "-keyout", d + "/" + who + ".key", "-out", d + "/" + who + ".csr"});
    openssl({"x509", "-req", "-in", d + "/" + who + ".csr", "-CA", d + "/ca.pem", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out",
             d + "/" + who + ".pem"});
  }
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
