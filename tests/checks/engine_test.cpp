// The engine: combinators, compilation errors with positions, timeouts, waivers, verdicts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "checks/compiled.h"
#include "test_util.h"

namespace egov::checks {
namespace {

namespace fs = std::filesystem;
using testing::Host;
using testing::OneCheckProfile;
using testing::RunOne;

Outcome Of(Status s) { return Outcome{s, ToString(s), {}}; }

TEST(Combine, AllAnyNoneOverEveryMixOfOutcomes) {
  struct Case {
    const char* combinator;
    std::vector<Status> parts;
    Status expected;
  } cases[] = {
      {"all", {Status::kPass, Status::kPass}, Status::kPass},
      {"all", {Status::kPass, Status::kFail}, Status::kFail},
      {"all", {Status::kError, Status::kFail}, Status::kFail},
      {"all", {Status::kPass, Status::kError}, Status::kError},
      {"all", {Status::kPass, Status::kNotApplicable}, Status::kPass},
      {"all", {Status::kNotApplicable, Status::kNotApplicable}, Status::kNotApplicable},
      {"all", {Status::kSkipped, Status::kNotApplicable}, Status::kSkipped},
      {"any", {Status::kFail, Status::kPass}, Status::kPass},
      {"any", {Status::kFail, Status::kFail}, Status::kFail},
      {"any", {Status::kFail, Status::kError}, Status::kError},
      {"none", {Status::kFail, Status::kFail}, Status::kPass},
      {"none", {Status::kFail, Status::kPass}, Status::kFail},
      {"none", {Status::kFail, Status::kError}, Status::kError},
  };
  for (const auto& c : cases) {
    std::vector<Outcome> parts;
    for (auto s : c.parts) parts.push_back(Of(s));
    EXPECT_EQ(Combine(c.combinator, parts).status, c.expected) << c.combinator;
  }
}

// Parts keep their items' verdicts; an item from a part that erred never takes an `any`'s pass.
TEST(Combine, KeepsEachPartsItemVerdicts) {
  const std::vector<Outcome> parts = {
      Outcome::Pass("ok", {{"/a", 0, "a", "a"}}),
      Outcome::Error("unreadable", {{"/b", 0, "not a certificate", "a certificate"}}),
      Outcome::Fail("bad", {{"/c", 0, "c", "d"}})};
  const Outcome any = Combine("any", parts);
  ASSERT_EQ(any.status, Status::kPass);
  ASSERT_EQ(any.evidence.size(), 3u);
  EXPECT_EQ(any.evidence[0].ok, true);
  EXPECT_EQ(any.evidence[1].ok, false);
  EXPECT_EQ(any.evidence[2].ok, false);
  const Outcome all = Combine("all", {parts[0], parts[2]});
  ASSERT_EQ(all.status, Status::kFail);
  EXPECT_EQ(all.evidence[0].ok, true);
  EXPECT_EQ(all.evidence[1].ok, false);
}

TEST(Combinators, RunRealChecksOnTheFixtures) {
  const char* passwd_ok = R"({type: file, path: /etc/passwd, mode_max: "0644"})";
  const char* shadow_ok = R"({type: file, path: /etc/shadow, mode_max: "0640"})";
  auto combo = [&](const std::string& kind) {
    return "{type: " + kind + ", checks: [" + passwd_ok + ", " + shadow_ok + "]}";
  };
  EXPECT_EQ(RunOne(combo("all"), Host("hardened")).status, Status::kPass);
  EXPECT_EQ(RunOne(combo("all"), Host("weak")).status, Status::kFail);
  EXPECT_EQ(RunOne(combo("any"), Host("weak")).status, Status::kPass);
  EXPECT_EQ(RunOne(combo("none"), Host("weak")).status, Status::kFail);
  EXPECT_EQ(
      RunOne("{type: none, checks: [{type: package, name: telnetd}]}", Host("hardened")).status,
      Status::kPass);
  const auto r = RunOne(combo("all"), Host("weak"));
  EXPECT_EQ(r.evidence.size(), 2u);  // both parts' evidence is kept
}

TEST(Compile, ErrorsNameFileLineAndColumn) {
  struct Case {
    std::string check;
    int line, column;
    std::string text;
  } cases[] = {
      {"{type: no_such_type, path: /x}", 10, 12, "unknown check type 'no_such_type'"},
      {"{type: file}", 10, 12, "missing required parameter 'path'"},
      {"{type: file, path: /x, colour: red}", 10, 43, "has no parameter 'colour'"},
      {"{type: sysctl, key: a.b, op: roughly, value: 1}", 10, 41, "expected an operator"},
      {"{type: package, name: a, op: matches, version: '1'}", 10, 41, "expected an operator"},
      {"{type: sysctl, key: a.b, op: lt, value: many}", 10, 52, "compares numbers"},
      {"{type: file_content, path: /x, pattern: '(unclosed'}", 10, 52,
       "invalid regular expression"},
      {"{type: file, path: relative/path}", 10, 31, "expected an absolute path"},
      {"{type: accounts, rule: password_max_days}", 10, 12, "required for rule"},
      {"{type: listening, port: 22, allowed: [22]}", 10, 49, "either 'port'"},
      {"{type: all, checks: [{type: file, path: /a}, {type: nope}]}", 10, 57, "unknown check type"},
      {"{type: sysctl, key: a.b, value: '${nope}'}", 10, 44, "unknown parameter '${nope}'"},
      {"{type: fact, name: missing}", 10, 31, "fact 'missing' is not defined"},
  };
  for (const auto& c : cases) {
    const Inventory inv = LoadInventoryText("p.yaml", OneCheckProfile(c.check));
    try {
      CompileProfile(inv.profiles.at(0));
      ADD_FAILURE() << c.check << " compiled";
    } catch (const ConfigError& e) {
      ASSERT_FALSE(e.diagnostics().empty());
      const Diagnostic& d = e.diagnostics()[0];
      EXPECT_EQ(d.pos.file, "p.yaml") << c.check;
      EXPECT_EQ(d.pos.line, c.line) << c.check << ": " << FormatDiagnostic(d);
      EXPECT_EQ(d.pos.column, c.column) << c.check << ": " << FormatDiagnostic(d);
      EXPECT_NE(d.message.find(c.text), std::string::npos) << FormatDiagnostic(d);
      EXPECT_NE(d.message.find("control T-1"), std::string::npos) << FormatDiagnostic(d);
    }
  }
}

TEST(Compile, ParametersArePickedPerLevel) {
  const std::string text =
      OneCheckProfile("{type: accounts, rule: password_max_days, days: '${age}'}",
                      "  age: {1: 30, 2: 60, 3: 90, 4: 90, 5: 90}\n");
  const Profile p = LoadInventoryText("p.yaml", text).profiles.at(0);
  EXPECT_THROW(CompileProfile(p), ConfigError);  // depends on the level: a level is needed
  ScanOptions o;
  o.root = Host("hardened");
  EXPECT_EQ(RunScan({CompileProfile(p, 1)}, o).profiles[0].controls[0].status, Status::kFail);
  EXPECT_EQ(RunScan({CompileProfile(p, 2)}, o).profiles[0].controls[0].status, Status::kPass);
}

TEST(Compile, LevelsAndFixedLevelProfiles) {
  const Inventory inv = LoadInventoryText("p.yaml", R"(kind: Profile
name: base
title: {vi: b, en: b}
controls:
  - id: A
    title: {vi: a, en: a}
    group: g
    feature: f
    severity: low
    levels: [4, 5]
    check: {type: file, path: /etc/passwd}
---
kind: Profile
name: base-l3
title: {vi: b3, en: b3}
extends: base
level: 3
)");
  const Profile& fixed = *inv.FindProfile("base-l3");
  ASSERT_EQ(fixed.controls.size(), 1u);
  ScanOptions o;
  o.root = Host("hardened");
  const auto r = RunScan({CompileProfile(fixed)}, o);
  EXPECT_EQ(r.profiles[0].level, 3);
  EXPECT_EQ(r.profiles[0].controls[0].status, Status::kNotApplicable);
  EXPECT_NE(r.profiles[0].controls[0].reason.find("level 4, 5"), std::string::npos);
  EXPECT_THROW(CompileProfile(fixed, 4), ConfigError);
  EXPECT_EQ(
      RunScan({CompileProfile(*inv.FindProfile("base"), 4)}, o).profiles[0].controls[0].status,
      Status::kPass);
}

TEST(Applicability, AFailingGateGivesNotApplicableWithItsReason) {
  const Inventory inv = LoadInventoryText("p.yaml", R"(kind: Profile
name: t
title: {vi: t, en: t}
facts:
  has_nginx: {type: package, name: nginx}
controls:
  - id: A
    title: {vi: a, en: a}
    group: g
    feature: f
    severity: low
    applies_if: {type: fact, name: has_nginx}
    check: {type: file, path: /etc/nginx/nginx.conf}
  - id: B
    title: {vi: b, en: b}
    group: g
    feature: f
    severity: low
    applies_if: {type: package, name: openssh-server}
    check: {type: file, path: /etc/ssh/sshd_config}
)");
  ScanOptions o;
  o.root = Host("hardened");
  const auto r = RunScan({CompileProfile(inv.profiles[0])}, o).profiles[0];
  EXPECT_EQ(r.controls[0].status, Status::kNotApplicable);
  EXPECT_NE(r.controls[0].reason.find("nginx is not installed"), std::string::npos)
      << r.controls[0].reason;
  EXPECT_EQ(r.controls[1].status, Status::kPass);
  EXPECT_EQ(r.summary.applicable, 1);
}

// A check that blocks forever (an open() of a FIFO without O_NONBLOCK) until released.
class HangingCheck : public Check {
 public:
  explicit HangingCheck(std::string fifo) : fifo_(std::move(fifo)) {}
  Outcome Run(const HostContext&) const override {
    const int fd = ::open(fifo_.c_str(), O_RDONLY);
    if (fd >= 0) ::close(fd);
    return Outcome::Pass("released");
  }

 private:
  std::string fifo_;
};

TEST(Engine, AHangingCheckTimesOutAndTheScanCompletes) {
  const fs::path fifo = fs::temp_directory_path() / ("egov-hang-" + std::to_string(::getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Inventory inv = LoadInventoryText("p.yaml", R"(kind: Profile
name: t
title: {vi: t, en: t}
controls:
  - {id: H1, title: {vi: h, en: h}, group: g, feature: f, severity: low, timeout: 200ms, check: {type: file, path: /}}
  - {id: H2, title: {vi: h, en: h}, group: g, feature: f, severity: low, timeout: 200ms, check: {type: file, path: /}}
  - {id: OK, title: {vi: o, en: o}, group: g, feature: f, severity: low, check: {type: file, path: /etc/passwd}}
)");
  auto compiled = CompileProfile(inv.profiles[0]);
  auto& mutable_profile = const_cast<CompiledProfile&>(*compiled);
  mutable_profile.controls[0].check = std::make_shared<HangingCheck>(fifo.string());
  mutable_profile.controls[1].check = std::make_shared<HangingCheck>(fifo.string());
  ScanOptions o;
  o.root = Host("hardened");
  o.workers = 2;  // both workers hang: the third check must still run
  const auto start = std::chrono::steady_clock::now();
  const auto r = RunScan({compiled}, o).profiles[0];
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(r.controls[0].status, Status::kError);
  EXPECT_EQ(r.controls[0].reason, "timed out after 200 ms");
  EXPECT_TRUE(r.controls[0].timed_out);
  EXPECT_EQ(r.controls[1].status, Status::kError);
  EXPECT_TRUE(r.controls[1].timed_out);
  EXPECT_EQ(r.controls[2].status, Status::kPass);
  EXPECT_FALSE(r.controls[2].timed_out);
  EXPECT_FALSE(r.passed);
  // Release the stuck workers so the test leaves nothing blocked behind.
  for (int i = 0; i < 50; ++i) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // ENXIO once no reader is left
    if (fd < 0) break;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fs::remove(fifo);
}

TEST(Engine, AThrowingCheckIsAnErrorAndOthersGoOn) {
  class Throwing : public Check {
   public:
    Outcome Run(const HostContext&) const override { throw std::runtime_error("boom"); }
  };
  const Inventory inv = LoadInventoryText("p.yaml", OneCheckProfile("{type: file, path: /}"));
  auto compiled = CompileProfile(inv.profiles[0]);
  const_cast<CompiledProfile&>(*compiled).controls[0].check = std::make_shared<Throwing>();
  ScanOptions o;
  o.root = Host("hardened");
  const auto r = RunScan({compiled, CompileProfile(inv.profiles[0])}, o);
  EXPECT_EQ(r.profiles[0].controls[0].status, Status::kError);
  EXPECT_NE(r.profiles[0].controls[0].reason.find("boom"), std::string::npos);
  EXPECT_EQ(r.profiles[1].controls[0].status, Status::kPass);
}

TEST(Waivers, ApplyUntilExpiryOnMatchingHostsAndCountApart) {
  const Inventory inv = LoadInventoryText("p.yaml", R"(kind: Profile
name: t
title: {vi: t, en: t}
controls:
  - {id: SHADOW, title: {vi: s, en: s}, group: g, feature: f, severity: high, check: {type: file, path: /etc/shadow, mode_max: "0640"}}
  - {id: PASSWD, title: {vi: p, en: p}, group: g, feature: f, severity: high, check: {type: file, path: /etc/passwd, mode_max: "0644"}}
---
kind: Waiver
name: shadow-lab
control: SHADOW
profile: t
hosts: ["weak-*"]
reason: "Phòng thí nghiệm"
approved_by: "Nguyễn Văn A"
expires: 2030-01-31
)");
  ScanOptions o;
  o.root = Host("weak");
  o.waivers = inv.waivers;
  o.host = "weak-host";
  o.today = *ParseDate("2030-01-31");
  auto r = RunScan({CompileProfile(inv.profiles[0])}, o).profiles[0];
  EXPECT_EQ(r.controls[0].status, Status::kWaived);
  ASSERT_TRUE(r.controls[0].waiver);
  EXPECT_EQ(r.controls[0].waiver->approved_by, "Nguyễn Văn A");
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.summary.waived, 1);
  EXPECT_DOUBLE_EQ(r.summary.score, 0.5);
  EXPECT_DOUBLE_EQ(r.summary.score_with_waivers, 1.0);
  EXPECT_EQ(r.level_verdict, LevelVerdict::kPartlyMet);
  EXPECT_TRUE(r.features[0].passed);

  o.today = *ParseDate("2030-02-01");  // expired: stops applying by itself
  r = RunScan({CompileProfile(inv.profiles[0])}, o).profiles[0];
  EXPECT_EQ(r.controls[0].status, Status::kFail);
  EXPECT_FALSE(r.passed);
  EXPECT_FALSE(r.features[0].passed);

  o.today = *ParseDate("2029-01-01");
  o.host = "hardened-host";  // another host
  EXPECT_EQ(RunScan({CompileProfile(inv.profiles[0])}, o).profiles[0].controls[0].status,
            Status::kFail);
}

TEST(Summarize, VerdictsPerCircular12) {
  ProfileResult p;
  auto add = [&](Status s) {
    ControlResult c;
    c.status = s;
    c.group = "g";
    c.feature = "f";
    p.controls.push_back(c);
  };
  add(Status::kPass);
  add(Status::kNotApplicable);
  Summarize(p);
  EXPECT_EQ(p.level_verdict, LevelVerdict::kMet);
  add(Status::kFail);
  Summarize(p);
  EXPECT_EQ(p.level_verdict, LevelVerdict::kPartlyMet);
  EXPECT_FALSE(p.features[0].passed);
  p.controls.erase(p.controls.begin());
  Summarize(p);
  EXPECT_EQ(p.level_verdict, LevelVerdict::kNotMet);
  EXPECT_EQ(p.summary.applicable, 1);
  EXPECT_DOUBLE_EQ(p.summary.score, 0);
}

}  // namespace
}  // namespace egov::checks
