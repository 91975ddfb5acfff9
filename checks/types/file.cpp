// file: a path exists or is absent, with at most some permission bits, an owner and a group.
#include <sys/stat.h>

#include <cstring>

#include "checks/host_files.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

const char* Kind(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symlink";
  return "special";
}

struct FileCheck : Check {
  std::string path_;
  std::string state_;
  std::string kind_;
  std::optional<unsigned> mode_max_;
  std::string owner_, group_;
  bool follow_;
  bool absent_;

  void Validate(const Params& p) {
    absent_ = state_ == "absent";
    if (absent_ && (mode_max_ || !owner_.empty() || !group_.empty())) {
      p.Fail("state", "'absent' takes no mode_max, owner or group");
    }
  }

  Outcome Run(const HostContext& ctx) const override {
    const bool glob = path_.find_first_of("*?[") != std::string::npos;
    const std::vector<std::string> paths = glob ? ctx.Glob(path_) : std::vector{path_};
    std::vector<Evidence> evidence;
    std::vector<std::string> problems;
    size_t found = 0;
    for (const auto& path : paths) {
      int error = 0;
      auto info = ctx.Stat(path, follow_, &error);
      if (!info) {
        if (error != ENOENT && error != ENOTDIR) {
          return Outcome::Error(path + ": " + std::strerror(error));
        }
        if (!absent_) problems.push_back(path + " does not exist");
        evidence.push_back({path, 0, "absent", absent_ ? "absent" : "present", absent_});
        continue;
      }
      ++found;
      if (absent_) {
        problems.push_back(path + " exists");
        evidence.push_back({path, 0, std::string(Kind(info->mode)) + " present", "absent", false});
        continue;
      }
      const size_t before = problems.size();
      Judge(ctx, path, *info, problems, evidence);
      evidence.back().ok = problems.size() == before;
    }
    if (absent_ && glob && found == 0) evidence.push_back({path_, 0, "no match", "absent"});
    if (!absent_ && glob && paths.empty()) {
      problems.push_back("nothing matches " + path_);
      evidence.push_back({path_, 0, "no match", "present"});
    }
    return Verdict(Join(problems, "; "), absent_ ? path_ + " is absent" : path_ + " is as expected",
                   evidence);
  }

 private:
  void Judge(const HostContext& ctx, const std::string& path, const FileInfo& info,
             std::vector<std::string>& problems, std::vector<Evidence>& evidence) const {
    const unsigned mode = info.mode & 07777;
    std::string observed = std::string(Kind(info.mode)) + ", mode " + ModeText(mode) + ", owner " +
                           UserName(ctx, info.uid) + ", group " + GroupName(ctx, info.gid);
    std::string expected = kind_ == "any" ? "present" : kind_;
    if (kind_ != "any" && kind_ != Kind(info.mode)) {
      problems.push_back(path + " is a " + Kind(info.mode) + ", not a " + kind_);
    }
    if (mode_max_) {
      expected += ", mode at most " + ModeText(*mode_max_);
      if (mode & ~*mode_max_) {
        problems.push_back(path + " has mode " + ModeText(mode) + ", more than " +
                           ModeText(*mode_max_) + " allows (extra " + ModeText(mode & ~*mode_max_) +
                           ")");
      }
    }
    if (!owner_.empty()) {
      expected += ", owner " + owner_;
      auto uid = ResolveUser(ctx, owner_);
      if (!uid || *uid != static_cast<int64_t>(info.uid)) {
        problems.push_back(path + " is owned by " + UserName(ctx, info.uid) + ", not " + owner_);
      }
    }
    if (!group_.empty()) {
      expected += ", group " + group_;
      auto gid = ResolveGroup(ctx, group_);
      if (!gid || *gid != static_cast<int64_t>(info.gid)) {
        problems.push_back(path + " has group " + GroupName(ctx, info.gid) + ", not " + group_);
      }
    }
    evidence.push_back({path, 0, std::move(observed), std::move(expected)});
  }
};

}  // namespace

CheckType File() {
  return Define<FileCheck>(
      "file",
      "A path exists (or is absent) with at most some permission bits, an owner and a group",
      {Required("path", &FileCheck::path_, ParamType::kPath,
                "file or directory; * ? [..] match several, all judged"),
       OptionalChoice("state", &FileCheck::state_, {"present", "absent"}),
       Optional("kind", &FileCheck::kind_, ParamType::kChoice, "what the path must be", "any",
                {"any", "file", "directory", "symlink"}),
       Optional(
           "mode_max", &FileCheck::mode_max_,
           "no permission bits beyond these, e.g. \"0640\" (group-writable or world bits fail)"),
       Optional("owner", &FileCheck::owner_,
                "owning user, by name (from the root's passwd) or uid"),
       Optional("group", &FileCheck::group_, "owning group, by name or gid"),
       Optional("follow", &FileCheck::follow_, "follow a final symbolic link (inside the root)",
                "true")});
}

}  // namespace egov::checks::types
