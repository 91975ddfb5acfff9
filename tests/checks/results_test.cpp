// The egov.results/v1 document (docs/results.md) and the reports built from the same results.
#include <libxml/parser.h>

#include <gtest/gtest.h>

#include <sstream>

#include "checks/report.h"
#include "test_util.h"

namespace egov::checks {
namespace {

using nlohmann::json;
using testing::Host;
using testing::kSource;

ScanResult WeakScan() {
  static const ScanResult r = [] {
    const Inventory inv = LoadInventory({kSource + "/profiles"});
    std::vector<Waiver> waivers(1);
    waivers[0].name = "shadow-lab";
    waivers[0].control = "MIC1145-G2-SC-07";
    waivers[0].hosts = {"*"};
    waivers[0].reason = "Máy thử nghiệm <lab>";
    waivers[0].approved_by = "Nguyễn Văn A";
    waivers[0].expires = *ParseDate("2099-12-31");
    ScanOptions o;
    o.root = Host("weak");
    o.host = "weak-host";
    o.waivers = waivers;
    return RunScan({CompileProfile(*inv.FindProfile("mic-1145")),
                    CompileProfile(*inv.FindProfile("decree85-level4")),
                    CompileProfile(*inv.FindProfile("availability"))},
                   o);
  }();
  return r;
}

// Checks one value's type as docs/results.md gives it.
void Type(const json& j, const std::string& key, json::value_t t, const std::string& where) {
  ASSERT_TRUE(j.contains(key)) << where << "." << key << " missing";
  const auto got = j.at(key).type();
  const bool number = t == json::value_t::number_float && (got == json::value_t::number_integer ||
                                                           got == json::value_t::number_unsigned);
  const bool integer = t == json::value_t::number_integer && got == json::value_t::number_unsigned;
  EXPECT_TRUE(got == t || number || integer)
      << where << "." << key << " is " << j.at(key).type_name();
}

TEST(ResultsJson, FollowsTheContract) {
  using V = json::value_t;
  const json j = ToJson(WeakScan());
  EXPECT_EQ(j["schema"], "egov.results/v1");
  Type(j, "agent", V::object, "");
  Type(j["agent"], "version", V::string, "agent");
  Type(j["agent"], "revision", V::string, "agent");
  for (const char* k : {"host", "root", "started_at", "finished_at"}) Type(j, k, V::string, "");
  EXPECT_EQ(j["host"], "weak-host");
  EXPECT_EQ(j["started_at"].get<std::string>().size(), 20u);  // 2026-11-23T01:02:03Z
  EXPECT_EQ(j["started_at"].get<std::string>().back(), 'Z');
  Type(j, "duration_seconds", V::number_float, "");
  ASSERT_EQ(j["profiles"].size(), 3u);
  const std::set<std::string> statuses = {"pass",    "fail",           "error",
                                          "skipped", "not_applicable", "waived"};
  for (const auto& p : j["profiles"]) {
    const std::string w = p["name"];
    for (const char* k : {"name", "version", "level_verdict"}) Type(p, k, V::string, w);
    Type(p, "title", V::object, w);
    Type(p["title"], "vi", V::string, w);
    Type(p["title"], "en", V::string, w);
    EXPECT_TRUE(p["level"].is_null() || p["level"].is_number_integer()) << w;
    Type(p, "passed", V::boolean, w);
    EXPECT_TRUE(p["level_verdict"] == "met" || p["level_verdict"] == "partly_met" ||
                p["level_verdict"] == "not_met");
    const json& s = p["summary"];
    for (const char* k :
         {"pass", "fail", "error", "skipped", "not_applicable", "waived", "applicable"}) {
      Type(s, k, V::number_integer, w + ".summary");
    }
    Type(s, "score", V::number_float, w);
    Type(s, "score_with_waivers", V::number_float, w);
    int counted = 0;
    for (const auto& f : p["features"]) {
      Type(f, "group", V::string, w + ".features");
      Type(f, "feature", V::string, w + ".features");
      Type(f, "passed", V::boolean, w + ".features");
      Type(f, "controls", V::number_integer, w + ".features");
      counted += f["controls"].get<int>();
    }
    EXPECT_EQ(counted, static_cast<int>(p["controls"].size()));
    int fails = 0;
    for (const auto& c : p["controls"]) {
      const std::string cw = w + "." + c["id"].get<std::string>();
      for (const char* k : {"id", "group", "feature", "severity", "status", "reason"})
        Type(c, k, V::string, cw);
      for (const char* k : {"title", "remediation"}) {
        Type(c, k, V::object, cw);
        Type(c[k], "vi", V::string, cw);
        Type(c[k], "en", V::string, cw);
      }
      Type(c, "evidence", V::array, cw);
      Type(c, "references", V::array, cw);
      Type(c, "duration_seconds", V::number_float, cw);
      EXPECT_TRUE(statuses.contains(c["status"])) << cw;
      for (const auto& e : c["evidence"]) {
        for (const char* k : {"source", "observed", "expected"})
          Type(e, k, V::string, cw + ".evidence");
        if (e.contains("line")) {
          EXPECT_GT(e["line"].get<int>(), 0);
        }
        // A judged control judges each item it lists.
        if (c["status"] == "pass" || c["status"] == "fail") Type(e, "ok", V::boolean, cw);
      }
      ASSERT_TRUE(c.contains("waiver")) << cw;
      if (c["status"] == "waived") {
        for (const char* k : {"name", "reason", "approved_by", "expires"})
          Type(c["waiver"], k, V::string, cw);
      } else {
        EXPECT_TRUE(c["waiver"].is_null()) << cw;
      }
      fails += c["status"] == "fail" || c["status"] == "error";
    }
    EXPECT_EQ(p["passed"].get<bool>(), fails == 0) << w;
  }
  // Vietnamese text is written as UTF-8, not \u escapes.
  EXPECT_NE(j.dump().find("Nguyễn Văn A"), std::string::npos);
}

TEST(ResultsJson, EvidenceSaysWhereAValueWasRead) {
  const ScanResult& r = WeakScan();
  const ControlResult* root_login = nullptr;
  for (const auto& c : r.profiles[0].controls) {
    if (c.id == "MIC1145-G2-SF-03") root_login = &c;
  }
  ASSERT_NE(root_login, nullptr);
  EXPECT_EQ(root_login->status, Status::kFail);
  bool found = false;
  for (const auto& e : root_login->evidence) {
    if (e.source == "/etc/ssh/sshd_config" && e.line == 11 &&
        e.observed.find("permitrootlogin yes") != std::string::npos) {
      found = true;
      EXPECT_EQ(e.expected, "no");
      EXPECT_EQ(e.ok, false);
    }
  }
  EXPECT_TRUE(found) << "no evidence pointing at the Match block's line";
}

TEST(ResultsJson, ApplicableAndSatisfiedStatuses) {
  EXPECT_TRUE(IsApplicable(Status::kFail));
  EXPECT_TRUE(IsApplicable(Status::kWaived));
  EXPECT_FALSE(IsApplicable(Status::kNotApplicable));
  EXPECT_FALSE(IsApplicable(Status::kSkipped));
  EXPECT_TRUE(IsSatisfied(Status::kPass));
  EXPECT_TRUE(IsSatisfied(Status::kWaived));
  EXPECT_FALSE(IsSatisfied(Status::kFail));
  EXPECT_FALSE(IsSatisfied(Status::kError));
}

TEST(ResultsJson, SaysTimedOutOnlyForAControlAbandonedOnItsTimeout) {
  ScanResult r = WeakScan();
  ControlResult& c = r.profiles[0].controls[0];
  c.status = Status::kError;
  c.reason = "timed out after 5 s";  // the text alone says nothing
  json j = ToJson(r);
  EXPECT_FALSE(j["profiles"][0]["controls"][0].contains("timed_out"));
  EXPECT_FALSE(ScanResultFromJson(j, "r.json").profiles[0].controls[0].timed_out);
  c.timed_out = true;
  j = ToJson(r);
  EXPECT_EQ(j["profiles"][0]["controls"][0]["timed_out"], true);
  EXPECT_TRUE(ScanResultFromJson(j, "r.json").profiles[0].controls[0].timed_out);
  j["profiles"][0]["controls"][0]["timed_out"] = "yes";
  EXPECT_THROW(ScanResultFromJson(j, "r.json"), ConfigError);
}

TEST(ResultsJson, ParsesRfc3339Times) {
  struct Case {
    const char* text;
    const char* utc;
  } cases[] = {
      {"2026-11-23T01:02:03Z", "2026-11-23T01:02:03Z"},
      {"2026-11-23T01:02:03.123456Z", "2026-11-23T01:02:03Z"},
      {"2026-11-23t01:02:03z", "2026-11-23T01:02:03Z"},
      {"2026-11-23T08:02:03+07:00", "2026-11-23T01:02:03Z"},
      {"2026-11-22T23:00:00-03:30", "2026-11-23T02:30:00Z"},
      {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
  };
  for (const auto& c : cases) {
    auto t = ParseTimestamp(c.text);
    ASSERT_TRUE(t) << c.text;
    EXPECT_EQ(FormatTimestamp(*t), c.utc) << c.text;
  }
  for (const char* text : {"", "2026-11-23", "2026-11-23T01:02:03", "2026-13-01T00:00:00Z",
                           "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T01:02:03.Z",
                           "2026-11-23T01:02:03+7:00", "2026-11-23T01:02:03Zjunk", "x"}) {
    EXPECT_FALSE(ParseTimestamp(text)) << text;
  }
}

// Each malformed document is refused with the JSON path of what is wrong.
TEST(ResultsJson, NamesWhatIsWrongInAMalformedDocument) {
  const json base = ToJson(WeakScan());
  auto with = [&](auto change) {
    json doc = base;
    change(doc);
    return doc.dump();
  };
  const std::string id1 = base["profiles"][0]["controls"][1]["id"];
  struct Case {
    std::string text;
    std::string error;
  } cases[] = {
      {"", "not valid JSON"},
      {"{\"schema\":", "not valid JSON"},
      {"\xff\xfe", "not valid JSON"},
      {"[]", "expected a JSON object"},
      {with([](json& d) { d["schema"] = "egov.results/v2"; }),
       "schema: expected \"egov.results/v1\" (docs/results.md), got \"egov.results/v2\""},
      {with([](json& d) { d.erase("host"); }), "host: missing"},
      {with([](json& d) { d["finished_at"] = "yesterday"; }),
       "finished_at: expected an RFC 3339 time"},
      {with([](json& d) { d["profiles"] = 3; }), "profiles: expected an array"},
      {with([](json& d) { d["profiles"][0].erase("controls"); }), "profiles[0].controls: missing"},
      {with([](json& d) { d["profiles"][1]["controls"][0].erase("id"); }),
       "profiles[1].controls[0].id: missing"},
      {with([](json& d) { d["profiles"][0]["controls"][2]["status"] = "ok"; }),
       "profiles[0].controls[2].status: expected pass, fail, error, skipped, not_applicable or "
       "waived, got 'ok'"},
      {with([&](json& d) { d["profiles"][0]["controls"][2]["id"] = id1; }),
       "profiles[0].controls[2]: control " + id1 + " appears twice"},
  };
  for (const auto& c : cases) {
    try {
      ScanResultFromJson(ParseResultsJson(c.text, "r.json"), "r.json");
      ADD_FAILURE() << "accepted; expected " << c.error;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.diagnostics()[0].pos.file, "r.json");
      EXPECT_NE(e.diagnostics()[0].message.find(c.error), std::string::npos)
          << e.diagnostics()[0].message << " / expected " << c.error;
    }
  }
}

TEST(ResultsJson, RefusesDeepNestingQuickly) {
  // document > profiles > profile > controls > control: 5 levels, then `arrays` nested arrays
  // as the evidence.
  auto nested = [](int arrays) {
    json doc = ToJson(WeakScan());
    doc["profiles"][0]["controls"][0]["evidence"] = "HERE";
    std::string text = doc.dump();
    text.replace(text.find("\"HERE\""), 6, std::string(arrays, '[') + std::string(arrays, ']'));
    return text;
  };
  EXPECT_NO_THROW(ParseResultsJson(nested(59), "r.json")) << "64 levels are allowed";
  EXPECT_THROW(ParseResultsJson(nested(60), "r.json"), ConfigError);
  const std::string bomb = std::string(8 << 20, '[');
  const auto start = std::chrono::steady_clock::now();
  try {
    ParseResultsJson(bomb, "r.json");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics()[0].message, "nested deeper than 64 levels");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ResultsJson, RoundTripsAndRefusesOtherDocuments) {
  const json j = ToJson(WeakScan());
  const ScanResult back = ScanResultFromJson(j, "r.json");
  EXPECT_EQ(ToJson(back), j);
  json bad = j;
  bad["schema"] = "other/v2";
  EXPECT_THROW(ScanResultFromJson(bad, "r.json"), ConfigError);
  bad = j;
  bad["profiles"][0]["controls"][0]["status"] = "maybe";
  EXPECT_THROW(ScanResultFromJson(bad, "r.json"), ConfigError);
  bad = j;
  bad["profiles"][0].erase("controls");
  try {
    ScanResultFromJson(bad, "r.json");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(e.diagnostics()[0].message.find("profiles[0].controls"), std::string::npos);
  }
}

std::string Render(ReportFormat f) {
  std::ostringstream out;
  WriteReport(WeakScan(), f, out);
  return out.str();
}

TEST(Reports, TextPutsTheSummaryFirstThenFailuresWithEvidenceAndFix) {
  const std::string t = Render(ReportFormat::kText);
  const size_t summary = t.find("PROFILE"), failures = t.find("Failures:");
  ASSERT_NE(summary, std::string::npos);
  ASSERT_NE(failures, std::string::npos);
  EXPECT_LT(summary, failures);
  EXPECT_NE(t.find("/etc/ssh/sshd_config:11"), std::string::npos);
  EXPECT_NE(t.find("fix: Set PermitRootLogin no"), std::string::npos);
  EXPECT_NE(t.find("Waived:"), std::string::npos);
  EXPECT_NE(t.find("Features not met in mic-1145"), std::string::npos);
}

// A failed control with one item meeting its rule and one breaking it, and an erred one whose
// item was not judged.
ScanResult MixedScan() {
  ScanResult r;
  r.host = "h";
  r.root = "/";
  ProfileResult p;
  p.name = "p";
  ControlResult failed;
  failed.id = "T-1";
  failed.status = Status::kFail;
  failed.reason = "libvirtd.conf is world-readable";
  failed.evidence = {{"/etc/libvirt/qemu.conf", 0, "mode 0600", "mode at most 0644", true},
                     {"/etc/libvirt/libvirtd.conf", 3, "mode 0666", "mode at most 0644", false}};
  ControlResult erred;
  erred.id = "T-2";
  erred.status = Status::kError;
  erred.reason = "unreadable";
  erred.evidence = {{"/etc/pki/cert.pem", 0, "not a PEM certificate", "a valid certificate"}};
  p.controls = {failed, erred};
  Summarize(p);
  r.profiles = {p};
  return r;
}

TEST(Reports, TextAndJunitMarkEachEvidenceItem) {
  std::ostringstream text, junit;
  WriteReport(MixedScan(), ReportFormat::kText, text);
  WriteReport(MixedScan(), ReportFormat::kJunit, junit);
  const std::string t = text.str();
  EXPECT_NE(t.find("      ✓ /etc/libvirt/qemu.conf: mode 0600 (expected mode at most 0644)\n"),
            std::string::npos)
      << t;
  EXPECT_NE(
      t.find("      ✗ /etc/libvirt/libvirtd.conf:3: mode 0666 (expected mode at most 0644)\n"),
      std::string::npos)
      << t;
  // Not judged: no mark.
  EXPECT_NE(t.find("      /etc/pki/cert.pem: not a PEM certificate"), std::string::npos) << t;
  const std::string x = junit.str();
  EXPECT_NE(x.find("\">✓ /etc/libvirt/qemu.conf: mode 0600 (expected mode at most 0644)\n"
                   "✗ /etc/libvirt/libvirtd.conf:3: mode 0666 (expected mode at most 0644)\n"
                   "</failure>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("\">/etc/pki/cert.pem: not a PEM certificate"), std::string::npos) << x;
  // On a real scan: the weak host's PermitRootLogin is the violation.
  EXPECT_NE(Render(ReportFormat::kText).find("✗ /etc/ssh/sshd_config:11: "), std::string::npos);
}

TEST(Reports, JunitIsWellFormedWithACasePerControl) {
  const std::string x = Render(ReportFormat::kJunit);
  xmlDoc* doc =
      xmlReadMemory(x.data(), static_cast<int>(x.size()), "junit.xml", nullptr, XML_PARSE_NONET);
  ASSERT_NE(doc, nullptr);
  size_t cases = 0, failures = 0;
  for (xmlNode* s = xmlDocGetRootElement(doc)->children; s; s = s->next) {
    for (xmlNode* c = s->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      ++cases;
      for (xmlNode* f = c->children; f; f = f->next) {
        failures += f->type == XML_ELEMENT_NODE && xmlStrcmp(f->name, BAD_CAST "failure") == 0;
      }
    }
  }
  xmlFreeDoc(doc);
  size_t controls = 0, fails = 0;
  for (const auto& p : WeakScan().profiles) {
    controls += p.controls.size();
    fails += static_cast<size_t>(p.summary.fail);
  }
  EXPECT_EQ(cases, controls);
  EXPECT_EQ(failures, fails);
}

TEST(Reports, SarifHasARuleForEveryControlAndAResultPerFinding) {
  const json s = json::parse(Render(ReportFormat::kSarif));
  EXPECT_EQ(s["version"], "2.1.0");
  const json& run = s["runs"][0];
  size_t controls = 0, findings = 0;
  for (const auto& p : WeakScan().profiles) {
    controls += p.controls.size();
    findings += static_cast<size_t>(p.summary.fail + p.summary.error + p.summary.waived);
  }
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), controls);
  EXPECT_EQ(run["results"].size(), findings);
  bool suppressed = false;
  for (const auto& r : run["results"]) suppressed = suppressed || r.contains("suppressions");
  EXPECT_TRUE(suppressed);
  // Locations are relative to the scanned root, which originalUriBaseIds gives.
  const std::string root = run["originalUriBaseIds"]["ROOT"]["uri"];
  EXPECT_EQ(root, "file://" + Host("weak") + "/");
  size_t located = 0;
  for (const auto& r : run["results"]) {
    for (const auto& l : r["locations"]) {
      const auto& a = l["physicalLocation"]["artifactLocation"];
      EXPECT_EQ(a["uriBaseId"], "ROOT");
      EXPECT_NE(a["uri"].get<std::string>()[0], '/') << a["uri"];
      ++located;
    }
  }
  EXPECT_GT(located, 0u);
}

TEST(Reports, HtmlPutsContentsAndFailuresFirstAndListsEveryWaiverGiven) {
  std::vector<Waiver> waivers(3);
  waivers[0].name = "shadow-lab";  // applied (WeakScan was given it)
  waivers[0].control = "MIC1145-G2-SC-07";
  waivers[0].expires = *ParseDate("2099-12-31");
  waivers[1].name = "old-exception";
  waivers[1].control = "MIC1145-G2-SF-03";
  waivers[1].expires = *ParseDate("2020-01-31");
  waivers[2].name = "typo";
  waivers[2].control = "MIC1145-G9-XX-99";
  waivers[2].expires = *ParseDate("2099-12-31");
  std::ostringstream out;
  WriteReport(WeakScan(), ReportFormat::kHtml, out, waivers);
  const std::string h = out.str();
  const size_t contents = h.find("<nav>"), failures = h.find("id=\"failures\""),
               details = h.find("id=\"p-mic-1145\"");
  ASSERT_NE(contents, std::string::npos);
  ASSERT_NE(failures, std::string::npos);
  ASSERT_NE(details, std::string::npos);
  EXPECT_LT(contents, failures);
  EXPECT_LT(failures, details);
  for (const char* link :
       {"href=\"#failures\"", "href=\"#waivers\"", "href=\"#p-decree85-level4\"",
        "href=\"#c-mic-1145-MIC1145-G2-SF-01\"", "id=\"c-mic-1145-MIC1145-G2-SF-01\""}) {
    EXPECT_NE(h.find(link), std::string::npos) << link;
  }
  // The failures table starts with the critical ones.
  const size_t critical = h.find("MIC1145-G2-SF-01", failures),
               medium = h.find("MIC1145-G1-PH-02", failures);
  EXPECT_LT(critical, medium);
  EXPECT_NE(h.find(Host("weak")), std::string::npos);  // the root's absolute path
  for (const char* state : {"applied", "expired, not applied", "names no scanned control"}) {
    EXPECT_NE(h.find(state), std::string::npos) << state;
  }
}

TEST(Reports, HtmlIsOneBilingualPageWithEscapedText) {
  const std::string h = Render(ReportFormat::kHtml);
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* text : {"Báo cáo kiểm tra tuân thủ", "Compliance scan report",
                           "Đáp ứng một phần", "Máy thử nghiệm &lt;lab&gt;", "@media print"}) {
    EXPECT_NE(h.find(text), std::string::npos) << text;
  }
  // Escaped, without scripts, self-contained: nothing fetched.
  for (const char* text : {"<lab>", "<script", "http://"}) {
    EXPECT_EQ(h.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace egov::checks
