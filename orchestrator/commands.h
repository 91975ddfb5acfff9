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

enum class Approval { kApproved, kDeclined, kNoTerminal };

/// Whether `command` (apply, destroy) may change the hosts, as Terraform asks: approved in
/// advance with --auto-approve; otherwise only on a terminal, where the operator types `yes`
/// on `in` after the question on `out`; without a terminal, nobody can say yes.
Approval AskApproval(bool auto_approve, bool terminal, std::istream& in, std::ostream& out,
                     const std::string& command);

}  // namespace egov::orchestrator
