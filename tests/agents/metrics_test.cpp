#include "agents/metrics.h"

#include <gtest/gtest.h>

#include "tests/agents/support.h"

namespace egov::agent {
namespace {

nlohmann::json Results() {
  return nlohmann::json::parse(R"({
  "schema": "egov.results/v1",
  "profiles": [{
    "name": "mic-1145", "version": "2020.1", "level": 3, "passed": false,
    "summary": {"pass": 1, "fail": 1, "error": 1, "skipped": 0, "not_applicable": 1,
                "waived": 1, "applicable": 4, "score": 0.25, "score_with_waivers": 0.5},
    "features": [{"group": "g2", "feature": "ssh", "passed": false, "controls": 3},
                 {"group": "g1", "feature": "vm", "passed": true, "controls": 2}],
    "controls": [
      {"id": "C-PASS", "group": "g1", "feature": "vm", "severity": "low", "status": "pass",
       "duration_seconds": 0.25, "waiver": null},
      {"id": "C-NA", "group": "g1", "feature": "vm", "severity": "low",
       "status": "not_applicable", "duration_seconds": 0, "waiver": null},
      {"id": "C-FAIL", "group": "g2", "feature": "ssh", "severity": "critical",
       "status": "fail", "duration_seconds": 0.25, "waiver": null},
      {"id": "C-ERR", "group": "g2", "feature": "ssh", "severity": "high", "status": "error",
       "duration_seconds": 0.5, "waiver": null},
      {"id": "C-WAIVED", "group": "g2", "feature": "ssh", "severity": "medium",
       "status": "waived", "duration_seconds": 0,
       "waiver": {"name": "w-1", "reason": "r", "approved_by": "a", "expires": "2030-01-01"}}
    ]}]})");
}

Snapshot FullSnapshot() {
  Snapshot s;
  s.scan = std::make_shared<const ScanState>(ScanStateFromResults(Results(), 1700000000));
  s.scan_counters = {3, 1, 2};
  auto l = std::make_shared<LibvirtState>();
  l->up = true;
  l->unmanaged = 2;
  DomainState d;
  d.name = "dvc-hanoi-0";
  d.uuid = "11111111-2222-3333-4444-555555555555";
  d.metadata.workload = "dvc-hanoi";
  d.metadata.agency = "Văn phòng UBND thành phố Hà Nội";
  d.metadata.security_level = 3;
  d.metadata.provider = "viettel-cloud";
  d.up = true;
  d.vcpus = 2;
  d.memory_bytes = 2147483648;
  d.max_memory_bytes = 4294967296;
  d.cpu_seconds = 12.5;
  l->domains.push_back(d);
  s.libvirt = l;
  auto p = std::make_shared<std::vector<ProbeState>>();
  ProbeState ok{"dvc-hanoi", "dvc-hanoi-0", 10,           1,           true, true,
                0.012,       200,           1900000000.0, 1700000001.0};
  ProbeState never{"cong-dvc", "", 0, 0, false, false, 0, 0, std::nullopt, std::nullopt};
  p->push_back(never);
  p->push_back(ok);
  s.probes = p;
  s.config_reload_ok = true;
  s.config_reload_time = 1700000000;
  return s;
}

const ProcessStats kProcess{1.5, 8e6, 1e8, 1.7e9, 9, 1024};

// Expects each of `series` (all or part of a sample line) in the exposition `text`.
void ExpectSeries(const std::string& text, const std::vector<std::string>& series) {
  for (const auto& s : series) EXPECT_NE(text.find(s), std::string::npos) << s << " in\n" << text;
}

// The whole exposition, as /metrics puts it together.
std::string Render(const Snapshot& s) {
  auto families = BuildFamilies(s);
  for (auto& f : BuildProcessFamilies(kProcess)) families.push_back(std::move(f));
  return RenderText(families);
}

TEST(Metrics, ControlFamiliesFollowTheResults) {
  const std::string text = Render(FullSnapshot());
  ExpectSeries(text, {"egov_control_passed{profile=\"mic-1145\",control=\"C-PASS\",group=\"g1\","
                      "feature=\"vm\",control_severity=\"low\"} 1",
                      "control=\"C-FAIL\",group=\"g2\",feature=\"ssh\",control_severity="
                      "\"critical\"} 0",
                      "control=\"C-WAIVED\",group=\"g2\",feature=\"ssh\",control_severity="
                      "\"medium\"} 0",
                      "egov_control_waived{profile=\"mic-1145\",control=\"C-WAIVED\"} 1",
                      "egov_waiver_expiry_timestamp_seconds{profile=\"mic-1145\",control=\"C-"
                      "WAIVED\",waiver=\"w-1\"} 1893542400",
                      "egov_control_check_error{profile=\"mic-1145\",control=\"C-ERR\"} 1",
                      "egov_feature_passed{profile=\"mic-1145\",group=\"g2\",feature=\"ssh\"} 0",
                      "egov_feature_passed{profile=\"mic-1145\",group=\"g1\",feature=\"vm\"} 1",
                      "egov_profile_controls{profile=\"mic-1145\",result=\"fail\"} 1",
                      "egov_profile_controls{profile=\"mic-1145\",result=\"skipped\"} 0",
                      "egov_compliance_ratio{profile=\"mic-1145\"} 0.25",
                      "egov_scan_duration_seconds{profile=\"mic-1145\"} 1",
                      "egov_scan_last_success_timestamp_seconds{profile=\"mic-1145\"} 1700000000",
                      "egov_scans_total 3", "egov_scan_failures_total 1",
                      "egov_check_timeouts_total 2", "# TYPE egov_scans_total counter"});
  EXPECT_EQ(text.find("C-NA\",group"), std::string::npos) << "not applicable: no series";
  EXPECT_EQ(text.find("egov_control_check_error{profile=\"mic-1145\",control=\"C-FAIL\""),
            std::string::npos);
}

TEST(Metrics, DomainsCarryVietnameseAgencyIntact) {
  const std::string text = Render(FullSnapshot());
  EXPECT_NE(text.find("egov_domain_info{domain=\"dvc-hanoi-0\",uuid=\"11111111-2222-3333-4444-"
                      "555555555555\",workload=\"dvc-hanoi\",agency=\"Văn phòng UBND thành phố "
                      "Hà Nội\",security_level=\"3\",provider=\"viettel-cloud\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("egov_domain_up{domain=\"dvc-hanoi-0\"} 1"), std::string::npos);
  EXPECT_NE(text.find("egov_domain_vcpus{domain=\"dvc-hanoi-0\"} 2"), std::string::npos);
  EXPECT_NE(text.find("egov_domain_memory_bytes{domain=\"dvc-hanoi-0\"} 2147483648"),
            std::string::npos);
  EXPECT_NE(text.find("egov_domain_cpu_seconds_total{domain=\"dvc-hanoi-0\"} 12.5"),
            std::string::npos);
  EXPECT_NE(text.find("egov_libvirt_up 1"), std::string::npos);
  EXPECT_NE(text.find("egov_libvirt_unmanaged_domains 2"), std::string::npos);
}

TEST(Metrics, ProbesExportCountersAlwaysAndLastResultOnceProbed) {
  const std::string text = Render(FullSnapshot());
  ExpectSeries(text, {"egov_probe_attempts_total{workload=\"dvc-hanoi\",domain=\"dvc-hanoi-0\"} "
                      "10",
                      "egov_probe_failures_total{workload=\"dvc-hanoi\",domain=\"dvc-hanoi-0\"} 1",
                      "egov_probe_attempts_total{workload=\"cong-dvc\",domain=\"\"} 0",
                      "egov_probe_success{workload=\"dvc-hanoi\",domain=\"dvc-hanoi-0\"} 1",
                      "egov_probe_http_status_code{workload=\"dvc-hanoi\",domain=\"dvc-hanoi-0\"} "
                      "200",
                      "egov_probe_tls_cert_expiry_timestamp_seconds{workload=\"dvc-hanoi\","
                      "domain=\"dvc-hanoi-0\"} 1900000000"});
  EXPECT_EQ(text.find("egov_probe_success{workload=\"cong-dvc\""), std::string::npos);
}

TEST(Metrics, AgentAndProcessFamilies) {
  const std::string text = Render(FullSnapshot());
  ExpectSeries(text,
               {"egov_agent_build_info{version=\"", "egov_agent_config_last_reload_successful 1",
                "process_resident_memory_bytes 8000000", "process_cpu_seconds_total 1.5",
                "process_max_fds 1024"});
}

TEST(Metrics, WhatGoesAwayVanishes) {
  Snapshot s = FullSnapshot();
  auto l = std::make_shared<LibvirtState>();
  l->up = false;
  s.libvirt = l;
  s.scan.reset();
  s.probes = std::make_shared<std::vector<ProbeState>>();
  const std::string text = Render(s);
  EXPECT_NE(text.find("egov_libvirt_up 0"), std::string::npos);
  for (const char* gone : {"egov_domain_", "egov_control_", "egov_probe_", "egov_feature_",
                           "egov_compliance_ratio", "egov_libvirt_unmanaged"}) {
    EXPECT_EQ(text.find(gone), std::string::npos) << gone << "\n" << text;
  }
  EXPECT_NE(text.find("egov_scans_total 3"), std::string::npos) << "counters stay";
}

TEST(Metrics, NoLibvirtConfiguredMeansNoLibvirtUp) {
  Snapshot s;
  const std::string text = Render(s);
  EXPECT_EQ(text.find("egov_libvirt_up"), std::string::npos);
  EXPECT_NE(text.find("egov_scans_total 0"), std::string::npos);
}

TEST(Metrics, BadResultsDocumentIsAnError) {
  EXPECT_THROW(ScanStateFromResults(nlohmann::json::object(), 0), std::runtime_error);
  auto bad = Results();
  bad["profiles"][0]["controls"][0]["status"] = "maybe";
  EXPECT_THROW(ScanStateFromResults(bad, 0), std::runtime_error);
}

TEST(Metrics, PromtoolFindsNothingToComplainAbout) {
  const std::string text = Render(FullSnapshot());
  const auto r = testing::RunProcess({"promtool", "check", "metrics"}, text);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "") << r.out << r.err;
}

}  // namespace
}  // namespace egov::agent
