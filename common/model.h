#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/diagnostics.h"
#include "common/units.h"

// Plain structs for the declarative kinds of DESIGN.md. They are filled by the loader
// (loader.h), which validates everything; code that receives them may trust them.
namespace egov {

using Labels = std::map<std::string, std::string>;

/// Text in Vietnamese and English, as titles and remediations carry it.
struct LocalizedText {
  std::string vi;
  std::string en;
};

/// vCPUs, memory and disk; memory and disk in bytes.
struct Resources {
  int64_t vcpus = 0;
  uint64_t memory = 0;
  uint64_t disk = 0;
};

struct Overcommit {
  double cpu = 1.0;
  double memory = 1.0;
  double disk = 1.0;  ///< thin root disks may promise capacity.disk x this, where allowed
};

struct Certification {
  std::string scheme;
  std::string certificate;
  Date issued{};
  Date expires{};
  int max_security_level = 0;
};

/// What the operator says of a host: in service, being emptied for maintenance (nothing new is
/// placed there; its replicas move away), or down and fenced (egovctl never calls it; its
/// replicas are re-created elsewhere).
enum class HostState { kActive, kMaintenance, kFailed };
inline constexpr const char* kHostStateNames[] = {"active", "maintenance", "failed"};

struct Host {
  std::string name;
  std::string uri;  ///< libvirt URI; ${VAR} references are expanded at load
  Resources capacity;
  Overcommit overcommit;
  Labels labels;
  std::string agent;  ///< URL of the host's egov-agent, empty when none
  HostState state = HostState::kActive;
  SourcePos pos;
};

struct Zone {
  std::string name;
  std::string region;
  std::vector<Host> hosts;
  SourcePos pos;
};

/// A certified cloud.
struct Provider {
  std::string name;
  std::string display_name;
  Certification certification;
  std::string residency;  ///< ISO 3166-1 alpha-2 country code
  std::vector<Zone> zones;
  SourcePos pos;
};

/// How replicas of one workload are kept apart.
enum class Spread { kNone, kHost, kZone, kProvider };
/// Its names in YAML and JSON, in the order of its values (common/enum_names.h).
inline constexpr const char* kSpreadNames[] = {"none", "host", "zone", "provider"};

struct Health {
  std::string url;
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds timeout{5000};
  int expect_status = 200;
};

struct PlacementSpec {
  std::vector<std::string> providers;  ///< allowed providers; empty means any
  std::optional<Spread> spread;        ///< unset: the policy's spread for the level
  Labels labels;                       ///< hosts must carry all of these
};

/// How a workload's replicas are replaced, restarted or moved.
struct UpdateSpec {
  std::optional<int> max_unavailable;  ///< replicas down at once; unset: the policy's default
  SourcePos pos;                       ///< where `update` was written
};

/// Disk image formats a base image may have.
enum class ImageFormat { kQcow2, kRaw };
inline constexpr const char* kImageFormatNames[] = {"qcow2", "raw"};

/// A base disk image by name; each replica gets a copy-on-write root disk on it.
struct Image {
  std::string name;
  std::string display_name;
  ImageFormat format = ImageFormat::kQcow2;
  std::string source;     ///< an absolute path (relative ones are resolved at load) or https URL
  std::string sha256;     ///< 64 lowercase hex digits
  uint64_t min_disk = 0;  ///< bytes a replica's disk must have at least; 0: no minimum
  SourcePos pos;
};

/// First-boot configuration handed to cloud-init in each replica's NoCloud seed.
struct CloudInit {
  std::vector<std::string> ssh_authorized_keys;
  std::string user_data_file;  ///< absolute path; empty when none
  /// The file's content, read and checked at load. It may hold secrets: never log or print it.
  std::string user_data;

  bool empty() const { return ssh_authorized_keys.empty() && user_data_file.empty(); }
};

/// A government system to run.
struct Workload {
  std::string name;
  std::string agency;
  std::string system;
  int security_level = 0;
  int replicas = 1;
  Resources resources;
  std::string image;    ///< an Image's name; empty: a diskless replica
  SourcePos image_pos;  ///< where `image` was written
  CloudInit cloud_init;
  std::string network;
  std::optional<Health> health;
  PlacementSpec placement;
  UpdateSpec update;
  SourcePos pos;
};

/// Circular 12/2022 separation of a level's systems from others on shared hosts.
enum class Separation { kNone, kLogical, kPhysical };
inline constexpr const char* kSeparationNames[] = {"none", "logical", "physical"};

/// What planning does with a host whose compliance is unknown (no agent, unreachable).
enum class UnknownCompliance { kAllow, kDeny };
inline constexpr const char* kUnknownComplianceNames[] = {"allow", "deny"};

struct LevelPolicy {
  int level = 0;
  int min_replicas = 1;
  Spread spread = Spread::kNone;
  Separation separation = Separation::kNone;
  bool require_compliance = false;
  std::string compliance_profile;  ///< profile the hosts must pass when required
  UnknownCompliance unknown_compliance = UnknownCompliance::kDeny;
  std::vector<std::string> residency;  ///< allowed country codes; empty means any
  bool allow_memory_overcommit = true;
  bool allow_disk_overcommit = true;  ///< thin root disks past the host's disk
  int max_unavailable = 1;            ///< a workload's update.max_unavailable when it sets none
  int max_unavailable_limit = 0;      ///< the most a workload may set; 0: no limit
  SourcePos pos;
};

/// Per-level placement rules.
struct Policy {
  std::string name;
  std::string description;
  std::vector<LevelPolicy> levels;  ///< one per level 1..5, sorted
  SourcePos pos;

  /// The rules for a level; nullptr when the policy has none for it.
  const LevelPolicy* ForLevel(int level) const;
};

enum class Severity { kLow, kMedium, kHigh, kCritical };
inline constexpr const char* kSeverityNames[] = {"low", "medium", "high", "critical"};

/// A check as written in a profile: its type and parameters, validated by the check library.
/// Combinators (all, any, none) hold their operands in `children`.
struct CheckSpec {
  std::string type;
  nlohmann::json params = nlohmann::json::object();
  std::map<std::string, SourcePos> param_pos;  ///< where each parameter was written
  std::vector<CheckSpec> children;
  SourcePos pos;
};

struct Control {
  std::string id;
  LocalizedText title;
  std::string group;
  std::string feature;
  Severity severity = Severity::kMedium;
  std::vector<int> levels;              ///< levels it applies to; empty means every level
  std::optional<CheckSpec> applies_if;  ///< when this does not pass: not_applicable
  CheckSpec check;
  LocalizedText remediation;
  std::vector<std::string> references;
  std::string derived_from;                          ///< what the control is read from, in words
  std::optional<std::chrono::milliseconds> timeout;  ///< overrides the scan's check timeout
  SourcePos pos;
};

/// A compliance profile.
struct Profile {
  std::string name;
  LocalizedText title;
  std::string version;
  std::string description;
  /// Named thresholds with one value per level (`log_retention_days: {1: 30, 3: 90}`);
  /// checks refer to them as `${name}`.
  std::map<std::string, std::map<int, nlohmann::json>> parameters;
  /// Named checks evaluated once per scan; controls use them as `{type: fact, name: ...}`.
  std::map<std::string, CheckSpec> facts;
  std::vector<Control> controls;
  int level = 0;        ///< level scanned when none is asked for; 0: none
  std::string extends;  ///< profile whose facts, parameters and controls come first
  SourcePos pos;
};

/// An accepted exception to a control on some hosts, until it expires.
struct Waiver {
  std::string name;
  std::string control;
  std::string profile;             ///< empty: the control in any profile
  std::vector<std::string> hosts;  ///< glob patterns
  std::string reason;
  std::string approved_by;
  Date expires{};
  SourcePos pos;

  /// True while the waiver applies on `today` to `host`.
  bool Covers(const std::string& host, Date today) const;
};

/// Everything loaded from `-f` paths.
struct Inventory {
  std::vector<Provider> providers;
  std::vector<Image> images;
  std::vector<Workload> workloads;
  std::vector<Policy> policies;
  std::vector<Profile> profiles;
  std::vector<Waiver> waivers;
  std::vector<std::string> files;  ///< files read, in order

  const Provider* FindProvider(const std::string& name) const;
  const Image* FindImage(const std::string& name) const;
  const Workload* FindWorkload(const std::string& name) const;
  const Profile* FindProfile(const std::string& name) const;
};

const char* ToString(ImageFormat format);
const char* ToString(Spread spread);
const char* ToString(Separation separation);
const char* ToString(Severity severity);
const char* ToString(UnknownCompliance unknown);
const char* ToString(HostState state);

}  // namespace egov
