#include "orchestrator/audit/render.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"
#include "common/diagnostics.h"
#include "orchestrator/audit/diff.h"
#include "orchestrator/audit/seal.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;
using nlohmann::ordered_json;

constexpr ReportFormat kFormats[] = {ReportFormat::kJson, ReportFormat::kHtml, ReportFormat::kCsv};

ordered_json Report(const AuditInputs& in = {FetchedFrom(), {}}) {
  return BuildAuditReport(FleetWith(), in, FixtureSettings());
}

// A result whose texts try to break out of HTML, the embedded JSON and the spreadsheet.
AuditInputs HostileInputs() {
  auto doc = FixtureResult("alpha-hn1-02");
  auto& c = doc["profiles"][0]["controls"][4];
  c["reason"] =
      "=HYPERLINK(\"http://evil.example\",\"click\")</script><script>alert(1)</script>"
      " & \"quoted\" <b>bold</b>";
  c["title"]["en"] = "+SUM(A1:A9), with \"quotes\"\nand a newline";
  c["remediation"]["vi"] = "@cmd|' /C calc'!A0";
  AuditInputs in{FetchedFrom(), {}};
  in.fetched[1].body = doc.dump();
  return in;
}

TEST(AuditRenderTest, EveryFormatIsSealedAndVerifies) {
  const auto r = Report();
  for (ReportFormat f : kFormats) {
    const std::string bytes = RenderReport(r, f);
    const Verification v = VerifyReport(bytes, "report");
    EXPECT_EQ(v.format, f);
    EXPECT_TRUE(v.ok) << ToString(f) << ": " << v.problem;
    EXPECT_EQ(v.claimed.size(), 64u);
    EXPECT_EQ(v.claimed, v.actual);
    EXPECT_EQ(RenderReport(r, f), bytes) << ToString(f) << " must render deterministically";
  }
}

TEST(AuditRenderTest, SealIsTheDigestOfTheBytesWithTheDigestZeroed) {
  const auto r = Report();
  const std::string zeros(64, '0');
  EXPECT_EQ(VerifyReport(RenderReport(r, ReportFormat::kJson), "r").claimed,
            Sha256Hex(RenderJson(r, zeros)));
  EXPECT_EQ(VerifyReport(RenderReport(r, ReportFormat::kHtml), "r").claimed,
            Sha256Hex(RenderHtml(r, zeros)));
  EXPECT_EQ(VerifyReport(RenderReport(r, ReportFormat::kCsv), "r").claimed,
            Sha256Hex(RenderCsv(r, zeros)));
}

TEST(AuditRenderTest, VerifyDetectsASingleChangedByteAnywhere) {
  const auto r = Report();
  for (ReportFormat f : kFormats) {
    const std::string sealed = RenderReport(r, f);
    const std::string digest = VerifyReport(sealed, "r").claimed;
    std::vector<size_t> positions = {0,
                                     1,
                                     sealed.size() - 1,
                                     sealed.size() - 2,
                                     sealed.find(digest),
                                     sealed.find(digest) + 63,
                                     sealed.find("partly_met"),
                                     sealed.find("alpha-hn1-02")};
    for (size_t i = 0; i < sealed.size(); i += 211) positions.push_back(i);
    for (size_t pos : positions) {
      ASSERT_LT(pos, sealed.size());
      for (int delta : {1, -1}) {
        std::string changed = sealed;
        changed[pos] = static_cast<char>(changed[pos] + delta);
        try {
          const Verification v = VerifyReport(changed, "r");
          EXPECT_FALSE(v.ok) << ToString(f) << " byte " << pos << " changed by " << delta;
        } catch (const ConfigError&) {
          // The change made it unrecognisable (e.g. the first byte): also a detection.
        }
      }
    }
    EXPECT_FALSE(VerifyReport(sealed.substr(0, sealed.size() - 1), "r").ok) << ToString(f);
    EXPECT_FALSE(VerifyReport(sealed + "\n", "r").ok) << ToString(f);
  }
}

TEST(AuditRenderTest, VerifyRefusesWhatIsNotAReport) {
  EXPECT_THROW(VerifyReport("hello", "x.txt"), ConfigError);
  EXPECT_THROW(VerifyReport("", "empty"), ConfigError);
  const Verification v = VerifyReport("{\"schema\": \"egov.audit/v1\"}\n", "plain.json");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(v.claimed.empty());
  EXPECT_NE(v.problem.find("no report digest"), std::string::npos);
}

TEST(AuditRenderTest, HtmlEscapesHostileTextAndKeepsItsData) {
  const auto r = Report(HostileInputs());
  const std::string html = RenderReport(r, ReportFormat::kHtml);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
  // One script element only: the embedded data, which the hostile text cannot close.
  EXPECT_EQ(html.find("<script"), html.rfind("<script"));
  EXPECT_EQ(LoadReport(html, "r.html"), r);
  EXPECT_TRUE(VerifyReport(html, "r.html").ok);
}

TEST(AuditRenderTest, HtmlIsBilingualAndSelfContained) {
  const std::string html = RenderReport(Report(), ReportFormat::kHtml);
  for (const char* text :
       {"Ma trận tính năng", "feature matrix", "Máy chủ chưa xác định", "Unknown hosts",
        "Đáp ứng một phần", "Partly met", "@page", "size: A4", "lang=\"vi\"", "lang=\"en\""}) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
  for (const char* fetch : {"src=", "href=", "@import", "url("}) {
    EXPECT_EQ(html.find(fetch), std::string::npos) << fetch << ": the report must not fetch";
  }
}

TEST(AuditRenderTest, CsvNeverHandsASpreadsheetAFormula) {
  const std::string csv = RenderReport(Report(HostileInputs()), ReportFormat::kCsv);
  const auto rows = ParseCsv(csv, "r.csv");
  bool saw = false;
  for (const auto& row : rows) {
    for (const auto& field : row) {
      ASSERT_TRUE(field.empty() ||
                  std::string_view("=+-@").find(field[0]) == std::string_view::npos)
          << field;
      if (field.find("HYPERLINK") != std::string::npos) {
        EXPECT_EQ(field.substr(0, 2), "'=");
        saw = true;
      }
    }
  }
  EXPECT_TRUE(saw);
}

TEST(AuditRenderTest, CsvHasOneRowPerControlAndHostWithEvidence) {
  const std::string csv = RenderReport(Report(), ReportFormat::kCsv);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  const auto rows = ParseCsv(csv.substr(3), "r.csv");
  ASSERT_EQ(rows[0], CsvColumns());
  int controls = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), CsvColumns().size());
    if (row[0] != "control") continue;
    ++controls;
    if (row[3] == "alpha-hn1-02" && row[8] == "MIC1145-G2-SC-03") {
      EXPECT_EQ(row[12], "fail");
      EXPECT_EQ(row[14], "/etc/ssh/sshd_config:32: PermitRootLogin yes (expected no)");
      EXPECT_EQ(row[16], "Set PermitRootLogin no in /etc/ssh/sshd_config and reload sshd");
    }
  }
  EXPECT_EQ(controls, 2 * (7 + 4 + 5));
  EXPECT_EQ(rows.back()[0], "report");
}

TEST(AuditLoadTest, EveryFormatLoadsToTheSameDiffableData) {
  const auto r = Report();
  const auto from_json = LoadReport(RenderReport(r, ReportFormat::kJson), "r.json");
  const auto from_html = LoadReport(RenderReport(r, ReportFormat::kHtml), "r.html");
  const auto from_csv = LoadReport(RenderReport(r, ReportFormat::kCsv), "r.csv");
  EXPECT_EQ(from_html, r);
  EXPECT_EQ(from_json["hosts"], r["hosts"]);
  for (const auto& other : {from_json, from_html, from_csv}) {
    const auto d = DiffReports(from_json, other);
    EXPECT_EQ(d["regressions"], 0) << d.dump(1);
    EXPECT_EQ(d["improvements"], 0) << d.dump(1);
    EXPECT_TRUE(d["hosts_added"].empty() && d["hosts_removed"].empty());
  }
  EXPECT_EQ(from_csv["auditor"], "Kiểm toán viên <test>");
  EXPECT_EQ(from_csv["window"]["to"], "2026-12-14");
  EXPECT_EQ(Named(from_csv["hosts"], "alpha-hn1-02")["result_sha256"],
            Named(r["hosts"], "alpha-hn1-02")["result_sha256"]);
  EXPECT_EQ(Named(from_csv["providers"], "alpha-cloud")["matrix"]["passed"], 2);
}

TEST(AuditLoadTest, RejectsDamagedReports) {
  EXPECT_THROW(LoadReport("{\"schema\": \"other\"}", "x.json"), ConfigError);
  EXPECT_THROW(LoadReport("{not json", "x.json"), ConfigError);
  EXPECT_THROW(LoadReport("<!DOCTYPE html><html></html>", "x.html"), ConfigError);
  EXPECT_THROW(LoadReport("record,provider\r\n", "x.csv"), ConfigError);
}

TEST(ParseCsvTest, QuotesCommasAndNewlines) {
  const auto rows = ParseCsv("a,\"b,c\",\"d \"\"e\"\"\"\r\n\"x\ny\",,z\r\nlast", "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b,c", "d \"e\""}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"x\ny", "", "z"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"last"}));
  EXPECT_THROW(ParseCsv("a,\"open\r\n", "t.csv"), ConfigError);
  EXPECT_THROW(ParseCsv("\"a\"b\r\n", "t.csv"), ConfigError);
}

TEST(ReportFormatTest, NamesAndExtensions) {
  EXPECT_EQ(ParseReportFormat("html"), ReportFormat::kHtml);
  EXPECT_FALSE(ParseReportFormat("pdf"));
  EXPECT_EQ(FormatFromPath("out/report.htm"), ReportFormat::kHtml);
  EXPECT_EQ(FormatFromPath("q3.csv"), ReportFormat::kCsv);
  EXPECT_FALSE(FormatFromPath("report"));
}

}  // namespace
}  // namespace egov::orchestrator::audit
