// The HTML report as a real browser renders it: Debian's chromium, headless, loads the file;
// the test reads the rendered DOM for the verdicts, prints it to PDF (A4) and leaves a
// screenshot and the PDF in the build directory for people to look at.
#include <gtest/gtest.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include <memory>

#include "audit_test_util.h"
#include "orchestrator/audit/render.h"

namespace egov::orchestrator::audit {
namespace {

using namespace testing;

std::vector<std::string> Chromium(const fs::path& profile, std::vector<std::string> args) {
  std::vector<std::string> argv = {"chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

struct LibxmlFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
  void operator()(xmlXPathContext* c) const { xmlXPathFreeContext(c); }
  void operator()(xmlXPathObject* o) const { xmlXPathFreeObject(o); }
};

// The rendered DOM, queried with XPath.
class Dom {
 public:
  explicit Dom(const std::string& html)
      : doc_(htmlReadMemory(html.data(), static_cast<int>(html.size()), "dom.html", "utf-8",
                            HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET)),
        ctx_(doc_ ? xmlXPathNewContext(doc_.get()) : nullptr) {}

  /// The string value of an XPath expression ("" when it selects nothing).
  std::string Text(const std::string& xpath) const {
    if (!ctx_) return {};
    std::unique_ptr<xmlXPathObject, LibxmlFree> o(
        xmlXPathEvalExpression(BAD_CAST("string(" + xpath + ")").c_str(), ctx_.get()));
    return o && o->stringval ? reinterpret_cast<const char*>(o->stringval) : "";
  }
  int Count(const std::string& xpath) const {
    if (!ctx_) return -1;
    std::unique_ptr<xmlXPathObject, LibxmlFree> o(
        xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx_.get()));
    return o && o->nodesetval ? o->nodesetval->nodeNr : 0;
  }

 private:
  std::unique_ptr<xmlDoc, LibxmlFree> doc_;
  std::unique_ptr<xmlXPathContext, LibxmlFree> ctx_;
};

class AuditBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string waiver = R"(kind: Waiver
name: libvirt-tcp-lab
control: MIC1145-G2-BS-01
hosts: ["alpha-hn1-02"]
reason: "Phòng thí nghiệm"
approved_by: "Nguyễn Văn A"
expires: 2026-12-31
)";
    const auto report = BuildAuditReport(FleetWith(waiver), {FetchedFrom(), {}}, FixtureSettings());
    html_path_ = kBinary / "audit-report.html";
    WriteFile(html_path_, RenderReport(report, ReportFormat::kHtml));
  }

  CliRun Browse(std::vector<std::string> args) {
    args.push_back("file://" + html_path_.string());
    return RunProcess(Chromium(profile_.path(), args), "", std::chrono::seconds(90));
  }

  static inline fs::path html_path_;
  TempDir profile_;
};

TEST_F(AuditBrowserTest, RenderedDomShowsTheVerdicts) {
  const CliRun r = Browse({"--dump-dom"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Dom dom(r.out);
  auto cell = [&](const std::string& provider, const std::string& feature) {
    return dom.Text("//td[@class='cell'][@data-provider='" + provider + "'][@data-feature='" +
                    feature + "']/@data-status");
  };
  EXPECT_EQ(cell("alpha-cloud", "Nhóm 1: Yêu cầu kỹ thuật / Máy ảo"), "pass");
  EXPECT_EQ(cell("alpha-cloud", "Nhóm 2: An toàn thông tin / Cấu hình an toàn"), "fail");
  EXPECT_EQ(cell("alpha-cloud", "Nhóm 2: An toàn thông tin / Tính năng an toàn cơ bản"), "pass")
      << "waived";
  EXPECT_EQ(cell("alpha-cloud", "Nhóm 1: Yêu cầu kỹ thuật / Máy chủ vật lý"), "not_applicable");
  EXPECT_EQ(cell("beta-cloud", "Nhóm 1: Yêu cầu kỹ thuật / Máy ảo"), "unknown");
  EXPECT_EQ(dom.Text("//th[@data-provider='alpha-cloud']/span[@class='score']"), "3 / 4 đạt pass");

  auto verdict = [&](const std::string& w) {
    return dom.Text("//tr[@data-workload='" + w + "']/td[@class='verdict']/@data-verdict");
  };
  EXPECT_EQ(verdict("dvc-tinh"), "partly_met");
  EXPECT_EQ(verdict("hscv"), "met");
  EXPECT_EQ(verdict("csdl-dan-cu"), "unknown");
  EXPECT_NE(
      dom.Text("//tr[@data-workload='dvc-tinh']/td[@class='verdict']").find("Đáp ứng một phần"),
      std::string::npos);

  EXPECT_EQ(dom.Count("//tr[@class='unknown-host']"), 1);
  EXPECT_EQ(dom.Text("//tr[@class='unknown-host']/@data-host"), "beta-hcm1-01");
  EXPECT_EQ(dom.Text("//article[@data-host='beta-hcm1-01']/@data-status"), "unknown");
  EXPECT_EQ(dom.Text("//article[@data-host='alpha-hn1-02']//tr[@data-control='MIC1145-G2-BS-01']/"
                     "@data-status"),
            "waived");
  EXPECT_EQ(dom.Text("//article[@data-host='alpha-hn1-02']//tr[@data-control='MIC1145-G2-SC-03']/"
                     "@data-status"),
            "fail");
  EXPECT_NE(dom.Text("//article[@data-host='alpha-hn1-02']//tr[@data-control='MIC1145-G2-SC-03']")
                .find("/etc/ssh/sshd_config:32"),
            std::string::npos);
  EXPECT_EQ(dom.Text("//p[@id='overall']/@data-compliant"), "false");
  EXPECT_EQ(dom.Text("//span[@id='window']"), "2025-12-15 → 2026-12-14");
  EXPECT_EQ(dom.Text("//code[@id='report-sha256']").size(), 64u);
}

TEST_F(AuditBrowserTest, PrintsOnA4AndLeavesAScreenshot) {
  const fs::path pdf = kBinary / "audit-report.pdf", png = kBinary / "audit-report.png";
  fs::remove(pdf);
  fs::remove(png);
  CliRun r = Browse({"--no-pdf-header-footer", "--print-to-pdf=" + pdf.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string bytes = ReadFile(pdf);
  ASSERT_EQ(bytes.substr(0, 5), "%PDF-");
  // Every page is A4 portrait: 595 x 842 points (Chromium writes 594.96 x 841.92).
  size_t pages = 0;
  for (size_t at = bytes.find("/MediaBox"); at != std::string::npos;
       at = bytes.find("/MediaBox", at + 1)) {
    const std::string box = bytes.substr(at, bytes.find(']', at) - at);
    EXPECT_NE(box.find("[0 0 59"), std::string::npos) << box;
    EXPECT_NE(box.find(" 84"), std::string::npos) << box;
    ++pages;
  }
  EXPECT_GE(pages, 2u);
  r = Browse({"--window-size=1024,3000", "--screenshot=" + png.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadFile(png).substr(1, 3), "PNG");
}

}  // namespace
}  // namespace egov::orchestrator::audit
