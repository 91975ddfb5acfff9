#include "orchestrator/agent_access.h"

#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "common/diagnostics.h"
#include "common/files.h"
#include "common/install_dirs.h"
#include "common/yaml_reader.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace egov::orchestrator {
namespace {

constexpr size_t kMaxFileBytes = 1u << 20;

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// --agents-config, else $EGOV_AGENTS_CONFIG, else $XDG_CONFIG_HOME/egov-cloud/agents.yaml or
// ~/.config/egov-cloud/agents.yaml when that exists; empty when there is none.
std::string ConfigPath(const po::variables_map& vm) {
  if (vm.count("agents-config")) return vm["agents-config"].as<std::string>();
  if (const char* p = Env("EGOV_AGENTS_CONFIG")) return p;
  if (!Env("XDG_CONFIG_HOME") && !Env("HOME")) return "";  // never a file under /tmp
  const std::string path = UserPath(nullptr, "XDG_CONFIG_HOME", ".config", "agents.yaml");
  std::error_code ec;
  return fs::exists(path, ec) ? path : "";
}

// Basic-auth passwords stay between their owner and the agents.
std::vector<agent_client::Credential> ReadCredentials(const std::string& file, std::ostream& err) {
  std::error_code ec;
  const auto perms = fs::status(file, ec).permissions();
  if (!ec && (perms & fs::perms::others_read) != fs::perms::none) {
    throw ConfigError({file, 0, 0}, "credentials file is readable by other users; chmod 600 it");
  }
  if (!ec && (perms & fs::perms::group_read) != fs::perms::none) {
    err << "egovctl: warning: " << file << " is readable by its group\n";
  }
  return agent_client::ParseCredentials(ReadInputFile(file, kMaxFileBytes, "credentials file"),
                                        file);
}

// The option, else the environment variable(s), else the file's setting.
std::string Setting(const po::variables_map& vm, const char* option,
                    std::initializer_list<const char*> env, const std::string& from_file) {
  if (vm.count(option)) return vm[option].as<std::string>();
  for (const char* name : env) {
    if (const char* v = Env(name)) return v;
  }
  return from_file;
}

}  // namespace

void AddAgentAccessOptions(po::options_description& desc) {
  desc.add_options()("cacert", po::value<std::string>(),
                     "CA bundle that signed the agents' certificates (or EGOV_AGENT_CACERT)")(
      "cert", po::value<std::string>(),
      "client certificate (PEM) for agents that ask for one (or EGOV_AGENT_CERT)")(
      "key", po::value<std::string>(),
      "its key (PEM; or EGOV_AGENT_KEY); passphrase from EGOV_AGENT_KEY_PASSWORD")(
      "credentials", po::value<std::string>(),
      "basic-auth file: 'HOST-GLOB USER:PASSWORD' lines (or EGOV_AGENT_CREDENTIALS)")(
      "agents-config", po::value<std::string>(),
      "file with cacert, cert, key, credentials (default ~/.config/egov-cloud/agents.yaml)");
}

AgentAccessFile ParseAgentAccessFile(const std::string& text, const std::string& file) {
  DiagnosticSink sink;
  auto parsed = yaml::ParseText(file, text, sink);
  sink.ThrowIfAny();
  AgentAccessFile out;
  if (parsed->documents.size() != 1) {
    throw ConfigError({file, 1, 1}, "expected one YAML mapping");
  }
  const yaml::Context ctx{file, &sink};
  yaml::MapReader r(ctx, parsed->documents.front(), "agents configuration");
  if (r.ok()) {
    const std::string dir = fs::path(file).parent_path().string();
    for (auto [key, value] : {std::pair{"cacert", &out.cacert},
                              {"cert", &out.cert},
                              {"key", &out.key},
                              {"credentials", &out.credentials}}) {
      if (auto s = r.String(key, false)) *value = ResolvePath(dir, *s);
    }
    r.Finish();
  }
  sink.ThrowIfAny();
  return out;
}

agent_client::CollectOptions ReadAgentAccess(const po::variables_map& vm, std::ostream& err) {
  AgentAccessFile file;
  if (const std::string path = ConfigPath(vm); !path.empty()) {
    file = ParseAgentAccessFile(ReadInputFile(path, kMaxFileBytes, "agents configuration"), path);
  }
  agent_client::CollectOptions o;
  o.ca_file = Setting(vm, "cacert", {"EGOV_AGENT_CACERT"}, file.cacert);
  o.cert_file = Setting(vm, "cert", {"EGOV_AGENT_CERT"}, file.cert);
  o.key_file = Setting(vm, "key", {"EGOV_AGENT_KEY"}, file.key);
  if (const char* pass = std::getenv("EGOV_AGENT_KEY_PASSWORD")) o.key_password = pass;
  for (const auto& [option, path] :
       {std::pair{"cacert", o.ca_file}, {"cert", o.cert_file}, {"key", o.key_file}}) {
    std::error_code ec;
    if (!path.empty() && !fs::is_regular_file(path, ec)) {
      throw ConfigError({path, 0, 0}, std::string("--") + option + ": no such file");
    }
  }
  const std::string credentials = Setting(
      vm, "credentials", {"EGOV_AGENT_CREDENTIALS", "EGOV_AUDIT_CREDENTIALS"}, file.credentials);
  if (!credentials.empty()) o.credentials = ReadCredentials(credentials, err);
  // One pair for every host no line of the file matches.
  if (const char* user = Env("EGOV_AGENT_USER")) {
    const char* password = std::getenv("EGOV_AGENT_PASSWORD");
    o.credentials.push_back({"*", user, password ? password : ""});
  }
  return o;
}

}  // namespace egov::orchestrator
