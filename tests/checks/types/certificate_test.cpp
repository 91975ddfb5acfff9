// The certificate check type (checks/types/certificate.cpp) passing and failing on the host
// fixtures: expiry, key strength and signature algorithm of a PEM certificate.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::Host;
using testing::RunOne;

TEST(CheckTypes, Certificate) {
  Expect("hardened", Status::kPass, {"{type: certificate, path: /etc/pki/libvirt/servercert.pem}"});
  Expect("weak", Status::kFail,
         {"{type: certificate, path: /etc/pki/libvirt/servercert.pem}",
          "{type: certificate, path: /etc/pki/libvirt/servercert.pem, min_rsa_bits: 1024, "
          "min_days_left: 0}"});
  Expect("hardened", Status::kFail,
         {"{type: certificate, path: /etc/pki/CA/cacert.pem, min_days_left: 100000}",
          "{type: certificate, path: /etc/pki/libvirt/servercert.pem, min_rsa_bits: 4096}",
          "{type: certificate, path: /etc/pki/nothing.pem}"});
  Expect("hardened", Status::kError, {"{type: certificate, path: /etc/passwd}"});
  const auto weak =
      RunOne("{type: certificate, path: /etc/pki/libvirt/servercert.pem}", Host("weak"));
  EXPECT_NE(weak.reason.find("expired"), std::string::npos) << weak.reason;
  EXPECT_NE(weak.reason.find("1024"), std::string::npos) << weak.reason;
  EXPECT_NE(weak.reason.find("sha1"), std::string::npos) << weak.reason;
}

// Expiry, key and signature are judged apart: a key too small fails only the key.
TEST(CheckTypes, CertificateJudgesEachProperty) {
  testing::ExpectItems(
      "hardened", "{type: certificate, path: /etc/pki/libvirt/servercert.pem, min_rsa_bits: 4096}",
      {{"expires ", true}, {"key RSA", false}, {"signature ", true}});
}

}  // namespace
}  // namespace egov::checks
