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

/// A command of egovctl: its arguments after the command's name; returns the exit code.
using Command = int(const std::vector<std::string>& args, CommandIo io);

Command CmdValidate, CmdAudit, CmdPlan, CmdApply, CmdDestroy, CmdStatus, CmdDrift, CmdExplain,
    CmdImages, CmdTargets, CmdForceUnlock, CmdHistory, CmdState;

enum class Approval { kApproved, kDeclined, kNoTerminal };

/// Whether `command` (apply, destroy) may change the hosts, as Terraform asks: approved in
/// advance with --auto-approve; otherwise only on a terminal, where the operator types `yes`
/// on `in` after the question on `out`; without a terminal, nobody can say yes.
Approval AskApproval(bool auto_approve, bool terminal, std::istream& in, std::ostream& out,
                     const std::string& command);

}  // namespace egov::orchestrator
