#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/diagnostics.h"

// The one place where YAML text becomes nodes: guards against hostile input (size, encoding,
// nesting), and small readers that turn nodes into values while collecting positioned errors.
namespace egov::yaml {

/// Files larger than this are refused before they are read.
inline constexpr uint64_t kMaxFileBytes = 32ULL << 20;
/// Deeper nesting than this is refused before yaml-cpp (which recurses) sees it.
inline constexpr int kMaxDepth = 64;

/// A parsed YAML file: its documents, or the diagnostics that stopped it.
struct ParsedFile {
  std::string path;
  std::vector<YAML::Node> documents;
};

/// Checks that `bytes` are UTF-8 text YAML may hold (no NUL or other C0 controls besides tab,
/// CR, LF); on failure says where. Pure, so it is tested table-driven.
std::optional<Diagnostic> CheckText(const std::string& path, std::string_view bytes);

/// Finds the deepest nesting of block and flow collections without parsing; reports the first
/// place deeper than `max_depth`. Pure.
std::optional<Diagnostic> CheckNesting(const std::string& path, std::string_view bytes,
                                       int max_depth = kMaxDepth);

/// Reads and parses a file. Problems go to `sink`; returns nullopt if the file is unusable.
std::optional<ParsedFile> ParseFile(const std::string& path, DiagnosticSink& sink);

/// Parses YAML text already in memory (for tests and stdin); `path` names it in messages.
std::optional<ParsedFile> ParseText(const std::string& path, std::string_view bytes,
                                    DiagnosticSink& sink);

/// The file's document, for files that hold exactly one (configuration files); for none or
/// several, reports it to `sink` and throws its ConfigError.
const YAML::Node& OnlyDocument(const ParsedFile& parsed, DiagnosticSink& sink);

/// Position of a node in a file.
SourcePos PosOf(const std::string& file, const YAML::Node& node);

/// Describes a node's type for messages: "a mapping", "a sequence", "\"abc\"", "null".
std::string Describe(const YAML::Node& node);

/// Reading context for one file: positions and the shared sink.
struct Context {
  std::string file;
  DiagnosticSink* sink;

  SourcePos Pos(const YAML::Node& node) const { return PosOf(file, node); }
  void Error(const YAML::Node& at, const std::string& message) const {
    sink->Add(Pos(at), message);
  }
};

/// Where `text` holds a control character other than tab and newline (C0, DEL, or a C1 control
/// in UTF-8), however the YAML spelled it; nullopt when it has none. Pure.
std::optional<size_t> FindControl(std::string_view text);

/// Scalar conversions (String refuses control characters, FindControl): each reports "<what>:
/// expected ..., got ..." and returns nullopt.
std::optional<std::string> String(const Context& ctx, const YAML::Node& node,
                                  const std::string& what);
std::optional<int64_t> Integer(const Context& ctx, const YAML::Node& node, const std::string& what,
                               int64_t min, int64_t max);
std::optional<double> Number(const Context& ctx, const YAML::Node& node, const std::string& what,
                             double min, double max);
std::optional<bool> Bool(const Context& ctx, const YAML::Node& node, const std::string& what);

/// Converts any YAML value into JSON (scalars stay strings unless plain and numeric or boolean),
/// refusing more than `max_nodes` nodes so aliases cannot blow it up.
std::optional<nlohmann::json> ToJson(const Context& ctx, const YAML::Node& node,
                                     const std::string& what, size_t max_nodes = 10000);

/// Walks one mapping: hands out its keys and, in Finish(), reports duplicate and unknown keys
/// with the list of keys that were expected.
class MapReader {
 public:
  MapReader(const Context& ctx, const YAML::Node& node, std::string what);

  /// False when the node was not a mapping (already reported).
  bool ok() const { return ok_; }
  const YAML::Node& node() const { return node_; }
  const Context& ctx() const { return ctx_; }
  /// `what` prefixed to a key, for messages: "workload dvc-hanoi: resources.memory".
  std::string Name(std::string_view key) const;

  /// The value under `key`, or an undefined node; marks the key as known.
  YAML::Node Optional(std::string_view key);
  /// Like Optional, but reports a missing key with what it should hold.
  YAML::Node Required(std::string_view key, std::string_view expected);

  std::optional<std::string> String(std::string_view key, bool required);
  std::optional<int64_t> Integer(std::string_view key, bool required, int64_t min, int64_t max);
  std::optional<double> Number(std::string_view key, bool required, double min, double max);
  std::optional<bool> Bool(std::string_view key, bool required);

  /// Reports keys never asked for, and duplicate keys.
  void Finish();

 private:
  Context ctx_;
  YAML::Node node_;
  std::string what_;
  bool ok_ = false;
  std::set<std::string, std::less<>> known_;
};

}  // namespace egov::yaml
