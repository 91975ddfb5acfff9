#include "agents/config.h"

#include <gtest/gtest.h>

#include "tests/agents/support.h"

namespace egov::agent {
namespace {

using testing::TempDir;

// Parses `text` and returns every diagnostic as "line:col: message", one per line.
std::string Errors(const std::string& text) {
  return testing::ConfigErrors([&] { ParseAgentConfig("agent.yaml", text, "/etc/egov-agent"); });
}

TEST(AgentConfig, ReadsEverySection) {
  const AgentConfig c = ParseAgentConfig("agent.yaml", R"(
host: viettel-hn1-01
listen: "[::1]:9555"
web_config_file: web.yaml
log_level: debug
scan:
  root: /mnt/image
  profiles: [mic-1145, ./extra.yaml]
  profile_dir: /usr/share/egov-cloud/profiles
  level: 4
  interval: 10m
  check_timeout: 2s
  waivers: waivers/
libvirt:
  uri: qemu:///system
  refresh_interval: 5s
probes:
  interval: 20s
  timeout: 3s
  concurrency: 10
  domain_health_urls: false
  ca_file: ca.pem
  targets:
    - workload: cong-dvc
      url: https://dvc.example.gov.vn/healthz
      interval: 10s
      timeout: 1s
      expect_status: 204
    - workload: cong-dvc
      domain: cong-dvc-1
      url: http://10.0.0.5:8080/healthz
)",
                                         "/etc/egov-agent");
  EXPECT_EQ(c.host, "viettel-hn1-01");
  EXPECT_EQ(c.listen, (ListenAddress{"::1", 9555}));
  EXPECT_EQ(c.web_config_file, "/etc/egov-agent/web.yaml");
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  EXPECT_EQ(c.scan.root, "/mnt/image");
  EXPECT_EQ(c.scan.profiles, (std::vector<std::string>{"mic-1145", "/etc/egov-agent/extra.yaml"}));
  EXPECT_EQ(c.scan.level, 4);
  EXPECT_EQ(c.scan.interval, std::chrono::minutes(10));
  EXPECT_EQ(c.scan.check_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.scan.waivers, "/etc/egov-agent/waivers/");
  EXPECT_EQ(c.libvirt.uri, "qemu:///system");
  EXPECT_EQ(c.libvirt.refresh_interval, std::chrono::seconds(5));
  EXPECT_EQ(c.probes.interval, std::chrono::seconds(20));
  EXPECT_EQ(c.probes.concurrency, 10);
  EXPECT_FALSE(c.probes.domain_health_urls);
  EXPECT_EQ(c.probes.ca_file, "/etc/egov-agent/ca.pem");
  ASSERT_EQ(c.probes.targets.size(), 2u);
  EXPECT_EQ(c.probes.targets[0].expect_status, 204);
  EXPECT_EQ(c.probes.targets[0].timeout, std::chrono::seconds(1));
  EXPECT_EQ(c.probes.targets[1].domain, "cong-dvc-1");
  EXPECT_FALSE(c.probes.targets[1].interval.has_value());
}

TEST(AgentConfig, DefaultsAreLoopbackAndHostName) {
  const AgentConfig c = LoadAgentConfig("");
  EXPECT_EQ(c.listen, (ListenAddress{"127.0.0.1", 9464}));
  EXPECT_FALSE(c.host.empty());
  EXPECT_TRUE(c.libvirt.uri.empty());
  EXPECT_EQ(c.scan.interval, std::chrono::hours(1));
  EXPECT_NE(c.scan.profile_dir.find("profiles"), std::string::npos);
}

TEST(AgentConfig, UnknownKeyNamesLineColumnAndExpectedKeys) {
  const std::string e = Errors("listen: 127.0.0.1:9464\nscan:\n  intervall: 5m\n");
  EXPECT_NE(e.find("agent.yaml:3:3: scan: unknown key 'intervall'; expected one of:"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("interval"), std::string::npos);
}

TEST(AgentConfig, ReportsEveryBadValueWithPosition) {
  const std::string e = Errors(R"(listen: localhost
log_level: loud
scan:
  level: 7
  interval: soon
probes:
  concurrency: 0
  targets:
    - workload: Cong_DVC
      url: ftp://x
)");
  for (const char* expected :
       {"agent.yaml:1:9: agent.listen: expected HOST:PORT",
        "agent.yaml:2:12: agent.log_level: expected debug, info, warn or error",
        "agent.yaml:4:10: scan.level: expected an integer from 1 to 5",
        "agent.yaml:5:13: scan.interval: expected a duration",
        "agent.yaml:7:16: probes.concurrency",
        "agent.yaml:9:17: probes.targets[0].workload: expected a DNS label",
        "agent.yaml:10:12: probes.targets[0].url: expected an http:// or https://"}) {
    EXPECT_NE(e.find(expected), std::string::npos) << expected << " in\n" << e;
  }
}

TEST(AgentConfig, CertificationExpiryIsTheEndOfTheLastCertifiedDay) {
  const AgentConfig c =
      ParseAgentConfig("agent.yaml", "certification_expires: 2028-06-14\n", "/etc/egov-agent");
  EXPECT_EQ(CertificationExpiry(c), 1844640000.0);  // 2028-06-15T00:00:00Z
  EXPECT_EQ(CertificationExpiry(ParseAgentConfig("agent.yaml", "{}", "/")), std::nullopt);
  const std::string e = Errors("certification_expires: next year\n");
  EXPECT_NE(e.find("agent.yaml:1:24: agent.certification_expires: expected a date YYYY-MM-DD"),
            std::string::npos)
      << e;
}

TEST(AgentConfig, TheShippedExampleIsValid) {
  const AgentConfig c =
      LoadAgentConfig(std::string(EGOV_SOURCE_DIR) + "/agents/agent.example.yaml");
  EXPECT_EQ(c.scan.profiles, (std::vector<std::string>{"mic-1145", "decree85", "availability"}));
  EXPECT_TRUE(c.certification_expires.has_value());
}

TEST(AgentConfig, TimeoutLongerThanIntervalIsRefused) {
  EXPECT_NE(Errors("probes:\n  interval: 5s\n  timeout: 10s\n").find("no longer than"),
            std::string::npos);
  EXPECT_NE(Errors("probes:\n  targets:\n    - {workload: a, url: 'http://x/', interval: 1s, "
                   "timeout: 2s}\n")
                .find("longer than its interval"),
            std::string::npos);
}

TEST(AgentConfig, DuplicateProbeTargetIsRefused) {
  const std::string e = Errors(R"(probes:
  targets:
    - {workload: a, url: 'http://x/1'}
    - {workload: a, url: 'http://x/2'}
)");
  EXPECT_NE(e.find("agent.yaml:4:7: probes.targets[1]: workload 'a' and domain '' already probed "
                   "by targets[0]"),
            std::string::npos)
      << e;
}

TEST(AgentConfig, NotAMappingAndSeveralDocumentsAreRefused) {
  EXPECT_NE(Errors("- a\n- b\n").find("agent: expected a mapping"), std::string::npos);
  EXPECT_NE(Errors("listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n")
                .find("expected one YAML "
                      "document, got 2"),
            std::string::npos);
}

TEST(AgentConfig, HostileInputIsRefusedQuickly) {
  EXPECT_NE(Errors(std::string(100, '[')).find("agent.yaml"), std::string::npos);
  EXPECT_NE(Errors("listen: \"a\0b\"").find("agent.yaml"), std::string::npos);
  EXPECT_NE(Errors("a: &a [*a, *a]\nscan: *a\n").find("agent.yaml"), std::string::npos);
}

TEST(AgentConfig, FlagsOverrideTheFile) {
  TempDir dir;
  const auto file = dir.Write("agent.yaml", "listen: 127.0.0.1:9464\nscan:\n  level: 2\n");
  ConfigOverrides o;
  o.listen = "127.0.0.1:0";
  o.level = 5;
  o.host = "override";
  o.scan_interval = "30s";
  o.profiles = {"availability"};
  const AgentConfig c = LoadAgentConfig(file.string(), o);
  EXPECT_EQ(c.listen.port, 0);
  EXPECT_EQ(c.scan.level, 5);
  EXPECT_EQ(c.host, "override");
  EXPECT_EQ(c.scan.interval, std::chrono::seconds(30));
  EXPECT_EQ(c.scan.profiles, std::vector<std::string>{"availability"});
  EXPECT_EQ(c.file, file.string());
}

TEST(AgentConfig, BadFlagsAreConfigErrors) {
  ConfigOverrides o;
  o.listen = "nowhere";
  o.level = 9;
  o.scan_interval = "10ms";
  o.log_level = "chatty";
  try {
    LoadAgentConfig("", o);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 4u);
    EXPECT_EQ(e.diagnostics()[0].pos.file, "--listen");
  }
}

TEST(AgentConfig, MissingFileIsAConfigError) {
  EXPECT_THROW(LoadAgentConfig("/nonexistent/agent.yaml"), ConfigError);
}

struct ListenCase {
  const char* text;
  bool ok;
  const char* host;
  int port;
};

TEST(ListenAddress, Parses) {
  const ListenCase cases[] = {
      {"127.0.0.1:9464", true, "127.0.0.1", 9464},
      {"localhost:0", true, "localhost", 0},
      {"[::1]:80", true, "::1", 80},
      {":9464", true, "0.0.0.0", 9464},
      {"127.0.0.1", false, "", 0},
      {"127.0.0.1:65536", false, "", 0},
      {"127.0.0.1:-1", false, "", 0},
      {"::1:80", false, "", 0},
      {"[::1]80", false, "", 0},
      {"127.0.0.1:80x", false, "", 0},
      {"a b:80", false, "", 0},
  };
  for (const auto& c : cases) {
    std::string error;
    const auto a = ParseListenAddress(c.text, error);
    EXPECT_EQ(a.has_value(), c.ok) << c.text << ": " << error;
    if (a && c.ok) {
      EXPECT_EQ(a->host, c.host) << c.text;
      EXPECT_EQ(a->port, c.port) << c.text;
    } else {
      EXPECT_FALSE(error.empty()) << c.text;
    }
  }
}

}  // namespace
}  // namespace egov::agent
