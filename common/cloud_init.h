#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What egov-cloud knows of cloud-init's NoCloud data source: the user-data formats it
// recognises, OpenSSH public keys, and the three files of a seed (meta-data, user-data,
// network-config). Pure text functions; the loader uses them to check a workload's cloud_init
// at validate, and apply to build each replica's seed, so both agree. User data may hold
// secrets: no message here ever quotes it.
namespace egov::cloud_init {

/// Largest user_data_file accepted: far above any real cloud-config or script, and it keeps a
/// mistaken path to a disk image out of every replica's seed.
inline constexpr uint64_t kMaxUserDataBytes = 1ULL << 20;

/// A user-data format cloud-init recognises by its first line.
struct UserDataFormat {
  std::string_view header;     ///< "#cloud-config", "#!", ...
  std::string_view mime_type;  ///< its part's Content-Type in a MIME multipart
};

/// The format of `user_data` from its first line, or nullptr when cloud-init would ignore it.
/// MIME and gzip user data are not among them: egov-cloud writes the multipart itself.
const UserDataFormat* FormatOf(std::string_view user_data);

/// The headers FormatOf accepts, for messages: "#cloud-config, #!, ...".
std::string AcceptedHeaders();

/// Why `line` is not an OpenSSH public key (`type base64 [comment]`, the blob naming the same
/// type), or nullopt when it is one. The message never quotes the line.
std::optional<std::string> CheckSshPublicKey(std::string_view line);

/// The seed's user-data. With no user file: a `#cloud-config` with `ssh_authorized_keys`.
/// A `#cloud-config` user file gets the keys merged in as cloud-init merges a part marked
/// `Merge-Type: list(append)+dict(no_replace,recurse_list)+str()` into the config before it:
/// lists append (the file's keys first), mappings merge, the file's other values stay. Any
/// other format becomes a MIME multipart: the file's part, then the keys' cloud-config part
/// with that Merge-Type, so cloud-init merges the same way. `path` names the file in errors,
/// which are ConfigError with positions in that file. Throws when the keys cannot be merged
/// (the file's `ssh_authorized_keys` is not a list) or the file is not usable user data.
std::string BuildUserData(const std::vector<std::string>& ssh_authorized_keys,
                          std::string_view user_data, const std::string& path);

/// The seed's meta-data: instance-id (the domain UUID) and local-hostname (the domain name).
std::string BuildMetaData(const std::string& instance_id, const std::string& hostname);

/// A network-config (version 2) that brings up the interface with `mac` by DHCP, so the guest
/// does not depend on cloud-init's guess of which interface is the primary one.
std::string BuildNetworkConfig(const std::string& mac);

}  // namespace egov::cloud_init
