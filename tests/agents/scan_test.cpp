// egov-agent scan, diff and list-checks through the command-line entry point.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agents/cli.h"
#include "agents/commands.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;
const std::string kSource = EGOV_SOURCE_DIR;
const std::string kHosts = EGOV_HOST_FIXTURES;

using egov::testing::CliRun;
using egov::testing::ReadFile;

CliRun Agent(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = RunAgentCli(args, out, err, CmdRun);
  return {code, out.str(), err.str()};
}

std::vector<std::string> Scan(const std::string& host, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"scan",
                                "--profiles-dir",
                                kSource + "/profiles",
                                "--root",
                                kHosts + "/" + host,
                                "-p",
                                "mic-1145",
                                "-p",
                                "availability",
                                "-p",
                                "decree85-level4"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

class ScanCommand : public ::testing::Test {
 protected:
  std::string File(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& text) const { dir_.Write(name, text); }
  egov::testing::TempDir dir_;
};

TEST_F(ScanCommand, HardenedHostPassesWithExitZero) {
  const CliRun r = Agent(Scan("hardened"));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(": PASS"), std::string::npos);
  EXPECT_NE(r.out.find("decree85-level4"), std::string::npos);
  EXPECT_EQ(r.out.find("Failures:"), std::string::npos);
}

TEST_F(ScanCommand, WeakHostFailsWithExitOneAndEvidence) {
  const CliRun r = Agent(Scan("weak"));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("Failures:"), std::string::npos);
  EXPECT_NE(r.out.find("/etc/libvirt/libvirtd.conf"), std::string::npos);
  EXPECT_NE(r.out.find("fix: "), std::string::npos);
}

TEST_F(ScanCommand, WritesEveryFormatToAFile) {
  for (const char* format : {"json", "junit", "sarif", "html", "text"}) {
    const std::string out = File(std::string("report.") + format);
    const CliRun r = Agent(Scan("weak", {"--format", format, "-o", out}));
    EXPECT_EQ(r.code, 1) << format << r.err;
    EXPECT_NE(r.out.find("mic-1145: FAIL"), std::string::npos) << r.out;
    EXPECT_GT(fs::file_size(out), 1000u) << format;
  }
  const auto j = nlohmann::json::parse(ReadFile(File("report.json")));
  EXPECT_EQ(j["schema"], "egov.results/v1");
  EXPECT_EQ(j["host"], "weak-host");  // from the root's /etc/hostname
  EXPECT_EQ(j["profiles"].size(), 3u);
  EXPECT_EQ(j["profiles"][2]["level"], 4);
}

TEST_F(ScanCommand, WaiversFromAFileAreAppliedAndShown) {
  Write("waivers.yaml", R"(kind: Waiver
name: shadow-lab
control: MIC1145-G2-SC-07
profile: mic-1145
hosts: ["weak-*"]
reason: "Máy thử nghiệm"
approved_by: "Nguyễn Văn A"
expires: 2099-01-01
---
kind: Waiver
name: old-one
control: MIC1145-G2-SC-06
hosts: ["*"]
reason: "hết hạn"
approved_by: "B"
expires: 2020-01-01
)");
  const CliRun r = Agent(Scan("weak", {"--waivers", File("waivers.yaml"), "--format", "json"}));
  EXPECT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::map<std::string, std::string> status;
  for (const auto& c : j["profiles"][0]["controls"]) status[c["id"]] = c["status"];
  EXPECT_EQ(status["MIC1145-G2-SC-07"], "waived");
  EXPECT_EQ(status["MIC1145-G2-SC-06"], "fail");  // expired
  EXPECT_EQ(j["profiles"][0]["summary"]["waived"], 1);
}

TEST_F(ScanCommand, InvalidInputExitsTwoWithAPosition) {
  Write("bad.yaml", R"(kind: Profile
name: bad
title: {vi: x, en: x}
controls:
  - id: X-1
    title: {vi: x, en: x}
    group: g
    feature: f
    severity: low
    check: {type: sshd_magic, path: /etc/ssh/sshd_config}
)");
  CliRun r = Agent({"scan", "-p", File("bad.yaml"), "--root", kHosts + "/hardened"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.yaml:10:12: control X-1: unknown check type 'sshd_magic'"),
            std::string::npos)
      << r.err;
  r = Agent({"scan", "-p", "no-such-profile", "--profiles-dir", kSource + "/profiles"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no profile named 'no-such-profile'"), std::string::npos) << r.err;
  EXPECT_EQ(Agent(Scan("hardened", {"--level", "9"})).code, 2);
  EXPECT_EQ(Agent({"scan", "-p", "mic-1145", "--root", "/no/such/root"}).code, 2);
  EXPECT_EQ(Agent(Scan("hardened", {"--format", "xml"})).code, 2);
  EXPECT_EQ(Agent({"scan"}).code, 2);  // --profile is required
  r = Agent(
      {"scan", "--profiles-dir", kSource + "/profiles", "-p", "decree85-level3", "--level", "4"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("fixed at level 3"), std::string::npos) << r.err;
}

TEST_F(ScanCommand, DiffListsNewlyFailingNewlyPassingAppearedAndDisappeared) {
  ASSERT_EQ(Agent(Scan("hardened", {"--format", "json", "-o", File("good.json")})).code, 0);
  ASSERT_EQ(Agent(Scan("weak", {"--format", "json", "-o", File("bad.json")})).code, 1);
  CliRun r = Agent({"diff", File("good.json"), File("bad.json")});
  EXPECT_EQ(r.code, 1) << r.err;  // something newly fails
  EXPECT_NE(r.out.find("Newly failing (51)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MIC1145-G2-SC-07"), std::string::npos);
  r = Agent({"diff", File("bad.json"), File("good.json"), "--format", "json"});
  EXPECT_EQ(r.code, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["newly_failing"].size(), 0u);
  EXPECT_EQ(j["newly_passing"].size(), 51u);
  ASSERT_EQ(Agent({"scan", "--profiles-dir", kSource + "/profiles", "--root", kHosts + "/hardened",
                   "-p", "availability", "--format", "json", "-o", File("avail.json")})
                .code,
            0);
  r = Agent({"diff", File("avail.json"), File("good.json"), "--format", "json"});
  const auto k = nlohmann::json::parse(r.out);
  EXPECT_EQ(k["appeared"].size(), 37u + 36u);  // mic-1145 and decree85-level4 controls
  r = Agent({"diff", File("good.json"), File("avail.json"), "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["disappeared"].size(), 37u + 36u);
  Write("junk.json", "{\"schema\": \"other\"}");
  EXPECT_EQ(Agent({"diff", File("junk.json"), File("good.json")}).code, 2);
  EXPECT_EQ(Agent({"diff", File("missing.json"), File("good.json")}).code, 2);
}

TEST(ListChecks, PrintsEveryTypeWithItsParameters) {
  const CliRun r = Agent({"list-checks"});
  EXPECT_EQ(r.code, 0);
  for (const char* t : {"file -", "config_option -", "libvirt_domains -", "backup -", "http -"}) {
    EXPECT_NE(r.out.find(t), std::string::npos) << t;
  }
  EXPECT_NE(r.out.find("operators: eq, ne, lt, le, gt, ge, in, not_in, matches"),
            std::string::npos);
  const auto j = nlohmann::json::parse(Agent({"list-checks", "--format", "json"}).out);
  EXPECT_EQ(j.size(), 25u);
  EXPECT_EQ(j[0]["type"], "file");
  EXPECT_EQ(j[0]["parameters"][0]["name"], "path");
  EXPECT_TRUE(j[0]["parameters"][0]["required"].get<bool>());
}

}  // namespace
}  // namespace egov::agent
