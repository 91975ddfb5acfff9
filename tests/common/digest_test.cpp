#include "common/digest.h"

#include <gtest/gtest.h>

namespace egov {
namespace {

TEST(Hex, TwoLowerCaseDigitsPerByte) {
  EXPECT_EQ(Hex(""), "");
  EXPECT_EQ(Hex(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
}

TEST(Sha256Hex, KnownDigests) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace egov
