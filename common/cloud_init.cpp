#include "common/cloud_init.h"

#include <algorithm>
#include <array>

#include <yaml-cpp/yaml.h>

#include "common/base64.h"
#include "common/diagnostics.h"
#include "common/yaml_reader.h"

namespace egov::cloud_init {
namespace {

// Longest header first: "#cloud-config-archive" must not be taken for "#cloud-config".
constexpr std::array<UserDataFormat, 8> kFormats = {{
    {"#cloud-config-archive", "text/cloud-config-archive"},
    {"#cloud-config-jsonp", "text/cloud-config-jsonp"},
    {"## template: jinja", "text/jinja2"},
    {"#cloud-boothook", "text/cloud-boothook"},
    {"#cloud-config", "text/cloud-config"},
    {"#part-handler", "text/part-handler"},
    {"#include", "text/x-include-url"},
    {"#!", "text/x-shellscript"},
}};

constexpr std::string_view kCloudConfig = "#cloud-config";
// How cloud-init is asked to merge the keys' part into the user's config (merging.rst).
constexpr std::string_view kMergeType = "list(append)+dict(no_replace,recurse_list)+str()";
// Nodes a user's cloud-config may expand to; aliases could otherwise blow one line up.
constexpr size_t kMaxNodes = 100000;

constexpr std::array<std::string_view, 7> kKeyTypes = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

std::string EncodeBase64Lines(std::string_view in) {
  std::string out;
  constexpr size_t kChunk = 57;  // 76 characters a line, as MIME wants
  for (size_t i = 0; i < in.size(); i += kChunk) out += Base64Encode(in.substr(i, kChunk)) + "\n";
  return out;
}

[[noreturn]] void Fail(const std::string& path, const YAML::Mark& mark, const std::string& what) {
  const bool known = !mark.is_null() && mark.line >= 0;
  throw ConfigError({path, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0}, what);
}

// yaml-cpp's own emitter drops the quotes of a quoted scalar, so 'true' or "0750" would come
// back as a boolean or a number: quoted scalars are written quoted, tags are kept.
void Emit(YAML::Emitter& out, const YAML::Node& node, size_t& budget, const std::string& path) {
  if (budget-- == 0) {
    Fail(path, node.Mark(),
         "user data expands to more than " + std::to_string(kMaxNodes) +
             " YAML nodes (aliases?); expected a plain cloud-config");
  }
  const std::string& tag = node.Tag();
  if (!tag.empty() && tag != "?" && tag != "!") out << YAML::VerbatimTag(tag);
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : node) Emit(out, item, budget, path);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& kv : node) {
        out << YAML::Key;
        Emit(out, kv.first, budget, path);
        out << YAML::Value;
        Emit(out, kv.second, budget, path);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Scalar:
      if (tag == "!") out << YAML::DoubleQuoted;
      out << node.Scalar();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

std::string CloudConfigText(const YAML::Node& root, const std::string& path) {
  YAML::Emitter out;
  size_t budget = kMaxNodes;
  Emit(out, root, budget, path);
  return std::string(kCloudConfig) + "\n" + out.c_str() + "\n";
}

YAML::Node KeysNode(const std::vector<std::string>& keys) {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& k : keys) root["ssh_authorized_keys"].push_back(k);
  return root;
}

// The user's #cloud-config with the keys appended to its ssh_authorized_keys.
std::string MergeCloudConfig(const std::vector<std::string>& keys, std::string_view text,
                             const std::string& path) {
  if (auto d = yaml::CheckNesting(path, text)) throw ConfigError(d->pos, d->message);
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    Fail(path, e.mark, "YAML syntax error: " + e.msg);
  }
  std::erase_if(docs, [](const YAML::Node& d) { return d.IsNull(); });
  if (docs.size() > 1) {
    Fail(path, docs[1].Mark(), "more than one YAML document; cloud-init reads a single one");
  }
  YAML::Node root = docs.empty() ? YAML::Node(YAML::NodeType::Map) : docs[0];
  if (!root.IsMap()) {
    Fail(path, root.Mark(), "expected a mapping of cloud-config keys, got " + yaml::Describe(root));
  }
  YAML::Node existing = root["ssh_authorized_keys"];
  if (existing.IsDefined() && !existing.IsNull() && !existing.IsSequence()) {
    Fail(path, existing.Mark(),
         "ssh_authorized_keys: expected a list, so that cloud_init.ssh_authorized_keys can be "
         "appended to it, got " +
             yaml::Describe(existing));
  }
  // Without keys to add, the file goes out as written (comments too).
  if (keys.empty()) return std::string(text);
  for (const auto& k : keys) root["ssh_authorized_keys"].push_back(k);
  return CloudConfigText(root, path);
}

// A MIME multipart: the user's part, then the keys' part, which cloud-init merges into any
// cloud-config the user's part produced.
std::string Multipart(const std::vector<std::string>& keys, std::string_view text,
                      const UserDataFormat& format) {
  if (keys.empty()) return std::string(text);
  const std::string keys_part = CloudConfigText(KeysNode(keys), "");
  std::string boundary = "==egov-cloud-seed==";
  while (text.find(boundary) != std::string_view::npos) boundary += "=";
  std::string out =
      "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\nMIME-Version: 1.0\n\n";
  const auto part = [&](std::string_view type, std::string_view name, std::string_view extra,
                        std::string_view body) {
    out += "--" + boundary + "\nContent-Type: " + std::string(type) +
           "; charset=\"utf-8\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\n"
           "Content-Disposition: attachment; filename=\"" +
           std::string(name) + "\"\n" + std::string(extra) + "\n" + EncodeBase64Lines(body);
  };
  part(format.mime_type, "user-data-file", "", text);
  part("text/cloud-config", "egov-ssh-keys", "Merge-Type: " + std::string(kMergeType) + "\n",
       keys_part);
  out += "--" + boundary + "--\n";
  return out;
}

}  // namespace

const UserDataFormat* FormatOf(std::string_view user_data) {
  for (const auto& f : kFormats) {
    if (user_data.starts_with(f.header)) return &f;
  }
  return nullptr;
}

std::string AcceptedHeaders() {
  std::string out;
  for (const auto& f : kFormats) out += (out.empty() ? "" : ", ") + std::string(f.header);
  return out;
}

std::optional<std::string> CheckSshPublicKey(std::string_view line) {
  if (line.starts_with("-----BEGIN")) {
    return "this is a private key; expected the public key (the .pub file)";
  }
  const std::string expected =
      "expected an OpenSSH public key on one line, 'TYPE BASE64 [COMMENT]', with TYPE one of "
      "ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, "
      "sk-ecdsa-sha2-nistp256@openssh.com";
  if (line.find_first_of("\r\n") != std::string_view::npos) return expected;
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return expected;
  const std::string_view type = line.substr(0, sp1);
  const std::string_view rest = line.substr(sp1 + 1);
  const std::string_view blob64 = rest.substr(0, rest.find(' '));
  if (std::find(kKeyTypes.begin(), kKeyTypes.end(), type) == kKeyTypes.end()) return expected;
  const auto blob = Base64Decode(blob64);
  if (!blob || blob64.empty()) return expected + " (the key data is not base64)";
  // The blob starts with its type as an SSH string: a 32-bit big-endian length, then the text.
  const auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>((*blob)[i]));
  };
  if (blob->size() < 4 ||
      ((byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3)) != type.size() ||
      blob->compare(4, type.size(), type) != 0) {
    return expected + " (the key data does not hold a key of the type named)";
  }
  return std::nullopt;
}

std::string BuildUserData(const std::vector<std::string>& ssh_authorized_keys,
                          std::string_view user_data, const std::string& path) {
  if (user_data.empty()) return CloudConfigText(KeysNode(ssh_authorized_keys), path);
  if (auto d = yaml::CheckText(path, user_data)) throw ConfigError(d->pos, d->message);
  const UserDataFormat* format = FormatOf(user_data);
  if (!format) {
    throw ConfigError({path, 1, 1},
                      "user data starts with none of the headers cloud-init recognises; expected "
                      "one of " +
                          AcceptedHeaders() + " (a MIME multipart or gzip file is not accepted)");
  }
  if (format->header == kCloudConfig) return MergeCloudConfig(ssh_authorized_keys, user_data, path);
  return Multipart(ssh_authorized_keys, user_data, *format);
}

std::string BuildMetaData(const std::string& instance_id, const std::string& hostname) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "instance-id" << YAML::Value << instance_id << YAML::Key
      << "local-hostname" << YAML::Value << hostname << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string BuildNetworkConfig(const std::string& mac) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << 2 << YAML::Key << "ethernets"
      << YAML::Value << YAML::BeginMap << YAML::Key << "primary" << YAML::Value << YAML::BeginMap
      << YAML::Key << "match" << YAML::Value << YAML::BeginMap << YAML::Key << "macaddress"
      << YAML::Value << YAML::DoubleQuoted << mac << YAML::EndMap << YAML::Key << "dhcp4"
      << YAML::Value << true << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace egov::cloud_init
