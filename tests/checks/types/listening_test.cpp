// The listening check type (checks/types/listening.cpp) passing and failing on the host fixtures:
// listening sockets (/proc/net): closed, listening, loopback only, allowed ports.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;

TEST(CheckTypes, Listening) {
  Expect(
      "hardened", Status::kPass,
      {"{type: listening, allowed: [22, 16514]}", "{type: listening, port: 16509, state: loopback}",
       "{type: listening, port: 22, state: listening}",
       "{type: listening, port: [23, 2375], state: closed}",
       "{type: listening, port: 323, state: loopback, protocol: udp}"});
  Expect("hardened", Status::kFail,
         {"{type: listening, allowed: [22]}", "{type: listening, port: 22, state: loopback}",
          "{type: listening, port: 23, state: listening}",
          "{type: listening, port: 22, state: closed}"});
}

// Each socket is judged on its own: the one on loopback meets the rule, the one on every address
// does not.
TEST(CheckTypes, ListeningJudgesEachSocket) {
  testing::ExpectItems(
      "hardened", "{type: listening, port: [16509, 22], state: loopback}",
      {{"tcp 127.0.0.1:16509 listening", true}, {"tcp 0.0.0.0:22 listening", false}});
}

}  // namespace
}  // namespace egov::checks
