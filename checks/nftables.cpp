#include "checks/nftables.h"

#include <algorithm>
#include <set>

namespace egov::checks {
namespace {

enum class Kind { kWord, kOpen, kClose, kEnd };  // kEnd: a newline or `;`

struct Token {
  Kind kind;
  std::string text;
  int line;
};

// Words, strings (unquoted), braces and statement ends; `#` comments and `\` line
// continuations dropped.
std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> out;
  int line = 1;
  size_t i = 0;
  auto word_char = [](char c) {
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ';' && c != '{' && c != '}' &&
           c != '"' && c != '#';
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n' || c == ';') {
      out.push_back({Kind::kEnd, "", line});
      if (c == '\n') ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == ';')) {
      if (text[i + 1] == '\n') ++line;  // a continued line; `\;` is a shell's escaped `;`
      if (text[i + 1] == ';') out.push_back({Kind::kEnd, "", line});
      i += 2;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '{' || c == '}') {
      out.push_back({c == '{' ? Kind::kOpen : Kind::kClose, std::string(1, c), line});
      ++i;
    } else if (c == '"') {
      const size_t end = text.find('"', i + 1);
      const size_t stop = end == std::string_view::npos ? text.size() : end;
      out.push_back({Kind::kWord, std::string(text.substr(i + 1, stop - i - 1)), line});
      i = stop + 1;
    } else {
      size_t j = i;
      while (j < text.size() && word_char(text[j]) && text[j] != '\\') ++j;
      if (j == i) ++j;  // a lone backslash
      out.push_back({Kind::kWord, std::string(text.substr(i, j - i)), line});
      i = j;
    }
  }
  return out;
}

bool IsFamily(const std::string& w) {
  static const std::set<std::string> kFamilies = {"ip", "ip6", "inet", "arp", "bridge", "netdev"};
  return kFamilies.contains(w);
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string file, NftRuleset& ruleset,
         const NftIncludeReader& include)
      : t_(std::move(tokens)), file_(std::move(file)), rs_(ruleset), include_(include) {}

  void Top() {
    while (!Done()) {
      if (Skip()) continue;
      const Token& first = t_[i_];
      if (first.kind == Kind::kClose) {  // stray brace
        ++i_;
        continue;
      }
      Statement(first.line);
    }
  }

 private:
  bool Done() const { return i_ >= t_.size(); }
  // Skips statement ends; true when it skipped something.
  bool Skip() {
    const size_t start = i_;
    while (!Done() && t_[i_].kind == Kind::kEnd) ++i_;
    return i_ != start;
  }
  // The words of a statement's header, up to `{` (not consumed), the end of the statement, or a
  // `}` closing the enclosing block (not consumed).
  std::vector<std::string> Header() {
    std::vector<std::string> words;
    while (!Done() && t_[i_].kind == Kind::kWord) words.push_back(t_[i_++].text);
    return words;
  }
  // Skips a balanced `{ ... }` starting at the current `{`.
  void SkipBlock() {
    int depth = 0;
    do {
      if (t_[i_].kind == Kind::kOpen) ++depth;
      if (t_[i_].kind == Kind::kClose) --depth;
      ++i_;
    } while (!Done() && depth > 0);
  }
  bool AtOpen() const { return !Done() && t_[i_].kind == Kind::kOpen; }

  // [family] name: the family defaults to ip.
  static std::pair<std::string, std::string> FamilyName(const std::vector<std::string>& w,
                                                        size_t& k) {
    std::string family = "ip";
    if (k < w.size() && IsFamily(w[k]) && k + 1 < w.size()) family = w[k++];
    const std::string name = k < w.size() ? w[k++] : "";
    return {family, name};
  }

  NftChain* FindChain(const std::string& family, const std::string& table, const std::string& name,
                      bool create, int line) {
    for (auto& c : rs_.chains) {
      if (c.family == family && c.table == table && c.name == name) return &c;
    }
    if (!create) return nullptr;
    NftChain c;
    c.family = family;
    c.table = table;
    c.name = name;
    c.file = file_;
    c.line = line;
    rs_.chains.push_back(std::move(c));
    return &rs_.chains.back();
  }

  void Statement(int line) {
    std::vector<std::string> w = Header();
    if (w.empty()) {
      if (AtOpen()) SkipBlock();
      return;
    }
    // [verb] object ...: `table x {` and `chain ...` may come without a verb.
    static const std::set<std::string> kVerbs = {"add",    "create",  "insert", "replace",
                                                 "delete", "destroy", "flush"};
    const std::string verb = w[0];
    size_t k = kVerbs.contains(verb) ? 1 : 0;
    const std::string object = k < w.size() ? w[k++] : "";
    if (verb == "include" && w.size() >= 2) {
      Include(w[1], line);
    } else if (verb == "flush" && object == "ruleset") {
      rs_.chains.clear();
    } else if ((verb == "delete" || verb == "destroy") && object == "table") {
      auto [family, table] = FamilyName(w, k);
      std::erase_if(rs_.chains,
                    [&](const NftChain& c) { return c.family == family && c.table == table; });
    } else if ((verb == "delete" || verb == "destroy") && object == "chain") {
      auto [family, table] = FamilyName(w, k);
      const std::string name = k < w.size() ? w[k] : "";
      std::erase_if(rs_.chains, [&](const NftChain& c) {
        return c.family == family && c.table == table && c.name == name;
      });
    } else if (verb == "flush" && (object == "table" || object == "chain")) {
      auto [family, table] = FamilyName(w, k);
      const std::string name = object == "chain" && k < w.size() ? w[k] : "";
      for (auto& c : rs_.chains) {
        if (c.family == family && c.table == table && (name.empty() || c.name == name))
          c.rules.clear();
      }
    } else if (object == "table") {
      auto [family, table] = FamilyName(w, k);
      if (AtOpen()) TableBody(family, table);
      return;
    } else if (object == "chain") {
      auto [family, table] = FamilyName(w, k);
      const std::string name = k < w.size() ? w[k] : "";
      NftChain* chain = FindChain(family, table, name, true, line);
      if (AtOpen()) ChainBody(*chain);
      return;
    } else if (object == "rule") {
      auto [family, table] = FamilyName(w, k);
      const std::string name = k < w.size() ? w[k++] : "";
      NftRule rule{std::vector<std::string>(w.begin() + static_cast<long>(k), w.end()), file_,
                   line};
      RuleRest(rule);
      NftChain* chain = FindChain(family, table, name, false, line);
      if (!chain) {
        rs_.errors.push_back(file_ + ":" + std::to_string(line) + ": a rule for " + family + " " +
                             table + " " + name + ", which does not exist: nft refuses the file");
      } else if (verb == "insert") {
        chain->rules.insert(chain->rules.begin(), std::move(rule));
      } else {
        chain->rules.push_back(std::move(rule));
      }
      return;
    }
    if (AtOpen()) SkipBlock();  // define x = { ... }, anything else with a body
  }

  void Include(const std::string& path, int line) {
    std::string resolved = path;
    if (path.rfind("./", 0) == 0) {
      resolved = "/" + path.substr(2);  // the service's working directory
    } else if (path.empty() || path[0] != '/') {
      resolved = "/etc/" + path;  // nft's default include directory
    }
    if (!include_(resolved, file_, line, rs_)) {
      rs_.errors.push_back(file_ + ":" + std::to_string(line) + ": include \"" + path +
                           "\": no such file, so nft refuses to load the ruleset");
    }
  }

  // Calls `statement` with the line of each statement in the block whose opening brace is at i_;
  // `statement` consumes it. Leaves i_ past the closing brace.
  template <typename Fn>
  void EachStatement(Fn&& statement) {
    ++i_;  // {
    while (!Done()) {
      if (Skip()) continue;
      if (t_[i_].kind == Kind::kClose) {
        ++i_;
        return;
      }
      statement(t_[i_].line);
    }
  }

  void TableBody(const std::string& family, const std::string& table) {
    EachStatement([&](int line) {
      std::vector<std::string> w = Header();
      if (w.size() >= 2 && w[0] == "chain") {
        NftChain* chain = FindChain(family, table, w[1], true, line);
        if (AtOpen()) ChainBody(*chain);
      } else if (AtOpen()) {
        SkipBlock();  // set, map, flowtable, counter, ...
      }
    });
  }

  void ChainBody(NftChain& chain) {
    EachStatement([&](int line) {
      NftRule rule{Header(), file_, line};
      RuleRest(rule);
      const auto& w = rule.tokens;
      if (w.empty()) return;
      if (w[0] == "type" && w.size() >= 4) {
        chain.type = w[1];
        auto hook = std::find(w.begin(), w.end(), "hook");
        if (hook != w.end() && hook + 1 != w.end()) chain.hook = *(hook + 1);
      } else if (w[0] == "policy" && w.size() >= 2) {
        chain.policy = w[1];
        chain.policy_file = file_;
        chain.policy_line = line;
      } else if (w[0] == "comment" || w[0] == "devices" || w[0] == "device") {
        // chain attributes, not rules
      } else {
        chain.rules.push_back(std::move(rule));
      }
    });
  }

  // The rest of a rule: anonymous sets and maps in braces, which may span lines.
  void RuleRest(NftRule& rule) {
    while (AtOpen()) {
      int depth = 0;
      do {
        const Token& tok = t_[i_];
        if (tok.kind == Kind::kOpen) ++depth;
        if (tok.kind == Kind::kClose) --depth;
        if (tok.kind != Kind::kEnd) rule.tokens.push_back(tok.text);
        ++i_;
      } while (!Done() && depth > 0);
      for (auto w = Header(); auto& word : w) rule.tokens.push_back(std::move(word));
    }
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  std::string file_;
  NftRuleset& rs_;
  const NftIncludeReader& include_;
};

}  // namespace

std::string NftRule::Text() const {
  std::string out;
  for (const auto& t : tokens) Append(out, t, " ");
  return out;
}

void ParseNft(std::string_view text, const std::string& file, NftRuleset& ruleset,
              const NftIncludeReader& include) {
  ruleset.files.push_back(file);
  Parser(Tokenize(text), file, ruleset, include).Top();
}

std::string UnconditionalVerdict(const NftRule& rule) {
  const auto& w = rule.tokens;
  size_t k = 0;
  while (k < w.size()) {
    if (w[k] == "counter") {
      ++k;
      if (k < w.size() && w[k] == "packets") k = std::min(k + 4, w.size());  // packets N bytes N
    } else if (w[k] == "log") {
      ++k;
      while (k + 1 < w.size() && (w[k] == "prefix" || w[k] == "level" || w[k] == "flags" ||
                                  w[k] == "group" || w[k] == "snaplen"))
        k += 2;
    } else if (w[k] == "comment" && k + 1 < w.size()) {
      k += 2;
    } else {
      break;
    }
  }
  if (k >= w.size()) return "";
  const std::string& v = w[k];
  if (v != "accept" && v != "drop" && v != "reject") return "";
  for (size_t j = k + 1; j < w.size(); ++j) {
    if (w[j] == "comment") break;  // a trailing comment
    if (v != "reject") return "";  // `reject with ...` is still a reject
  }
  return v;
}

std::shared_ptr<const NftRuleset> LoadNftRuleset(const HostContext& ctx, const std::string& path) {
  return ctx.Memo<NftRuleset>("nftables:" + path, [&] {
    NftRuleset rs;
    int depth = 0;
    NftIncludeReader read = [&](const std::string& p, const std::string& from, int line,
                                NftRuleset& into) {
      if (depth > 8) {
        into.errors.push_back(from + ":" + std::to_string(line) + ": includes nested too deep");
        return true;
      }
      const bool glob = p.find_first_of("*?[") != std::string::npos;
      const auto files = glob ? ctx.Glob(p) : std::vector{p};
      for (const auto& f : files) {
        const FileData data = ctx.Read(f);
        if (!data.ok()) {
          if (glob) continue;
          if (!data.missing())
            into.errors.push_back(from + ":" + std::to_string(line) + ": " + data.message);
          return !data.missing();
        }
        ++depth;
        ParseNft(data.bytes, f, into, read);
        --depth;
      }
      return true;
    };
    const FileData top = ctx.Read(path);
    if (!top.ok()) {
      rs.errors.push_back(top.missing() ? path + ": no such file, so the service loads no ruleset"
                                        : top.message);
      return rs;
    }
    ParseNft(top.bytes, path, rs, read);
    return rs;
  });
}

}  // namespace egov::checks
