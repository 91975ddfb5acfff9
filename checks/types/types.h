#pragma once

#include "checks/check.h"

// One function per check type, each defined in its own file; registry.cpp lists them.
namespace egov::checks::types {

CheckType File();
CheckType FileContent();
CheckType ConfigOption();
CheckType Sysctl();
CheckType KernelModule();
CheckType Mount();
CheckType Listening();
CheckType Process();
CheckType Package();
CheckType Accounts();
CheckType LogRetention();
CheckType TimeSync();
CheckType Certificate();
CheckType Http();
CheckType SystemdUnit();
CheckType LibvirtDaemon();
CheckType LibvirtDomains();
CheckType DiskSpace();
CheckType Backup();

}  // namespace egov::checks::types
