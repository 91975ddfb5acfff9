#pragma once

#include <nlohmann/json.hpp>

#include "common/model.h"

// JSON forms of the model, for `--output json`. Text (Vietnamese included) is kept byte for byte.
namespace egov {

nlohmann::json ToJson(const Provider& provider);
/// Ordered, as the audit report (which adds whether it is in force) shows it too.
nlohmann::ordered_json ToJson(const Certification& certification);
nlohmann::json ToJson(const Image& image);
nlohmann::json ToJson(const Workload& workload);
nlohmann::json ToJson(const Policy& policy);
nlohmann::json ToJson(const Profile& profile);
/// Ordered, as the audit report (which adds whether it is in force and where it applied) shows it
/// too.
nlohmann::ordered_json ToJson(const Waiver& waiver);
nlohmann::json ToJson(const Inventory& inventory);
nlohmann::json ToJson(const CheckSpec& spec);

}  // namespace egov
