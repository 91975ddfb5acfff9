#pragma once

#include <string>
#include <vector>

#include "checks/check.h"

namespace egov::checks {

/// Every check type, in the order `egov-agent list-checks` prints them. The combinators
/// (all, any, none) and `fact` are handled by the compiler and are not listed here.
const std::vector<CheckType>& CheckTypes();

/// The type of that name, or nullptr.
const CheckType* FindCheckType(const std::string& name);

}  // namespace egov::checks
