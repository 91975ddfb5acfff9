#include "common/domain_metadata.h"

#include <gtest/gtest.h>

namespace egov {
namespace {

DomainMetadata Sample() {
  return {.workload = "dvc-quoc-gia",
          .agency = "Văn phòng Chính phủ",
          .system = "Cổng Dịch vụ công quốc gia \"<beta>\" & 'cũ'",
          .security_level = 4,
          .replica = 2,
          .provider = "viettel-cloud",
          .zone = "hn-1",
          .spec_hash = "sha256:0123abcd",
          .health_url = "https://dvc.example/healthz?a=1&b=2",
          .network = "dvc-net"};
}

TEST(DomainMetadata, RoundTripsVietnameseAndMarkupByteForByte) {
  const DomainMetadata m = Sample();
  const std::string xml = FormatMetadataElement(m);
  EXPECT_EQ(xml.find("<beta>"), std::string::npos) << xml;
  auto back = ParseMetadataElement(xml);
  ASSERT_TRUE(back.has_value()) << xml;
  EXPECT_EQ(*back, m);
}

TEST(DomainMetadata, FoundInsideAWholeDomainDocument) {
  const std::string domain = "<domain type='test'><name>x</name><metadata><other xmlns='urn:x'/>" +
                             FormatMetadataElement(Sample()) +
                             "</metadata><memory>1</memory></domain>";
  auto m = ParseDomainMetadata(domain);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->agency, "Văn phòng Chính phủ");
  EXPECT_EQ(m->replica, 2);
}

// virDomainGetMetadata returns the element with libvirt's own escaping and no namespace.
TEST(DomainMetadata, ParsesTheElementAsLibvirtReturnsIt) {
  auto m = ParseMetadataElement(
      "<workload workload=\"a\" agency=\"B&#x1ED9; Y t&#x1EBF;\" "
      "security-level=\"3\" replica=\"0\"/>");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->agency, "Bộ Y tế");
  EXPECT_FALSE(ParseMetadataElement("<workload xmlns='urn:other' workload='a' security-level='3' "
                                    "replica='0'/>")
                   .has_value());
}

TEST(DomainMetadata, UnmanagedOrMalformedDomainsGiveNothing) {
  EXPECT_FALSE(ParseDomainMetadata("<domain><name>x</name></domain>").has_value());
  EXPECT_FALSE(ParseDomainMetadata("<domain><metadata><workload workload='a' "
                                   "security-level='1' replica='0'/></metadata></domain>")
                   .has_value());  // right name, wrong (no) namespace
  EXPECT_FALSE(ParseMetadataElement("not xml at all <").has_value());
  std::string bad_level = FormatMetadataElement(Sample());
  bad_level.replace(bad_level.find("security-level=\"4\""), 18, "security-level=\"9\"");
  EXPECT_FALSE(ParseMetadataElement(bad_level).has_value());
}

TEST(DomainMetadata, EntityExpansionIsNotPerformed) {
  const std::string xml =
      "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
      "<egov:workload xmlns:egov='https://egov-cloud.vn/xmlns/workload/1' workload='a' "
      "agency='&x;' security-level='1' replica='0'/>";
  auto m = ParseMetadataElement(xml);
  EXPECT_TRUE(!m.has_value() || m->agency.find("root:") == std::string::npos);
}

TEST(XmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(XmlEscape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(XmlEscape("Bộ Y tế"), "Bộ Y tế");
}

}  // namespace
}  // namespace egov
