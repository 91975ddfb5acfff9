#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Getting each host's latest scan results (docs/results.md): from its agent over HTTP(S)
// (`GET <agent>/api/v1/results`, libcurl multi, many at once), or from saved
// `egov-agent scan --format json` files `<dir>/<host>.json` for air-gapped sites and offline
// planning. `egovctl audit` and the compliance gate of plan, apply and status use it. Transport
// problems are values (FetchedResult::error), never exceptions: one dead agent never stops the
// others.
namespace egov::agent_client {

/// Basic-auth credentials for the agents whose host names match `pattern` (shell glob).
struct Credential {
  std::string pattern;
  std::string user;
  std::string password;
};

/// Parses a credentials file: one `HOST-GLOB USER:PASSWORD` per line (the password runs to
/// the end of the line), blank lines and `#` comments ignored. Throws ConfigError with the
/// line and column of the first bad line.
std::vector<Credential> ParseCredentials(std::string_view text, const std::string& file);

/// The first credential whose pattern matches `host`; nullptr when none does.
const Credential* FindCredential(const std::vector<Credential>& credentials,
                                 const std::string& host);

/// How to reach the agents. The defaults: system CAs, no client certificate, no credentials.
struct CollectOptions {
  std::string ca_file;    ///< CA bundle for the agents' TLS certificates; empty: system CAs
  std::string cert_file;  ///< client certificate (PEM), optional
  std::string key_file;   ///< its private key (PEM)
  std::string key_password;
  std::vector<Credential> credentials;
  std::chrono::milliseconds timeout{10000};  ///< whole request, per host
  std::chrono::milliseconds connect_timeout{5000};
  size_t parallel = 64;          ///< requests in flight at once
  size_t max_bytes = 32u << 20;  ///< a larger answer is refused
};

/// One host to ask: its name and its agent's base URL (`https://h:9464`).
struct AgentTarget {
  std::string host;
  std::string agent;
};

/// The bytes one source gave for a host, or why there are none.
struct FetchedResult {
  std::string host;
  std::string source;  ///< URL asked, or file read
  std::string body;
  std::string error;     ///< empty when `body` holds the answer
  long http_status = 0;  ///< the agent's HTTP status; 0 when none came, and for files
  double seconds = 0;
};

/// `<agent>/api/v1/results` for an agent base URL.
std::string ResultsUrl(const std::string& agent);

/// Asks every agent at once (at most `parallel` in flight); results come back in target order.
/// Redirects are not followed.
std::vector<FetchedResult> FetchFromAgents(const std::vector<AgentTarget>& targets,
                                           const CollectOptions& options);

/// Reads `<dir>/<host>.json` for each host; a missing or oversized file is an error value.
std::vector<FetchedResult> ReadResultFiles(const std::string& dir,
                                           const std::vector<std::string>& hosts,
                                           size_t max_bytes = 32u << 20);

}  // namespace egov::agent_client
