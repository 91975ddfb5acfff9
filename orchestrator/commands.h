#pragma once

#include <iosfwd>
#include <string>
#include <vector>

// One function per egovctl command; each parses its own options and returns an exit code.
namespace egov::orchestrator {

struct CommandIo {
  std::ostream& out;
  std::ostream& err;
};

int CmdValidate(const std::vector<std::string>& args, CommandIo io);
int CmdAudit(const std::vector<std::string>& args, CommandIo io);
int CmdPlan(const std::vector<std::string>& args, CommandIo io);
int CmdApply(const std::vector<std::string>& args, CommandIo io);
int CmdDestroy(const std::vector<std::string>& args, CommandIo io);
int CmdStatus(const std::vector<std::string>& args, CommandIo io);
int CmdDrift(const std::vector<std::string>& args, CommandIo io);
int CmdExplain(const std::vector<std::string>& args, CommandIo io);
int CmdImages(const std::vector<std::string>& args, CommandIo io);
int CmdTargets(const std::vector<std::string>& args, CommandIo io);
int CmdForceUnlock(const std::vector<std::string>& args, CommandIo io);
int CmdHistory(const std::vector<std::string>& args, CommandIo io);
int CmdState(const std::vector<std::string>& args, CommandIo io);

}  // namespace egov::orchestrator
