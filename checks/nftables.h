#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/context.h"

// The nftables ruleset a file loads (`nft -f`), read from the file format: tables, chains with
// their hook, priority and policy, and each chain's rules as tokens. The running ruleset (`nft -j
// list ruleset`) needs netlink and root, and a mounted image has none, so the file the service
// loads is what is judged. Parsing is pure; LoadNftRuleset reads through the context.
namespace egov::checks {

struct NftRule {
  std::vector<std::string> tokens;  ///< words and punctuation, strings without quotes
  std::string file;
  int line = 0;

  std::string Text() const;
};

struct NftChain {
  std::string family;  ///< ip (when omitted), ip6, inet, arp, bridge, netdev
  std::string table;
  std::string name;
  std::string type;  ///< base chains: filter, nat, route
  std::string hook;  ///< base chains: input, forward, output, prerouting, ...; "" otherwise
  std::string policy = "accept";  ///< base chains accept unless told otherwise
  std::string file;               ///< where it is declared
  int line = 0;
  std::string policy_file;  ///< where the policy is written; "" when it is the default
  int policy_line = 0;
  std::vector<NftRule> rules;

  bool Base() const { return !hook.empty(); }
};

struct NftRuleset {
  std::vector<NftChain> chains;     ///< in the order first declared
  std::vector<std::string> files;   ///< files read
  std::vector<std::string> errors;  ///< why `nft -f` would refuse to load it (a missing include)
};

/// Reads `path` for an include statement written at `line` of `file` (absolute path, glob
/// allowed): appends each file's text to `texts`, or returns false when a plain path is missing.
using NftIncludeReader = std::function<bool(const std::string& path, const std::string& file,
                                            int line, NftRuleset& ruleset)>;

/// Parses `text` (from `file`) into `ruleset` as nft applies it: `flush ruleset` and `delete`
/// or `flush` of tables and chains take effect in order, tables and chains declared twice
/// merge, `add`/`insert rule` append or prepend. `include` is resolved as nft does (absolute;
/// `./x` from the service's working directory /; else under /etc) and handed to `include`.
void ParseNft(std::string_view text, const std::string& file, NftRuleset& ruleset,
              const NftIncludeReader& include);

/// The verdict of a rule that matches every packet (`accept`, `drop`, `reject`), else "": only
/// counters, logging and comments may come before the verdict.
std::string UnconditionalVerdict(const NftRule& rule);

/// The ruleset `path` loads, following includes inside the root; parsed once per scan.
std::shared_ptr<const NftRuleset> LoadNftRuleset(const HostContext& ctx, const std::string& path);

}  // namespace egov::checks
