#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checks/scan.h"
#include "common/loader.h"
#include "tests/support/temp_dir.h"

// Helpers shared by the check tests: the materialized host fixtures and one-check profiles.
namespace egov::checks::testing {

using egov::testing::TempDir;

inline const std::string kSource = EGOV_SOURCE_DIR;

/// A host fixture as ctest materialized it (tests/fixtures/hosts/materialize).
inline std::string Host(const std::string& name) {
  return std::string(EGOV_HOST_FIXTURES) + "/" + name;
}

/// A copy of a materialized host fixture, modes and owners kept, to plant one defect in. Paths
/// are absolute as inside the host ("/etc/shadow"). It lives on the fixtures' own file system, so
/// its free space is theirs (materialize --filesystem).
class HostCopy {
 public:
  explicit HostCopy(const std::string& host = "hardened") {
    namespace fs = std::filesystem;
    const fs::path from = Host(host);
    fs::copy(from, dir_.path(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    for (const auto& e : fs::recursive_directory_iterator(from)) {
      struct stat st {};
      if (::lstat(e.path().c_str(), &st) != 0) continue;
      const fs::path to = dir_.path() / fs::relative(e.path(), from);
      if (::lchown(to.c_str(), st.st_uid, st.st_gid) != 0) continue;  // not root: owners stay
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      ::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW);
    }
  }

  std::string root() const { return dir_.path().string(); }
  std::filesystem::path operator()(const std::string& path) const {
    return dir_.path() / path.substr(1);
  }
  /// Replaces the file's text (making its directories).
  void Write(const std::string& path, const std::string& text) const {
    std::filesystem::create_directories((*this)(path).parent_path());
    egov::testing::WriteFile((*this)(path), text);
  }
  /// Replaces the first occurrence of `from` in the file; fails the test when it is not there.
  void Replace(const std::string& path, const std::string& from, const std::string& to) const {
    std::string text = egov::testing::ReadFile((*this)(path));
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << path;
    egov::testing::WriteFile((*this)(path), text.replace(at, from.size(), to));
  }
  void Remove(const std::string& path) const { std::filesystem::remove_all((*this)(path)); }
  /// Makes `path` a symbolic link to `target` (replacing what was there).
  void Link(const std::string& target, const std::string& path) const {
    Remove(path);
    std::filesystem::create_directories((*this)(path).parent_path());
    std::filesystem::create_symlink(target, (*this)(path));
  }
  /// Masks a systemd unit ("clamav-freshclam.service") as `systemctl mask` does.
  void Mask(const std::string& unit) const { Link("/dev/null", "/etc/systemd/system/" + unit); }
  /// Makes the file last modified `days` ago.
  void Age(const std::string& path, int days) const {
    const timespec times[2] = {{0, UTIME_NOW}, {::time(nullptr) - days * 86400, 0}};
    ::utimensat(AT_FDCWD, (*this)(path).c_str(), times, 0);
  }
  /// Changes a package's dpkg status from `was` to `status` ("deinstall ok config-files": removed,
  /// its configuration left).
  void SetPackageStatus(const std::string& package, const std::string& status,
                        const std::string& was = "install ok installed") const {
    Replace("/var/lib/dpkg/status", "Package: " + package + "\nStatus: " + was,
            "Package: " + package + "\nStatus: " + status);
  }

 private:
  TempDir dir_{std::string(EGOV_HOST_FIXTURES) + "/scratch"};
};

/// A change to plant in a copy of a host fixture, named for the test's trace.
struct Variant {
  std::string name;
  std::function<void(const HostCopy&)> plant;
};

/// Plants each variant in a fresh copy of the hardened host and calls `expect` with the copy's
/// root, under the variant's name.
inline void ForEachVariant(const std::vector<Variant>& variants,
                           const std::function<void(const std::string& root)>& expect) {
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    HostCopy host;
    v.plant(host);
    expect(host.root());
  }
}

/// A profile with one control whose check is `check` (YAML), plus `parameters` (YAML mapping
/// body lines, indented by two) when given.
inline std::string OneCheckProfile(const std::string& check, const std::string& parameters = "") {
  return "kind: Profile\nname: t\ntitle: {vi: t, en: t}\n" +
         (parameters.empty() ? std::string() : "parameters:\n" + parameters) +
         "controls:\n  - id: T-1\n    title: {vi: t, en: t}\n    group: g\n    feature: f\n"
         "    severity: low\n    check: " +
         check + "\n";
}

/// Compiles and runs one check against `root`; returns the control's result.
inline ControlResult RunOne(const std::string& check, const std::string& root,
                            std::optional<int> level = std::nullopt) {
  const Inventory inv = LoadInventoryText("test.yaml", OneCheckProfile(check));
  ScanOptions options;
  options.root = root;
  options.host = "test";
  return RunScan({CompileProfile(inv.profiles.at(0), level)}, options)
      .profiles.at(0)
      .controls.at(0);
}

/// Runs each of `checks` (YAML) on the host fixture `host` (a name, or a path such as a
/// HostCopy's root): each comes to `expected`, says why, and shows evidence when it passes or
/// fails.
inline void Expect(const std::string& host, Status expected,
                   const std::vector<std::string>& checks) {
  for (const auto& check : checks) {
    const ControlResult r = RunOne(check, host[0] == '/' ? host : Host(host));
    EXPECT_EQ(ToString(r.status), std::string(ToString(expected)))
        << check << " on " << host << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty()) << check;
    if (expected == Status::kPass || expected == Status::kFail) {
      EXPECT_FALSE(r.evidence.empty()) << check << " gave no evidence";
    }
  }
}

/// The verdict of the one evidence item whose source is `text` or whose observed value contains
/// it; fails the test (and gives nullopt) when no item or several match.
inline std::optional<bool> ItemOk(const ControlResult& r, const std::string& text) {
  const Evidence* found = nullptr;
  for (const auto& e : r.evidence) {
    if (e.source != text && e.observed.find(text) == std::string::npos) continue;
    if (found) {
      ADD_FAILURE() << "several evidence items match '" << text << "'";
      return std::nullopt;
    }
    found = &e;
  }
  if (!found) {
    std::string items;
    for (const auto& e : r.evidence) items += "\n  " + e.source + ": " + e.observed;
    ADD_FAILURE() << "no evidence item matches '" << text << "' in:" << items;
    return std::nullopt;
  }
  return found->ok;
}

/// Evidence items' verdicts by source or observed value.
using ItemVerdicts = std::map<std::string, std::optional<bool>>;
/// Every evidence item's verdict, keyed by its `field` (&Evidence::source or &Evidence::observed).
inline ItemVerdicts Verdicts(const ControlResult& r, std::string Evidence::*field) {
  ItemVerdicts verdicts;
  for (const auto& e : r.evidence) verdicts[e.*field] = e.ok;
  return verdicts;
}

/// Runs `check` on the host fixture `host` (as Expect takes it), which must fail, and checks the
/// verdict of each evidence item `verdicts` names (as ItemOk finds it): the items that meet the
/// check beside those that break it.
inline void ExpectItems(const std::string& host, const std::string& check,
                        const std::vector<std::pair<std::string, bool>>& verdicts) {
  const ControlResult r = RunOne(check, host[0] == '/' ? host : Host(host));
  ASSERT_EQ(r.status, Status::kFail) << check << ": " << r.reason;
  for (const auto& [text, ok] : verdicts) EXPECT_EQ(ItemOk(r, text), ok) << check;
}

}  // namespace egov::checks::testing
