#include "common/yaml_reader.h"

#include <sys/stat.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace egov::yaml {
namespace {

// Line and column (1-based, columns in bytes) of an offset into `bytes`.
SourcePos PosAt(const std::string& path, std::string_view bytes, size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {path, line, static_cast<int>(offset - line_start) + 1};
}

// Length of the UTF-8 sequence starting at `s[i]`, or 0 if it is not valid UTF-8.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<Diagnostic> CheckText(const std::string& path, std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", c);
      return Diagnostic{PosAt(path, bytes, i),
                        std::string("control character ") + buf +
                            " is not allowed; expected UTF-8 YAML text (is this a binary file?)"};
    }
    const size_t n = Utf8Length(bytes, i);
    if (n == 0) {
      return Diagnostic{PosAt(path, bytes, i),
                        "invalid UTF-8 byte sequence; expected UTF-8 encoded text"};
    }
    i += n;
  }
  return std::nullopt;
}

std::optional<Diagnostic> CheckNesting(const std::string& path, std::string_view bytes,
                                       int max_depth) {
  std::vector<size_t> indents;   // block collections open at these columns
  int flow = 0;                  // open [ and { brackets
  char quote = 0;                // inside a quoted scalar: ' or "
  int block_scalar_parent = -1;  // inside a | or > scalar: lines indented deeper belong to it
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(pos, end - pos);
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const bool blank = indent == line.size() || line[indent] == '#' || line[indent] == '\r';
    if (block_scalar_parent >= 0 && (blank || static_cast<int>(indent) > block_scalar_parent)) {
      pos = end + 1;
      continue;
    }
    block_scalar_parent = -1;
    if (!blank && quote == 0 && flow == 0) {
      if (line.substr(indent, 3) == "---" || line.substr(indent, 3) == "...") {
        indents.clear();
      } else {
        while (!indents.empty() && indents.back() >= indent) indents.pop_back();
        indents.push_back(indent);
        // Compact nesting on one line: "- - - x" or "- key: value".
        size_t k = indent;
        while (k + 1 < line.size() && line[k] == '-' && IsBlank(line[k + 1])) {
          k += 2;
          while (k < line.size() && IsBlank(line[k])) ++k;
          indents.push_back(k);
        }
      }
    }
    char prev = ' ';
    for (size_t i = quote ? 0 : indent; i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (quote == '"' && c == '\\') {
          ++i;
        } else if (c == quote) {
          if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            quote = 0;
          }
        }
      } else if (c == '#' && IsBlank(prev)) {
        break;
      } else if ((c == '"' || c == '\'') &&
                 (IsBlank(prev) || prev == '[' || prev == '{' || prev == ',' || i == 0)) {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++flow;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
      if (!quote && static_cast<int>(indents.size()) + flow > max_depth) {
        return Diagnostic{PosAt(path, bytes, pos + i),
                          "nesting deeper than " + std::to_string(max_depth) +
                              " levels; expected a shallower document"};
      }
      prev = c;
    }
    if (static_cast<int>(indents.size()) + flow > max_depth) {
      return Diagnostic{PosAt(path, bytes, pos + indent),
                        "nesting deeper than " + std::to_string(max_depth) +
                            " levels; expected a shallower document"};
    }
    // A block scalar header ("key: |" or "- >-") hides the lines below it from this scan.
    if (!quote && flow == 0) {
      std::string_view rest = line;
      while (!rest.empty() && (IsBlank(rest.back()) || rest.back() == '\r')) rest.remove_suffix(1);
      size_t h = rest.find_last_of("|>");
      if (h != std::string_view::npos && h > 0 && IsBlank(rest[h - 1])) {
        bool header = true;
        for (size_t j = h + 1; j < rest.size(); ++j) {
          header =
              header && (rest[j] == '-' || rest[j] == '+' || (rest[j] >= '1' && rest[j] <= '9'));
        }
        if (header) block_scalar_parent = static_cast<int>(indent);
      }
    }
    pos = end + 1;
  }
  return std::nullopt;
}

const YAML::Node& OnlyDocument(const ParsedFile& parsed, DiagnosticSink& sink) {
  if (parsed.documents.size() != 1) {
    sink.Add({parsed.path, 1, 1},
             "expected one YAML document, got " + std::to_string(parsed.documents.size()));
    sink.ThrowIfAny();
  }
  return parsed.documents.front();
}

std::optional<ParsedFile> ParseText(const std::string& path, std::string_view bytes,
                                    DiagnosticSink& sink) {
  if (bytes.size() > kMaxFileBytes) {
    sink.Add({path, 0, 0}, "file is " + std::to_string(bytes.size()) + " bytes; expected at most " +
                               std::to_string(kMaxFileBytes) + " bytes");
    return std::nullopt;
  }
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (auto d = CheckText(path, bytes)) {
    sink.Add(d->pos, d->message);
    return std::nullopt;
  }
  if (auto d = CheckNesting(path, bytes)) {
    sink.Add(d->pos, d->message);
    return std::nullopt;
  }
  ParsedFile parsed{path, {}};
  try {
    parsed.documents = YAML::LoadAll(std::string(bytes));
  } catch (const YAML::Exception& e) {
    SourcePos p{path, e.mark.is_null() ? 0 : e.mark.line + 1,
                e.mark.is_null() ? 0 : e.mark.column + 1};
    sink.Add(p, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  bool any = false;
  for (const auto& doc : parsed.documents) any = any || !doc.IsNull();
  if (!any) {
    sink.Add({path, 1, 1},
             "no YAML document; expected at least one document with 'kind' and 'name'");
    return std::nullopt;
  }
  return parsed;
}

std::optional<ParsedFile> ParseFile(const std::string& path, DiagnosticSink& sink) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    sink.Add({path, 0, 0}, "cannot read file: " + std::string(std::strerror(errno)));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    sink.Add({path, 0, 0}, "not a regular file; expected a YAML file or a directory of them");
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    sink.Add({path, 0, 0}, "file is " + std::to_string(st.st_size) + " bytes; expected at most " +
                               std::to_string(kMaxFileBytes) + " bytes");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.Add({path, 0, 0}, "cannot open file: " + std::string(std::strerror(errno)));
    return std::nullopt;
  }
  std::string bytes;
  bytes.resize(static_cast<size_t>(st.st_size));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return ParseText(path, bytes, sink);
}

SourcePos PosOf(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return {file, 0, 0};
  const YAML::Mark m = node.Mark();
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing (null)";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a sequence";
  std::string s = node.Scalar();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<size_t> FindControl(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ||
        (c == 0xC2 && next >= 0x80 && next <= 0x9F)) {
      return i;
    }
  }
  return std::nullopt;
}

namespace {

// Escapes such as "\x1b" or "\0" put control characters into a scalar past CheckText; they
// would reach libvirt metadata, metrics and terminals. False (reported) when `text` has one.
bool CleanText(const Context& ctx, const YAML::Node& node, const std::string& what,
               const std::string& text) {
  const auto at = FindControl(text);
  if (!at) return true;
  unsigned code = static_cast<unsigned char>(text[*at]);
  if (code == 0xC2) code = static_cast<unsigned char>(text[*at + 1]);
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", code);
  ctx.Error(node, what + ": control character " + buf +
                      " is not allowed; expected text (tab and newline are the only control "
                      "characters allowed)");
  return false;
}

}  // namespace

std::optional<std::string> String(const Context& ctx, const YAML::Node& node,
                                  const std::string& what) {
  if (!node.IsScalar()) {
    ctx.Error(node, what + ": expected a string, got " + Describe(node));
    return std::nullopt;
  }
  if (!CleanText(ctx, node, what, node.Scalar())) return std::nullopt;
  return node.Scalar();
}

std::optional<int64_t> Integer(const Context& ctx, const YAML::Node& node, const std::string& what,
                               int64_t min, int64_t max) {
  const std::string expected =
      "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got ";
  if (!node.IsScalar()) {
    ctx.Error(node, what + ": " + expected + Describe(node));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) {
    ctx.Error(node, what + ": " + expected + Describe(node));
    return std::nullopt;
  }
  return v;
}

std::optional<double> Number(const Context& ctx, const YAML::Node& node, const std::string& what,
                             double min, double max) {
  std::ostringstream expected;
  expected << "expected a number from " << min << " to " << max << ", got ";
  if (!node.IsScalar()) {
    ctx.Error(node, what + ": " + expected.str() + Describe(node));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v) || v < min || v > max) {
    ctx.Error(node, what + ": " + expected.str() + Describe(node));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Bool(const Context& ctx, const YAML::Node& node, const std::string& what) {
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    return node.Scalar() == "true";
  }
  ctx.Error(node, what + ": expected true or false, got " + Describe(node));
  return std::nullopt;
}

namespace {

std::optional<nlohmann::json> ToJsonRec(const Context& ctx, const YAML::Node& node,
                                        const std::string& what, size_t& budget) {
  if (budget == 0) {
    ctx.Error(node, what + ": value too large; expected at most a few thousand entries");
    return std::nullopt;
  }
  --budget;
  if (!node.IsDefined() || node.IsNull()) return nlohmann::json();
  if (node.IsSequence()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& item : node) {
      auto v = ToJsonRec(ctx, item, what, budget);
      if (!v) return std::nullopt;
      arr.push_back(std::move(*v));
    }
    return arr;
  }
  if (node.IsMap()) {
    nlohmann::json obj = nlohmann::json::object();
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        ctx.Error(kv.first, what + ": expected string keys, got " + Describe(kv.first));
        return std::nullopt;
      }
      const std::string key = kv.first.Scalar();
      if (!CleanText(ctx, kv.first, what, key)) return std::nullopt;
      if (obj.contains(key)) {
        ctx.Error(kv.first, what + ": duplicate key '" + key + "'");
        return std::nullopt;
      }
      auto v = ToJsonRec(ctx, kv.second, what + "." + key, budget);
      if (!v) return std::nullopt;
      obj[key] = std::move(*v);
    }
    return obj;
  }
  const std::string& s = node.Scalar();
  if (!CleanText(ctx, node, what, s)) return std::nullopt;
  if (node.Tag() == "?") {  // plain (unquoted) scalars may be numbers or booleans
    if (s == "true") return nlohmann::json(true);
    if (s == "false") return nlohmann::json(false);
    int64_t i = 0;
    auto [ip, iec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (!s.empty() && iec == std::errc() && ip == s.data() + s.size()) return nlohmann::json(i);
    double d = 0;
    auto [dp, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (!s.empty() && dec == std::errc() && dp == s.data() + s.size() && std::isfinite(d)) {
      return nlohmann::json(d);
    }
  }
  return nlohmann::json(s);
}

}  // namespace

std::optional<nlohmann::json> ToJson(const Context& ctx, const YAML::Node& node,
                                     const std::string& what, size_t max_nodes) {
  size_t budget = max_nodes;
  return ToJsonRec(ctx, node, what, budget);
}

MapReader::MapReader(const Context& ctx, const YAML::Node& node, std::string what)
    : ctx_(ctx), node_(node), what_(std::move(what)) {
  ok_ = node.IsMap();
  if (!ok_) ctx_.Error(node, what_ + ": expected a mapping, got " + Describe(node));
}

std::string MapReader::Name(std::string_view key) const { return what_ + "." + std::string(key); }

YAML::Node MapReader::Optional(std::string_view key) {
  known_.emplace(key);
  if (!ok_) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node MapReader::Required(std::string_view key, std::string_view expected) {
  YAML::Node v = Optional(key);
  if (ok_ && (!v.IsDefined() || v.IsNull())) {
    ctx_.Error(v.IsDefined() ? v : node_, what_ + ": missing required key '" + std::string(key) +
                                              "' (expected " + std::string(expected) + ")");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return v;
}

std::optional<std::string> MapReader::String(std::string_view key, bool required) {
  YAML::Node v = required ? Required(key, "a string") : Optional(key);
  if (!v.IsDefined() || (!required && v.IsNull())) return std::nullopt;
  auto s = yaml::String(ctx_, v, Name(key));
  if (s && required && s->empty()) {
    ctx_.Error(v, Name(key) + ": expected a non-empty string");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> MapReader::Integer(std::string_view key, bool required, int64_t min,
                                          int64_t max) {
  YAML::Node v =
      required
          ? Required(key, "an integer from " + std::to_string(min) + " to " + std::to_string(max))
          : Optional(key);
  if (!v.IsDefined() || (!required && v.IsNull())) return std::nullopt;
  return yaml::Integer(ctx_, v, Name(key), min, max);
}

std::optional<double> MapReader::Number(std::string_view key, bool required, double min,
                                        double max) {
  YAML::Node v = required ? Required(key, "a number") : Optional(key);
  if (!v.IsDefined() || (!required && v.IsNull())) return std::nullopt;
  return yaml::Number(ctx_, v, Name(key), min, max);
}

std::optional<bool> MapReader::Bool(std::string_view key, bool required) {
  YAML::Node v = required ? Required(key, "true or false") : Optional(key);
  if (!v.IsDefined() || (!required && v.IsNull())) return std::nullopt;
  return yaml::Bool(ctx_, v, Name(key));
}

void MapReader::Finish() {
  if (!ok_) return;
  std::map<std::string, int> seen;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) {
      ctx_.Error(kv.first, what_ + ": expected string keys, got " + Describe(kv.first));
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (++seen[key] == 2) {
      ctx_.Error(kv.first, what_ + ": duplicate key '" + key + "'");
    }
    if (!known_.contains(key)) {
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      ctx_.Error(kv.first, what_ + ": unknown key '" + key + "'; expected one of: " + list);
    }
  }
}

}  // namespace egov::yaml
