#include "orchestrator/agent_access.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <sstream>

#include "common/diagnostics.h"
#include "tests/support/temp_dir.h"

namespace egov::orchestrator {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

class AgentAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVariables) ::unsetenv(v);
    for (const char* f : {"ca.pem", "env-ca.pem", "opt-ca.pem", "client.pem", "client.key"}) {
      dir_.Write(f, "PEM\n");
    }
    Credentials("agents.cred", "* egovctl:from file\n", fs::perms::owner_read);
  }
  void TearDown() override {
    for (const char* v : kVariables) ::unsetenv(v);
  }

  void Credentials(const std::string& name, const std::string& text, fs::perms perms) {
    const fs::path p = dir_.Write(name, text);
    fs::permissions(p, perms);
  }

  agent_client::CollectOptions Read(std::vector<std::string> args) {
    po::options_description desc;
    AddAgentAccessOptions(desc);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
    return ReadAgentAccess(vm, err_);
  }

  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }

  static constexpr const char* kVariables[] = {
      "EGOV_AGENTS_CONFIG", "EGOV_AGENT_CACERT",      "EGOV_AGENT_CERT",
      "EGOV_AGENT_KEY",     "EGOV_AGENT_CREDENTIALS", "EGOV_AUDIT_CREDENTIALS",
      "EGOV_AGENT_USER",    "EGOV_AGENT_PASSWORD",    "XDG_CONFIG_HOME"};
  egov::testing::TempDir dir_;
  std::ostringstream err_;
};

TEST_F(AgentAccess, TheFileGivesEverySettingRelativeToItself) {
  dir_.Write("agents.yaml",
             "cacert: ca.pem\ncert: client.pem\nkey: client.key\ncredentials: agents.cred\n");
  const auto o = Read({"--agents-config", Path("agents.yaml")});
  EXPECT_EQ(o.ca_file, Path("ca.pem"));
  EXPECT_EQ(o.cert_file, Path("client.pem"));
  EXPECT_EQ(o.key_file, Path("client.key"));
  ASSERT_EQ(o.credentials.size(), 1u);
  EXPECT_EQ(o.credentials[0].password, "from file");
}

TEST_F(AgentAccess, OptionsWinOverTheEnvironmentWhichWinsOverTheFile) {
  dir_.Write("agents.yaml", "cacert: ca.pem\n");
  ::setenv("EGOV_AGENTS_CONFIG", Path("agents.yaml").c_str(), 1);
  EXPECT_EQ(Read({}).ca_file, Path("ca.pem"));
  ::setenv("EGOV_AGENT_CACERT", Path("env-ca.pem").c_str(), 1);
  EXPECT_EQ(Read({}).ca_file, Path("env-ca.pem"));
  EXPECT_EQ(Read({"--cacert", Path("opt-ca.pem")}).ca_file, Path("opt-ca.pem"));
  // The default place of the file, and one pair from the environment after the file's lines.
  ::unsetenv("EGOV_AGENTS_CONFIG");
  ::unsetenv("EGOV_AGENT_CACERT");
  dir_.Write("xdg/egov-cloud/agents.yaml", "credentials: ../../agents.cred\n");
  ::setenv("XDG_CONFIG_HOME", Path("xdg").c_str(), 1);
  ::setenv("EGOV_AGENT_USER", "u", 1);
  ::setenv("EGOV_AGENT_PASSWORD", "p", 1);
  const auto o = Read({});
  ASSERT_EQ(o.credentials.size(), 2u);
  EXPECT_EQ(o.credentials[0].password, "from file");
  EXPECT_EQ(o.credentials[1].user, "u");
}

TEST_F(AgentAccess, ACredentialsFileOthersMayReadIsRefused) {
  Credentials("open.cred", "* a:b\n", fs::perms::owner_read | fs::perms::others_read);
  try {
    Read({"--credentials", Path("open.cred")});
    FAIL() << "accepted a credentials file others may read";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics().front().pos.file, Path("open.cred"));
    EXPECT_NE(std::string(e.what()).find("readable by other users"), std::string::npos) << e.what();
  }
  Credentials("group.cred", "* a:b\n", fs::perms::owner_read | fs::perms::group_read);
  EXPECT_EQ(Read({"--credentials", Path("group.cred")}).credentials.size(), 1u);
  EXPECT_NE(err_.str().find("readable by its group"), std::string::npos) << err_.str();
}

TEST_F(AgentAccess, BadFilesAreConfigErrorsWithPositions) {
  dir_.Write("agents.yaml", "cacert: ca.pem\npassword: secret\n");
  try {
    Read({"--agents-config", Path("agents.yaml")});
    FAIL() << "accepted an unknown key";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics().front().pos.line, 2);
    EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Read({"--agents-config", Path("missing.yaml")}), ConfigError);
  EXPECT_THROW(Read({"--cacert", Path("missing.pem")}), ConfigError);
}

}  // namespace
}  // namespace egov::orchestrator
