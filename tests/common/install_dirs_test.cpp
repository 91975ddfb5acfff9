#include "common/install_dirs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace egov {
namespace {

// Sets an environment variable for the life of the object, then puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(UserPath, OverrideThenXdgThenHomeThenTmp) {
  ScopedEnv home("HOME", "/home/op");
  ScopedEnv xdg("XDG_STATE_HOME", nullptr);
  ScopedEnv journal("EGOV_JOURNAL", nullptr);
  const auto path = [] {
    return UserPath("EGOV_JOURNAL", "XDG_STATE_HOME", ".local/state", "journal.db");
  };
  EXPECT_EQ(path(), "/home/op/.local/state/egov-cloud/journal.db");
  {
    ScopedEnv set("XDG_STATE_HOME", "/x/state");
    EXPECT_EQ(path(), "/x/state/egov-cloud/journal.db");
    ScopedEnv over("EGOV_JOURNAL", "/srv/j.db");
    EXPECT_EQ(path(), "/srv/j.db");
  }
  {
    ScopedEnv empty("XDG_STATE_HOME", "");  // empty counts as unset, as the XDG spec says
    ScopedEnv no_home("HOME", nullptr);
    EXPECT_EQ(path(), "/tmp/.local/state/egov-cloud/journal.db");
  }
  EXPECT_EQ(UserPath(nullptr, "XDG_STATE_HOME", ".cache", "images"),
            "/home/op/.cache/egov-cloud/images");
}

}  // namespace
}  // namespace egov
