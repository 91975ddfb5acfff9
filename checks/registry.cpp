#include "checks/registry.h"

#include "checks/types/types.h"

namespace egov::checks {

const std::vector<CheckType>& CheckTypes() {
  static const std::vector<CheckType> kTypes = {
      types::File(),          types::FileContent(),     types::ConfigOption(),
      types::Sysctl(),        types::KernelModule(),    types::Mount(),
      types::Listening(),     types::Process(),         types::Package(),
      types::Accounts(),      types::SystemdUnit(),     types::LogRetention(),
      types::TimeSync(),      types::Certificate(),     types::Http(),
      types::LibvirtDaemon(), types::LibvirtDomains(),  types::DiskSpace(),
      types::Backup(),        types::Firewall(),        types::AuditRules(),
      types::SshAlgorithms(), types::PasswordQuality(), types::SecurityUpdates(),
      types::FileIntegrity(),
  };
  return kTypes;
}

const CheckType* FindCheckType(const std::string& name) {
  for (const auto& t : CheckTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace egov::checks
