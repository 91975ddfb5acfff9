#include "common/yaml_reader.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace egov::yaml {
namespace {

// `text` parsed as the file `name`, and a reading context that reports to `sink`.
struct Parsed {
  Parsed(const std::string& name, const std::string& text)
      : file(ParseText(name, text, sink)), ctx{name, &sink} {}
  const YAML::Node& document() const { return file->documents[0]; }

  DiagnosticSink sink;
  std::optional<ParsedFile> file;
  Context ctx;
};

TEST(CheckText, AcceptsVietnameseUtf8) {
  EXPECT_FALSE(CheckText("f", "agency: \"Ủy ban nhân dân tỉnh Quảng Ninh\"\n\tx\r\n").has_value());
}

TEST(CheckText, RejectsInvalidSequencesWithPosition) {
  struct Case {
    std::string bytes;
    int line;
    int column;
  } cases[] = {
      {"a\n\xff", 2, 1},               // never valid in UTF-8
      {"ab\xc3", 1, 3},                // truncated two-byte sequence
      {"\xc0\xaf", 1, 1},              // overlong '/'
      {"x: \xed\xa0\x80", 1, 4},       // UTF-16 surrogate
      {"x: \xf4\x90\x80\x80", 1, 4},   // beyond U+10FFFF
      {"k: v\n\x01", 2, 1},            // control character
      {std::string("a\0b", 3), 1, 2},  // NUL
  };
  for (const auto& c : cases) {
    auto d = CheckText("f.yaml", c.bytes);
    ASSERT_TRUE(d.has_value()) << c.bytes;
    EXPECT_EQ(d->pos.line, c.line);
    EXPECT_EQ(d->pos.column, c.column);
  }
}

TEST(CheckNesting, AcceptsOrdinaryDocuments) {
  const char* doc =
      "kind: Provider\nzones:\n  - name: a\n    hosts:\n      - {name: h, capacity: {vcpus: 1}}\n"
      "text: |\n          deeply\n                  indented\n";
  EXPECT_FALSE(CheckNesting("f", doc, 8).has_value());
}

TEST(CheckNesting, RejectsDeepFlowNesting) {
  std::string doc = "x: " + std::string(100, '[') + std::string(100, ']') + "\n";
  auto d = CheckNesting("f", doc, 64);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->pos.line, 1);
}

TEST(CheckNesting, RejectsDeepBlockNesting) {
  std::string doc;
  for (int i = 0; i < 100; ++i) doc += std::string(static_cast<size_t>(i) * 2, ' ') + "- \n";
  auto d = CheckNesting("f", doc, 64);
  ASSERT_TRUE(d.has_value());
  EXPECT_GT(d->pos.line, 60);
}

TEST(CheckNesting, RejectsCompactSequenceNesting) {
  std::string doc;
  for (int i = 0; i < 100; ++i) doc += "- ";
  doc += "x\n";
  EXPECT_TRUE(CheckNesting("f", doc, 64).has_value());
}

TEST(CheckNesting, IgnoresBracketsInQuotesAndComments) {
  std::string doc = "a: \"" + std::string(100, '[') + "\"\nb: '" + std::string(100, '{') + "'\n# " +
                    std::string(100, '[') + "\n";
  EXPECT_FALSE(CheckNesting("f", doc, 64).has_value());
}

TEST(ParseText, ReportsSyntaxErrorPosition) {
  DiagnosticSink sink;
  EXPECT_FALSE(ParseText("f.yaml", "a: [1, 2\nb: 3\n", sink).has_value());
  ASSERT_EQ(sink.size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].pos.file, "f.yaml");
  EXPECT_GT(sink.diagnostics()[0].pos.line, 0);
}

TEST(ParseText, RejectsEmptyAndCommentOnlyText) {
  for (const char* text : {"", "\n\n", "# just a comment\n", "---\n...\n"}) {
    DiagnosticSink sink;
    EXPECT_FALSE(ParseText("f", text, sink).has_value()) << text;
    EXPECT_EQ(sink.size(), 1u) << text;
  }
}

TEST(ParseText, RejectsOversizedText) {
  DiagnosticSink sink;
  std::string big(kMaxFileBytes + 1, 'a');
  EXPECT_FALSE(ParseText("big", big, sink).has_value());
  ASSERT_EQ(sink.size(), 1u);
  EXPECT_NE(sink.diagnostics()[0].message.find("at most"), std::string::npos);
}

TEST(MapReader, ReportsUnknownAndDuplicateKeys) {
  Parsed p("f", "a: 1\nb: 2\na: 3\n");
  ASSERT_TRUE(p.file.has_value());
  MapReader r(p.ctx, p.document(), "thing");
  EXPECT_EQ(r.Integer("a", true, 0, 10), 1);
  r.Finish();
  const auto& d = p.sink.diagnostics();
  ASSERT_EQ(p.sink.size(), 2u);
  EXPECT_EQ(d[0].pos.line, 2);
  EXPECT_NE(d[0].message.find("unknown key 'b'"), std::string::npos);
  EXPECT_EQ(d[1].pos.line, 3);
  EXPECT_NE(d[1].message.find("duplicate key 'a'"), std::string::npos);
}

TEST(ToJson, KeepsQuotedScalarsAsStringsAndLimitsSize) {
  Parsed p("f", "a: 1\nb: \"1\"\nc: true\nd: [x, 2.5]\n");
  ASSERT_TRUE(p.file.has_value());
  auto j = ToJson(p.ctx, p.document(), "v");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["a"], 1);
  EXPECT_EQ((*j)["b"], "1");
  EXPECT_EQ((*j)["c"], true);
  EXPECT_EQ((*j)["d"][1], 2.5);
  EXPECT_FALSE(ToJson(p.ctx, p.document(), "v", 3).has_value());
}

TEST(ToJson, AliasBombStopsAtBudget) {
  std::string doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    doc += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) doc += std::string(i ? ", *" : "*") + prev;
    doc += "]\n";
    prev = c;
  }
  Parsed p("bomb", doc);
  ASSERT_TRUE(p.file.has_value());
  EXPECT_FALSE(ToJson(p.ctx, p.document(), "v").has_value());
  EXPECT_EQ(p.sink.size(), 1u);
}

}  // namespace
}  // namespace egov::yaml

namespace egov::yaml {
namespace {

TEST(FindControl, TabAndNewlineOnly) {
  const struct {
    std::string text;
    std::optional<size_t> at;
  } cases[] = {
      {"Sở Y tế Hà Nội", std::nullopt},
      {"a\tb\nc", std::nullopt},
      {"\x1b[31mred", 0},
      {std::string("a\0b", 3), 1},
      {"a\rb", 1},
      {"ab\x7f", 2},
      {"a\xc2\x9b"
       "31m",
       1},                         // C1 CSI, in UTF-8
      {"\xc2\xa0", std::nullopt},  // no-break space is text
  };
  for (const auto& c : cases) EXPECT_EQ(FindControl(c.text), c.at) << c.text;
}

// YAML escapes put control characters past CheckText, which sees only the file's bytes.
TEST(String, RefusesControlCharactersHoweverTheyWereWritten) {
  Parsed p("inv.yaml", "agency: \"\\x1b[31mBộ\"\nsystem: \"a\\0b\"\nok: \"tab\\there\"\n");
  ASSERT_TRUE(p.file.has_value());
  MapReader r(p.ctx, p.document(), "workload w");
  EXPECT_FALSE(r.String("agency", true).has_value());
  EXPECT_FALSE(r.String("system", true).has_value());
  EXPECT_EQ(r.String("ok", true), "tab\there");
  ASSERT_EQ(p.sink.size(), 2u);
  EXPECT_EQ(FormatDiagnostic(p.sink.diagnostics()[0]),
            "inv.yaml:1:9: workload w.agency: control character U+001B is not allowed; expected "
            "text (tab and newline are the only control characters allowed)");
  EXPECT_EQ(p.sink.diagnostics()[1].pos.line, 2);
  Parsed q("p.yaml", "params: {path: \"/etc/\\e\"}\n");
  ASSERT_TRUE(q.file.has_value());
  EXPECT_FALSE(ToJson(q.ctx, q.document(), "check").has_value());
  EXPECT_EQ(q.sink.size(), 1u);
}

}  // namespace
}  // namespace egov::yaml
