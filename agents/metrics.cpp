#include "agents/metrics.h"

#include <prometheus/text_serializer.h>

#include <deque>
#include <initializer_list>
#include <utility>

#include "common/version.h"

namespace egov::agent {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class Builder {
 public:
  MetricFamily& Family(const char* name, const char* help, MetricType type) {
    families_.push_back({name, help, type, {}});
    return families_.back();
  }

  static void Add(MetricFamily& family,
                  std::initializer_list<std::pair<const char*, std::string>> labels, double value) {
    ClientMetric m;
    m.label.reserve(labels.size());
    for (const auto& [name, v] : labels) m.label.push_back({name, v});
    if (family.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family.metric.push_back(std::move(m));
  }

  std::vector<MetricFamily> Take() {
    std::vector<MetricFamily> out;
    for (auto& f : families_) {
      if (!f.metric.empty()) out.push_back(std::move(f));
    }
    return out;
  }

 private:
  std::deque<MetricFamily> families_;  // a deque keeps references to earlier families valid
};

constexpr auto kGauge = MetricType::Gauge;
constexpr auto kCounter = MetricType::Counter;

void AddAgent(Builder& b, const Snapshot& s) {
  Builder::Add(b.Family("egov_agent_build_info",
                        "Version and revision of the running egov-agent; always 1.", kGauge),
               {{"version", kVersion}, {"revision", kRevision}}, 1);
  Builder::Add(b.Family("egov_agent_config_last_reload_successful",
                        "Whether the last configuration (re)load succeeded (1) or kept the "
                        "previous configuration (0).",
                        kGauge),
               {}, s.config_reload_ok ? 1 : 0);
  Builder::Add(b.Family("egov_agent_config_last_reload_success_timestamp_seconds",
                        "Unix time of the last successful configuration (re)load.", kGauge),
               {}, s.config_reload_time);
  if (s.certification_expiry) {
    Builder::Add(b.Family("egov_provider_certification_expiry_timestamp_seconds",
                          "Unix time at which the certification of the host's provider lapses "
                          "(the end of its last valid day).",
                          kGauge),
                 {}, *s.certification_expiry);
  }
}

void AddScan(Builder& b, const Snapshot& s) {
  Builder::Add(b.Family("egov_scans_total", "Scans started since the agent started.", kCounter), {},
               static_cast<double>(s.scan_counters.scans));
  Builder::Add(b.Family("egov_scan_failures_total",
                        "Scans that could not complete (profiles unreadable, engine error); the "
                        "previous results stay published.",
                        kCounter),
               {}, static_cast<double>(s.scan_counters.failures));
  Builder::Add(b.Family("egov_check_timeouts_total",
                        "Checks abandoned because they ran past their timeout.", kCounter),
               {}, static_cast<double>(s.scan_counters.check_timeouts));
  if (!s.scan) return;
  auto& passed = b.Family("egov_control_passed",
                          "Whether an applicable control passed (1) or not (0) in the latest "
                          "completed scan; waived and errored controls are 0.",
                          kGauge);
  auto& waived = b.Family("egov_control_waived",
                          "Present (1) while an unexpired waiver covers the control.", kGauge);
  auto& error = b.Family("egov_control_check_error",
                         "Present (1) while the control's check could not be evaluated "
                         "(timeout, unreadable input).",
                         kGauge);
  auto& expiry = b.Family("egov_waiver_expiry_timestamp_seconds",
                          "Unix time at which the waiver covering the control lapses.", kGauge);
  auto& feature = b.Family("egov_feature_passed",
                           "Whether every applicable control of the feature passed or is "
                           "waived (1) or not (0): the 1145 rule.",
                           kGauge);
  auto& counts = b.Family("egov_profile_controls",
                          "Controls of the profile per result of the latest scan.", kGauge);
  auto& ratio = b.Family("egov_compliance_ratio",
                         "Passed controls divided by applicable controls (waived count as "
                         "not passed).",
                         kGauge);
  auto& duration = b.Family("egov_scan_duration_seconds",
                            "Time the latest completed scan spent on the profile.", kGauge);
  auto& last =
      b.Family("egov_scan_last_success_timestamp_seconds",
               "Unix time at which the latest completed scan of the profile finished.", kGauge);
  for (const auto& p : s.scan->profiles) {
    for (const auto& c : p.controls) {
      if (c.status == "not_applicable" || c.status == "skipped") continue;
      Builder::Add(passed,
                   {{"profile", p.name},
                    {"control", c.id},
                    {"group", c.group},
                    {"feature", c.feature},
                    {"control_severity", c.severity}},
                   c.status == "pass" ? 1 : 0);
      if (c.status == "waived") {
        Builder::Add(waived, {{"profile", p.name}, {"control", c.id}}, 1);
        if (c.waiver_expiry) {
          Builder::Add(expiry, {{"profile", p.name}, {"control", c.id}, {"waiver", c.waiver}},
                       *c.waiver_expiry);
        }
      }
      if (c.status == "error") Builder::Add(error, {{"profile", p.name}, {"control", c.id}}, 1);
    }
    for (const auto& f : p.features) {
      Builder::Add(feature, {{"profile", p.name}, {"group", f.group}, {"feature", f.feature}},
                   f.passed ? 1 : 0);
    }
    for (const auto& [result, n] : p.counts) {
      Builder::Add(counts, {{"profile", p.name}, {"result", result}}, n);
    }
    if (p.ratio) Builder::Add(ratio, {{"profile", p.name}}, *p.ratio);
    Builder::Add(duration, {{"profile", p.name}}, p.duration_seconds);
    Builder::Add(last, {{"profile", p.name}}, s.scan->finished_at);
  }
}

void AddLibvirt(Builder& b, const Snapshot& s) {
  if (!s.libvirt) return;
  const LibvirtState& l = *s.libvirt;
  Builder::Add(
      b.Family("egov_libvirt_up", "Whether the libvirt connection works (1) or not (0).", kGauge),
      {}, l.up ? 1 : 0);
  if (!l.up) return;
  Builder::Add(b.Family("egov_libvirt_unmanaged_domains",
                        "Domains on this host without the egov metadata element.", kGauge),
               {}, l.unmanaged);
  auto& info =
      b.Family("egov_domain_info",
               "Managed domain and what it runs (from its egov metadata); always 1.", kGauge);
  auto& up = b.Family("egov_domain_up", "Whether the domain is running (1) or not (0).", kGauge);
  auto& vcpus = b.Family("egov_domain_vcpus", "Virtual CPUs of the domain.", kGauge);
  auto& memory =
      b.Family("egov_domain_memory_bytes", "Memory currently given to the domain.", kGauge);
  auto& max_memory =
      b.Family("egov_domain_memory_max_bytes", "Maximum memory the domain may be given.", kGauge);
  auto& cpu = b.Family("egov_domain_cpu_seconds_total", "CPU time the domain has used.", kCounter);
  for (const auto& d : l.domains) {
    Builder::Add(info,
                 {{"domain", d.name},
                  {"uuid", d.uuid},
                  {"workload", d.metadata.workload},
                  {"agency", d.metadata.agency},
                  {"security_level", std::to_string(d.metadata.security_level)},
                  {"provider", d.metadata.provider}},
                 1);
    Builder::Add(up, {{"domain", d.name}}, d.up ? 1 : 0);
    Builder::Add(vcpus, {{"domain", d.name}}, d.vcpus);
    Builder::Add(memory, {{"domain", d.name}}, static_cast<double>(d.memory_bytes));
    Builder::Add(max_memory, {{"domain", d.name}}, static_cast<double>(d.max_memory_bytes));
    Builder::Add(cpu, {{"domain", d.name}}, d.cpu_seconds);
  }
}

void AddProbes(Builder& b, const Snapshot& s) {
  if (!s.probes) return;
  auto& attempts =
      b.Family("egov_probe_attempts_total",
               "Probes of the workload's health URL since the target appeared.", kCounter);
  auto& failures = b.Family("egov_probe_failures_total",
                            "Failed probes (no answer in time, TLS or HTTP error, unexpected "
                            "status); with attempts, the availability SLI.",
                            kCounter);
  auto& success = b.Family("egov_probe_success", "Whether the last probe succeeded.", kGauge);
  auto& duration = b.Family("egov_probe_duration_seconds", "Duration of the last probe.", kGauge);
  auto& status = b.Family("egov_probe_http_status_code",
                          "HTTP status of the last probe; 0 when no response arrived.", kGauge);
  auto& expiry = b.Family("egov_probe_tls_cert_expiry_timestamp_seconds",
                          "Unix time at which the TLS certificate the endpoint presented last "
                          "expires (notAfter).",
                          kGauge);
  auto& last = b.Family("egov_probe_last_success_timestamp_seconds",
                        "Unix time of the last successful probe.", kGauge);
  for (const auto& p : *s.probes) {
    Builder::Add(attempts, {{"workload", p.workload}, {"domain", p.domain}},
                 static_cast<double>(p.attempts));
    Builder::Add(failures, {{"workload", p.workload}, {"domain", p.domain}},
                 static_cast<double>(p.failures));
    if (!p.probed) continue;
    Builder::Add(success, {{"workload", p.workload}, {"domain", p.domain}}, p.success ? 1 : 0);
    Builder::Add(duration, {{"workload", p.workload}, {"domain", p.domain}}, p.duration_seconds);
    Builder::Add(status, {{"workload", p.workload}, {"domain", p.domain}}, p.http_status);
    if (p.cert_expiry) {
      Builder::Add(expiry, {{"workload", p.workload}, {"domain", p.domain}}, *p.cert_expiry);
    }
    if (p.last_success) {
      Builder::Add(last, {{"workload", p.workload}, {"domain", p.domain}}, *p.last_success);
    }
  }
}

void AddProcess(Builder& b, const ProcessStats& p) {
  Builder::Add(b.Family("process_cpu_seconds_total",
                        "Total user and system CPU time spent in seconds.", kCounter),
               {}, p.cpu_seconds);
  Builder::Add(b.Family("process_resident_memory_bytes", "Resident memory size in bytes.", kGauge),
               {}, p.resident_memory_bytes);
  Builder::Add(b.Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", kGauge),
               {}, p.virtual_memory_bytes);
  Builder::Add(b.Family("process_start_time_seconds",
                        "Start time of the process since unix epoch in seconds.", kGauge),
               {}, p.start_time_seconds);
  Builder::Add(b.Family("process_open_fds", "Number of open file descriptors.", kGauge), {},
               p.open_fds);
  Builder::Add(b.Family("process_max_fds", "Maximum number of open file descriptors.", kGauge), {},
               p.max_fds);
}

}  // namespace

std::vector<MetricFamily> BuildFamilies(const Snapshot& snapshot) {
  Builder b;
  AddAgent(b, snapshot);
  AddScan(b, snapshot);
  AddLibvirt(b, snapshot);
  AddProbes(b, snapshot);
  return b.Take();
}

std::vector<MetricFamily> BuildProcessFamilies(const ProcessStats& process) {
  Builder b;
  AddProcess(b, process);
  return b.Take();
}

std::string RenderText(const std::vector<MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace egov::agent
