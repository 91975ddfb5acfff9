#include "tests/support/sim_hosts.h"

#include <stdlib.h>

#include "tests/support/egovctl.h"

namespace egov::testing {

void SimulatedHosts::SetUp() { ::setenv("EGOV_SIM_DIR", sim_.c_str(), 1); }

void SimulatedHosts::TearDown() { ::unsetenv("EGOV_SIM_DIR"); }

std::vector<std::string> SimulatedHosts::WithInputs(std::vector<std::string> args,
                                                    size_t words) const {
  args.insert(args.begin() + static_cast<std::ptrdiff_t>(words),
              {"-f", (dir_ / "in").string(), "--journal", journal_});
  return args;
}

CliRun SimulatedHosts::Run(const std::vector<std::string>& args) const {
  return Egovctl(WithInputs(args));
}

std::string SimulatedProviders(const std::string& on, const std::string& state) {
  auto host = [&](const std::string& name) {
    return "      - {name: " + name + ", uri: \"test://${EGOV_SIM_DIR}/" + name +
           ".xml\", capacity: {vcpus: 32, memory: 64Gi, disk: 2Ti}" +
           (name == on ? ", state: " + state : "") + "}\n";
  };
  return R"yaml(kind: Provider
name: viettel-cloud
display_name: "Viettel (test)"
certification: {scheme: MIC-1145, certificate: T-1, issued: 2024-01-01, expires: 2030-01-01,
                max_security_level: 4}
residency: VN
zones:
  - name: hn-1
    hosts:
)yaml" + host("hn-01") +
         host("hn-02") + "  - name: hcm-1\n    hosts:\n" + host("hcm-01") + host("hcm-02");
}

}  // namespace egov::testing
