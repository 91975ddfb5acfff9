// The ssh_algorithms check type (checks/types/ssh_algorithms.cpp) passing and failing on the host
// fixtures and on copies of the hardened one: the algorithms sshd offers, worked out as it does.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kCiphers = R"({type: ssh_algorithms, kind: ciphers, forbidden: ["*-cbc"]})";
constexpr const char* kMacs =
    R"({type: ssh_algorithms, kind: macs, forbidden: ["hmac-sha1*", "umac-64*"]})";

TEST(CheckTypes, SshAlgorithms) {
  Expect("hardened", Status::kPass,
         {kCiphers, kMacs,
          R"({type: ssh_algorithms, kind: kex, forbidden: ["diffie-hellman-group1-*"]})"});
  Expect("hardened", Status::kFail,
         {R"({type: ssh_algorithms, kind: ciphers, forbidden: ["aes128-ctr"]})"});
  Expect("weak", Status::kFail, {kMacs});     // not set: OpenSSH 9.2 offers hmac-sha1 and umac-64
  Expect("weak", Status::kPass, {kCiphers});  // the default ciphers are all strong
}

TEST(CheckTypes, SshAlgorithmsAsSshdWorksThemOut) {
  struct Case {
    std::string line;
    Status ciphers;
  };
  for (const auto& [line, expected] : std::vector<Case>{
           {"Ciphers +aes128-cbc", Status::kFail},            // appended to the default
           {"Ciphers ^3des-cbc", Status::kFail},              // put first
           {"Ciphers -aes*-ctr", Status::kPass},              // removed from the default
           {"Ciphers aes256-ctr,aes256-cbc", Status::kFail},  // replaced
       }) {
    SCOPED_TRACE(line);
    HostCopy host;
    host.Replace("/etc/ssh/sshd_config", "Ciphers ", "#Ciphers ");
    host.Replace("/etc/ssh/sshd_config", "PermitRootLogin no\n",
                 "PermitRootLogin no\n" + line + "\n");
    Expect(host.root(), expected, {kCiphers});
  }
  HostCopy match;  // a Match block may weaken what the main section sets
  match.Write("/etc/ssh/sshd_config.d/10-egov.conf",
              "MaxAuthTries 4\nMatch User backup\n    MACs hmac-sha1\n");
  Expect(match.root(), Status::kFail, {kMacs});
}

// The main section and each Match block are judged apart: only the block that weakens fails.
TEST(CheckTypes, SshAlgorithmsJudgesEachMatchBlock) {
  HostCopy match;
  match.Write("/etc/ssh/sshd_config.d/10-egov.conf",
              "MaxAuthTries 4\nMatch User backup\n    MACs hmac-sha1\n");
  testing::ExpectItems(match.root(), kMacs,
                       {{"MACs hmac-sha2-512-etm", true}, {"Match User backup: ", false}});
}

}  // namespace
}  // namespace egov::checks
