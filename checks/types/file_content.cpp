// file_content: lines matching a regular expression are present (at least N) or absent.
#include "checks/compare.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct FileContentCheck : Check {
  std::vector<std::string> paths_;
  std::string pattern_;
  std::string state_;
  int64_t min_matches_;
  bool skip_comments_;
  bool ignore_case_;
  bool absent_;
  Expectation match_;

  void Validate(const Params& p) {
    absent_ = state_ == "absent";
    try {
      match_ = Expectation::Make(Op::kMatches, {pattern_}, ignore_case_);
    } catch (const std::invalid_argument& e) {
      p.Fail("pattern", std::string("invalid regular expression: ") + e.what());
    }
    if (absent_ && p.Has("min_matches")) p.Fail("min_matches", "not used with state absent");
    if (min_matches_ < 1) p.Fail("min_matches", "expected 1 or more");
  }

  Outcome Run(const HostContext& ctx) const override {
    std::vector<Evidence> ev;
    int64_t matches = 0;
    std::vector<size_t> files(paths_.size());  // files read per path or glob
    for (size_t i = 0; i < paths_.size(); ++i) {
      const std::string& pattern = paths_[i];
      const bool glob = pattern.find_first_of("*?[") != std::string::npos;
      for (const auto& path : glob ? ctx.Glob(pattern) : std::vector{pattern}) {
        const FileData data = ctx.Read(path);
        if (!data.ok()) {
          if (data.missing()) continue;
          return Outcome::Error(data.message);
        }
        ++files[i];
        for (auto [n, line] : NumberedLines(data.bytes)) {
          const auto t = Trim(line);
          if (skip_comments_ && !t.empty() && t[0] == '#') continue;
          if (!match_.Test(std::string(line))) continue;
          ++matches;
          // A matching line is what `present` asks for (too few of them is the searched
          // files' failing) and what `absent` forbids.
          if (ev.size() < 20) {
            ev.push_back({path, n, std::string(t),
                          absent_ ? "no line matching /" + pattern_ + "/"
                                  : "a line matching /" + pattern_ + "/",
                          !absent_});
          }
        }
      }
    }
    // Where nothing matched, each path or glob as the profile names it.
    const std::string wanted = absent_ ? "no line matching /" + pattern_ + "/"
                                       : "at least " + std::to_string(min_matches_) +
                                             " line(s) matching /" + pattern_ + "/";
    auto searched = [&] {
      std::vector<Evidence> out;
      for (size_t i = 0; i < paths_.size(); ++i) {
        const bool glob = paths_[i].find_first_of("*?[") != std::string::npos;
        out.push_back({paths_[i], 0,
                       files[i] == 0 ? (glob ? "no file matches" : "no such file")
                       : glob        ? std::to_string(files[i]) + " file(s) read"
                                     : "read",
                       wanted});
      }
      return out;
    };
    if (absent_) {
      if (matches)
        return Outcome::Fail(std::to_string(matches) + " line(s) match /" + pattern_ + "/", ev);
      return Outcome::Pass("no line matches /" + pattern_ + "/", searched());
    }
    if (matches >= min_matches_) {
      return Outcome::Pass(std::to_string(matches) + " line(s) match /" + pattern_ + "/", ev);
    }
    for (auto& e : searched()) ev.push_back(std::move(e));
    return Outcome::Fail(std::to_string(matches) + " line(s) match /" + pattern_ +
                             "/, expected at least " + std::to_string(min_matches_),
                         ev);
  }
};

}  // namespace

CheckType FileContent() {
  return Define<FileContentCheck>(
      "file_content",
      "Lines matching a POSIX extended regular expression are present (at least N) or absent",
      {Required("path", &FileContentCheck::paths_, "file(s) or globs; missing files have no lines"),
       Required("pattern", &FileContentCheck::pattern_,
                "POSIX extended regular expression, per line"),
       OptionalChoice("state", &FileContentCheck::state_, {"present", "absent"}),
       Optional("min_matches", &FileContentCheck::min_matches_,
                "present: how many lines must match", "1"),
       Optional("skip_comments", &FileContentCheck::skip_comments_, "ignore lines starting with #",
                "true"),
       Optional("ignore_case", &FileContentCheck::ignore_case_, "match case-insensitively",
                "false")});
}

}  // namespace egov::checks::types
