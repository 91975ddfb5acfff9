// The audit_rules check type (checks/types/audit_rules.cpp) passing and failing on the hardened
// host and on copies of it with one defect each: rules that exist but would not record.
#include <gtest/gtest.h>

#include "tests/checks/test_util.h"

namespace egov::checks {
namespace {

using testing::Expect;
using testing::HostCopy;

constexpr const char* kAll = "{type: audit_rules, events: [logins, privilege, accounts, time]}";

TEST(CheckTypes, AuditRules) {
  Expect("hardened", Status::kPass,
         {kAll, "{type: audit_rules, events: [time]}", "{type: audit_rules, events: [logins]}"});
  Expect("weak", Status::kFail, {kAll});
}

TEST(CheckTypes, AuditRulesPresentButNotRecording) {
  const std::vector<testing::Variant> defects = {
      {"no rules at all", [](const HostCopy& h) { h.Remove("/etc/audit"); }},
      {"only the default file",
       [](const HostCopy& h) { h.Remove("/etc/audit/rules.d/50-egov.rules"); }},
      {"-e 0 last",
       [](const HostCopy& h) { h.Write("/etc/audit/rules.d/99-finalize.rules", "-e 0\n"); }},
      {"a blanket never rule first",
       [](const HostCopy& h) { h.Write("/etc/audit/rules.d/01-quiet.rules", "-a never,task\n"); }},
      {"a -D after the rules, outside augenrules",
       [](const HostCopy& h) {
         h.Remove("/etc/audit/rules.d");
         h.Write("/etc/audit/audit.rules", "-w /etc/passwd -p wa\n-D\n");
       }},
      {"32-bit time calls not audited",
       [](const HostCopy& h) {
         h.Replace("/etc/audit/rules.d/50-egov.rules",
                   "-a always,exit -F arch=b32 -S adjtimex,settimeofday,stime",
                   "-a always,exit -F arch=b32 -S stime");
       }},
      {"a watch on reads only",
       [](const HostCopy& h) {
         h.Replace("/etc/audit/rules.d/50-egov.rules", "-w /etc/shadow -p wa",
                   "-w /etc/shadow -p r");
       }},
      {"audit=0 on the kernel command line",
       [](const HostCopy& h) {
         h.Replace("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"audit=1",
                   "GRUB_CMDLINE_LINUX=\"audit=0");
       }},
  };
  testing::ForEachVariant(defects,
                          [](const std::string& root) { Expect(root, Status::kFail, {kAll}); });
}

TEST(CheckTypes, AuditRulesAcceptTheSyscallFormOfWatches) {
  HostCopy host;
  host.Replace("/etc/audit/rules.d/50-egov.rules", "-w /etc/gshadow -p wa -k identity",
               "-a always,exit -F path=/etc/gshadow -F perm=wa -F auid>=1000 -F key=identity");
  Expect(host.root(), Status::kPass, {kAll});
}

// Each event's needs are judged apart: the watch that records stays ok beside the one that does
// not.
TEST(CheckTypes, AuditRulesJudgeEachNeed) {
  HostCopy host;
  host.Replace("/etc/audit/rules.d/50-egov.rules", "-w /etc/shadow -p wa", "-w /etc/shadow -p r");
  testing::ExpectItems(host.root(), "{type: audit_rules, events: [accounts]}",
                       {{"-w /etc/passwd -p wa", true}, {"no rule for watch /etc/shadow", false}});
}

}  // namespace
}  // namespace egov::checks
