#pragma once

#include <iosfwd>
#include <string>

#include "checks/report.h"

// The renderers behind WriteReport, one file each.
namespace egov::checks {

void WriteText(const ScanResult& result, std::ostream& out);
void WriteJunit(const ScanResult& result, std::ostream& out);
void WriteSarif(const ScanResult& result, std::ostream& out);
void WriteHtml(const ScanResult& result, std::ostream& out);

}  // namespace egov::checks
