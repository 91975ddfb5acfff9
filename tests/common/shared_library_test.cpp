#include "common/shared_library.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>

namespace egov {
namespace {

TEST(SharedLibrary, GivesTypedFunctionsFromALibraryLoadedAtRunTime) {
  const SharedLibrary libc("libc.so.6");
  const auto length = EGOV_SYMBOL(libc, strlen);
  EXPECT_EQ(length("egov-agent"), 10u);
}

TEST(SharedLibrary, AMissingLibraryIsAnErrorNamingIt) {
  try {
    SharedLibrary lib("libegov-nonexistent.so.9");
    FAIL() << "loaded a library that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load libegov-nonexistent.so.9"), std::string::npos)
        << e.what();
  }
}

TEST(SharedLibrary, AMissingSymbolIsAnErrorNamingIt) {
  const SharedLibrary libm("libm.so.6");
  try {
    libm.Get<double(double)>("egov_no_such_function");
    FAIL() << "found a symbol that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "libm.so.6 has no egov_no_such_function");
  }
}

}  // namespace
}  // namespace egov
