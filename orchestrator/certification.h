#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/model.h"

// Warnings before a provider's certification expires: from that day the certification filter
// refuses all its hosts, so the next plan moves every replica off the provider at once.
namespace egov::orchestrator {

/// The default warning horizon (--cert-warning).
inline constexpr std::chrono::days kCertificationWarning{90};

/// One warning per provider whose certification is still valid on `today` but expires within
/// `horizon`, in inventory order.
std::vector<std::string> CertificationWarnings(const Inventory& inv, Date today,
                                               std::chrono::days horizon);

}  // namespace egov::orchestrator
