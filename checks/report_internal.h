#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "checks/report.h"

// The renderers behind WriteReport, one file each.
namespace egov::checks {

void WriteText(const ScanResult& result, std::ostream& out);
void WriteJunit(const ScanResult& result, std::ostream& out);
void WriteSarif(const ScanResult& result, std::ostream& out);
/// `waivers`: those the scan was given, listed with whether they applied, expired or name no
/// scanned control.
void WriteHtml(const ScanResult& result, const std::vector<Waiver>& waivers, std::ostream& out);

/// "✓ " or "✗ ": whether one evidence item meets what was expected of it; "" when not judged.
std::string EvidenceMark(const Evidence& e);

}  // namespace egov::checks
