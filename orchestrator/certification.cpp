#include "orchestrator/certification.h"

#include "common/units.h"

namespace egov::orchestrator {

std::vector<std::string> CertificationWarnings(const Inventory& inv, Date today,
                                               std::chrono::days horizon) {
  std::vector<std::string> out;
  for (const auto& p : inv.providers) {
    const Certification& c = p.certification;
    if (c.expires < today || c.expires > today + horizon) continue;
    const auto days = (c.expires - today).count();
    out.push_back("provider " + p.name + "'s certification " + c.certificate + " expires on " +
                  FormatDate(c.expires) + ", in " + std::to_string(days) +
                  (days == 1 ? " day" : " days") +
                  "; from the next day every plan moves all its replicas off its hosts");
  }
  return out;
}

}  // namespace egov::orchestrator
