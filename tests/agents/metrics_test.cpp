#include "agents/metrics.h"

#include <gtest/gtest.h>

#include "checks/scan.h"
#include "tests/agents/support.h"

namespace egov::agent {
namespace {

checks::ControlResult Control(const std::string& id, const std::string& group,
                              const std::string& feature, Severity severity, checks::Status status,
                              double seconds) {
  checks::ControlResult c;
  c.id = id;
  c.group = group;
  c.feature = feature;
  c.severity = severity;
  c.status = status;
  c.duration_seconds = seconds;
  return c;
}

checks::ScanResult Scan() {
  using checks::Status;
  checks::ProfileResult p;
  p.name = "mic-1145";
  p.version = "2020.1";
  p.level = 3;
  p.controls = {Control("C-PASS", "g1", "vm", Severity::kLow, Status::kPass, 0.25),
                Control("C-NA", "g1", "vm", Severity::kLow, Status::kNotApplicable, 0),
                Control("C-FAIL", "g2", "ssh", Severity::kCritical, Status::kFail, 0.25),
                Control("C-ERR", "g2", "ssh", Severity::kHigh, Status::kError, 0.5),
                Control("C-WAIVED", "g2", "ssh", Severity::kMedium, Status::kWaived, 0)};
  p.controls[4].waiver = checks::AppliedWaiver{"w-1", "r", "a", *ParseDate("2030-01-01")};
  checks::Summarize(p);
  checks::ScanResult r;
  r.profiles.push_back(p);
  return r;
}

nlohmann::json Results() { return checks::ToJson(Scan()); }

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

TEST(Metrics, ProviderCertificationExpiryOnlyWhenConfigured) {
  Snapshot s = FullSnapshot();
  EXPECT_EQ(Render(s).find("egov_provider_certification_expiry_timestamp_seconds"),
            std::string::npos);
  s.certification_expiry = 1844640000;  // 2028-06-15T00:00:00Z: the end of 2028-06-14
  ExpectSeries(Render(s), {"# TYPE egov_provider_certification_expiry_timestamp_seconds gauge",
                           "egov_provider_certification_expiry_timestamp_seconds 1844640000\n"});
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

// The agent counts a check as timed out by the result's `timed_out`, never by its reason.
TEST(Metrics, ChecksThatTimedOutAreCountedByTheirField) {
  checks::ScanResult r = Scan();
  r.profiles[0].controls[3].reason = "timed out after 10 ms";
  EXPECT_EQ(ScanStateFromScan(r, 0).check_timeouts, 0u);
  r.profiles[0].controls[3].timed_out = true;
  r.profiles[0].controls[4].timed_out = true;  // waived, yet abandoned on its timeout
  EXPECT_EQ(ScanStateFromScan(r, 0).check_timeouts, 2u);
  EXPECT_EQ(ScanStateFromResults(checks::ToJson(r), 0).check_timeouts, 2u);
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
