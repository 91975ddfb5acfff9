#include "common/cloud_init.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "common/diagnostics.h"

namespace egov::cloud_init {
namespace {

constexpr const char* kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqI9IJtAwp0CjnAVBBvb0zlmyBDpWJXgHHiFRwnyO8e ops@bo-y-te";
constexpr const char* kEcdsa =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGHSAk55WJPZk6k7djZJYD0uhcWvQ25oSAkm8bcIA"
    "NO1gVn0O6IohwtaveffTakwKEmYx7OjoV9DtTmcMNZ0wDc=";

TEST(CloudInitFormat, RecognisesCloudInitHeaders) {
  const struct {
    const char* text;
    const char* mime;  // nullptr: not user data cloud-init takes
  } cases[] = {
      {"#cloud-config\npackages: [nginx]\n", "text/cloud-config"},
      {"#cloud-config-archive\n- type: text/cloud-config\n", "text/cloud-config-archive"},
      {"#cloud-config-jsonp\n[{op: add}]\n", "text/cloud-config-jsonp"},
      {"#!/bin/sh\necho hi\n", "text/x-shellscript"},
      {"#cloud-boothook\n#!/bin/sh\n", "text/cloud-boothook"},
      {"## template: jinja\n#cloud-config\n", "text/jinja2"},
      {"#include\nhttps://example.vn/a\n", "text/x-include-url"},
      {"#part-handler\n", "text/part-handler"},
      {"Content-Type: multipart/mixed; boundary=x\n", nullptr},
      {"\x1f\x8b\x08", nullptr},
      {"packages: [nginx]\n", nullptr},
      {" #cloud-config\n", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    const UserDataFormat* f = FormatOf(c.text);
    if (!c.mime) {
      EXPECT_EQ(f, nullptr) << c.text;
    } else {
      ASSERT_NE(f, nullptr) << c.text;
      EXPECT_EQ(f->mime_type, c.mime) << c.text;
    }
  }
}

TEST(SshPublicKey, AcceptsOpensshPublicKeys) {
  EXPECT_EQ(CheckSshPublicKey(kEd25519), std::nullopt);
  EXPECT_EQ(CheckSshPublicKey(kEcdsa), std::nullopt);  // no comment
}

TEST(SshPublicKey, RejectsWhatIsNotOneWithoutQuotingIt) {
  const std::string ed = kEd25519;
  const std::string blob = ed.substr(12, ed.find(' ', 12) - 12);
  const std::string cases[] = {
      "",
      "ssh-ed25519",
      "ssh-ed25519 " + blob.substr(0, blob.size() - 1) + " x",  // not base64 (length)
      "ssh-ed25519 AAAA$$$$ x",
      "ssh-rsa " + blob + " x",  // the blob holds an ed25519 key
      "ssh-dss " + blob,
      "ssh-ed25519 " + blob + " x\nssh-ed25519 " + blob,
      "from=\"10.0.0.1\" " + ed,
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
  };
  for (const auto& c : cases) {
    const auto problem = CheckSshPublicKey(c);
    ASSERT_TRUE(problem.has_value()) << c;
    if (c.size() > 12) {
      EXPECT_EQ(problem->find(c.substr(12, 8)), std::string::npos) << *problem;
    }
  }
  EXPECT_NE(CheckSshPublicKey(cases[8])->find("private key"), std::string::npos);
}

TEST(UserData, KeysAloneMakeACloudConfig) {
  EXPECT_EQ(BuildUserData({kEd25519}, "", "none"),
            std::string("#cloud-config\nssh_authorized_keys:\n  - ") + kEd25519 + "\n");
}

TEST(UserData, MergesKeysIntoACloudConfigFileAsCloudInitAppendsLists) {
  const std::string file =
      "#cloud-config\n"
      "# comments go\n"
      "ssh_authorized_keys: ['ssh-ed25519 AAAA-already-there']\n"
      "ssh_pwauth: 'false'\n"
      "timezone: Asia/Ho_Chi_Minh\n"
      "package_upgrade: true\n"
      "write_files:\n"
      "  - path: /etc/motd\n"
      "    permissions: '0644'\n"
      "    content: |\n"
      "      Hệ thống thông tin cấp độ 3\n";
  const std::string out = BuildUserData({kEd25519, kEcdsa}, file, "u.yaml");
  ASSERT_EQ(out.rfind("#cloud-config\n", 0), 0u) << out;
  const YAML::Node n = YAML::Load(out);
  ASSERT_EQ(n["ssh_authorized_keys"].size(), 3u) << out;
  EXPECT_EQ(n["ssh_authorized_keys"][0].as<std::string>(), "ssh-ed25519 AAAA-already-there");
  EXPECT_EQ(n["ssh_authorized_keys"][1].as<std::string>(), kEd25519);
  EXPECT_EQ(n["ssh_authorized_keys"][2].as<std::string>(), kEcdsa);
  EXPECT_EQ(n["timezone"].as<std::string>(), "Asia/Ho_Chi_Minh");
  EXPECT_EQ(n["write_files"][0]["content"].as<std::string>(), "Hệ thống thông tin cấp độ 3\n");
  // Quoted scalars stay strings for cloud-init's YAML 1.1 reader; plain ones stay plain.
  EXPECT_EQ(n["ssh_pwauth"].Tag(), "!") << out;
  EXPECT_EQ(n["write_files"][0]["permissions"].Tag(), "!") << out;
  EXPECT_EQ(n["package_upgrade"].Tag(), "?") << out;
}

TEST(UserData, AddsTheKeyListToACloudConfigWithout) {
  const YAML::Node n = YAML::Load(BuildUserData({kEd25519}, "#cloud-config\nruncmd: [ls]\n", "u"));
  EXPECT_EQ(n["runcmd"][0].as<std::string>(), "ls");
  EXPECT_EQ(n["ssh_authorized_keys"][0].as<std::string>(), kEd25519);
  // An empty cloud-config is a valid one.
  EXPECT_EQ(
      YAML::Load(BuildUserData({kEd25519}, "#cloud-config\n", "u"))["ssh_authorized_keys"].size(),
      1u);
}

TEST(UserData, WithoutKeysTheFileGoesOutAsWritten) {
  const std::string cc = "#cloud-config\n# keep me\nruncmd: [ls]\n";
  EXPECT_EQ(BuildUserData({}, cc, "u"), cc);
  const std::string script = "#!/bin/sh\necho hi\n";
  EXPECT_EQ(BuildUserData({}, script, "u"), script);
}

std::string DecodeBase64(const std::string& text) {
  std::string in;
  for (char c : text) {
    if (c != '\n') in += c;
  }
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n) - (in.ends_with("==") ? 2 : in.ends_with('=') ? 1 : 0));
  return out;
}

struct Part {
  std::string headers;
  std::string body;
};

// Splits a multipart as a MIME reader would: the boundary from the header, parts between.
std::vector<Part> SplitMultipart(const std::string& mime) {
  const size_t b = mime.find("boundary=\"") + 10;
  const std::string boundary = "--" + mime.substr(b, mime.find('"', b) - b);
  std::vector<Part> parts;
  size_t pos = mime.find(boundary);
  while (pos != std::string::npos && mime.compare(pos + boundary.size(), 2, "--") != 0) {
    const size_t start = pos + boundary.size() + 1;
    const size_t next = mime.find(boundary, start);
    const std::string chunk = mime.substr(start, next - start);
    const size_t blank = chunk.find("\n\n");
    parts.push_back({chunk.substr(0, blank), DecodeBase64(chunk.substr(blank + 2))});
    pos = next;
  }
  return parts;
}

TEST(UserData, AScriptAndTheKeysBecomeAMimeMultipart) {
  const std::string script = "#!/bin/sh\necho '--==egov-cloud-seed==' > /tmp/x\n";
  const std::string out = BuildUserData({kEd25519}, script, "setup.sh");
  ASSERT_EQ(out.rfind("Content-Type: multipart/mixed; boundary=\"", 0), 0u) << out;
  const auto parts = SplitMultipart(out);
  ASSERT_EQ(parts.size(), 2u) << out;
  EXPECT_NE(parts[0].headers.find("Content-Type: text/x-shellscript"), std::string::npos);
  EXPECT_EQ(parts[0].body, script);
  EXPECT_NE(parts[1].headers.find("Content-Type: text/cloud-config"), std::string::npos);
  EXPECT_NE(parts[1].headers.find("Merge-Type: list(append)+dict(no_replace,recurse_list)+str()"),
            std::string::npos);
  EXPECT_EQ(YAML::Load(parts[1].body)["ssh_authorized_keys"][0].as<std::string>(), kEd25519);
}

TEST(UserData, RefusesWhatCloudInitCannotMergeWithPositionsAndNoSecrets) {
  const struct {
    std::string text;
    int line;
    const char* says;
  } cases[] = {
      {"#cloud-config\nssh_authorized_keys: ssh-ed25519 AAAA\n", 2, "expected a list"},
      {"#cloud-config\npassword: s3cret-value\nusers: [\n", 4, "YAML syntax error"},
      {"#cloud-config\n- s3cret-value\n", 2, "expected a mapping"},
      {"#cloud-config\na: 1\n---\nb: s3cret-value\n", 4, "more than one YAML document"},
      {"packages: [s3cret-value]\n", 1, "none of the headers"},
      {"#!/bin/sh\necho s3cret-value\x01\n", 2, "control character"},
      {"#cloud-config\na: &a [s3cret-value, s3cret-value, s3cret-value, s3cret-value]\n"
       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\n"
       "f: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
       0, "more than 100000 YAML nodes"},
  };
  for (const auto& c : cases) {
    try {
      BuildUserData({kEd25519}, c.text, "/srv/u.yaml");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const ConfigError& e) {
      ASSERT_EQ(e.diagnostics().size(), 1u);
      const Diagnostic& d = e.diagnostics()[0];
      EXPECT_EQ(d.pos.file, "/srv/u.yaml");
      if (c.line > 0) {
        EXPECT_EQ(d.pos.line, c.line) << d.message;
      }
      EXPECT_NE(d.message.find(c.says), std::string::npos) << d.message;
      EXPECT_EQ(d.message.find("s3cret"), std::string::npos) << d.message;
    }
  }
}

TEST(MetaData, NamesTheInstanceAndTheHost) {
  EXPECT_EQ(BuildMetaData("0f6c2b2e-4b1a-5c3d-9e8f-112233445566", "dvc-quoc-gia-0"),
            "instance-id: 0f6c2b2e-4b1a-5c3d-9e8f-112233445566\n"
            "local-hostname: dvc-quoc-gia-0\n");
}

TEST(NetworkConfig, BringsUpTheReplicasInterfaceByItsMac) {
  const YAML::Node n = YAML::Load(BuildNetworkConfig("52:54:00:12:34:56"));
  EXPECT_EQ(n["version"].as<int>(), 2);
  EXPECT_EQ(n["ethernets"]["primary"]["match"]["macaddress"].as<std::string>(),
            "52:54:00:12:34:56");
  EXPECT_TRUE(n["ethernets"]["primary"]["dhcp4"].as<bool>());
}

}  // namespace
}  // namespace egov::cloud_init
