#include <cstdio>
#include <ostream>

#include "checks/report.h"
#include "checks/report_internal.h"

namespace egov::checks {
namespace {

void Pad(std::ostream& out, const std::string& s, size_t width) {
  out << s;
  // Vietnamese text is UTF-8: count code points, not bytes.
  size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  for (size_t i = cps; i < width; ++i) out << ' ';
}

void PrintControl(std::ostream& out, const ProfileResult& p, const ControlResult& c) {
  out << "  [" << egov::ToString(c.severity) << "] " << p.name << " " << c.id << "  " << c.title.en
      << "\n";
  if (!c.title.vi.empty()) out << "      " << c.title.vi << "\n";
  out << "      " << ToString(c.status) << ": " << c.reason << "\n";
  for (const auto& e : c.evidence) {
    out << "      " << EvidenceMark(e) << e.source;
    if (e.line > 0) out << ":" << e.line;
    out << ": " << e.observed << " (expected " << e.expected << ")\n";
  }
  if (c.waiver) {
    out << "      waived by " << c.waiver->name << " until " << FormatDate(c.waiver->expires)
        << ", approved by " << c.waiver->approved_by << ": " << c.waiver->reason << "\n";
  } else if (!c.remediation.en.empty()) {
    out << "      fix: " << c.remediation.en << "\n";
  }
}

}  // namespace

std::string Percent(double ratio) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", ratio * 100);
  return buf;
}

std::string OneLineSummary(const ProfileResult& p) {
  const Summary& s = p.summary;
  std::string line = p.name + (p.level ? " (level " + std::to_string(*p.level) + ")" : "") + ": " +
                     (p.passed ? "PASS " : "FAIL ") + std::to_string(s.pass) + "/" +
                     std::to_string(s.applicable) + " applicable controls pass (" +
                     Percent(s.score) + ", " + Percent(s.score_with_waivers) + " with waivers)";
  if (s.fail) line += ", " + std::to_string(s.fail) + " fail";
  if (s.error) line += ", " + std::to_string(s.error) + " error";
  if (s.waived) line += ", " + std::to_string(s.waived) + " waived";
  if (s.not_applicable) line += ", " + std::to_string(s.not_applicable) + " not applicable";
  if (s.skipped) line += ", " + std::to_string(s.skipped) + " skipped";
  return line;
}

void WriteText(const ScanResult& r, std::ostream& out) {
  char dur[32];
  std::snprintf(dur, sizeof dur, "%.1f ms", r.duration_seconds * 1000);
  out << "Scan of " << r.host << " (root " << r.root << ") at " << FormatTimestamp(r.started_at)
      << ", " << dur << ": " << (r.Passed() ? "PASS" : "FAIL") << "\n\n";
  Pad(out, "PROFILE", 22);
  out << "LEVEL  RESULT      PASS  FAIL  ERROR  WAIVED  N/A  SKIP  SCORE (WITH WAIVERS)\n";
  for (const auto& p : r.profiles) {
    const Summary& s = p.summary;
    Pad(out, p.name, 22);
    Pad(out, p.level ? std::to_string(*p.level) : "-", 7);
    Pad(out, ToString(p.level_verdict), 12);
    Pad(out, std::to_string(s.pass), 6);
    Pad(out, std::to_string(s.fail), 6);
    Pad(out, std::to_string(s.error), 7);
    Pad(out, std::to_string(s.waived), 8);
    Pad(out, std::to_string(s.not_applicable), 5);
    Pad(out, std::to_string(s.skipped), 6);
    out << Percent(s.score) << " (" << Percent(s.score_with_waivers) << ")\n";
  }
  for (const auto& p : r.profiles) {
    std::string failing;
    for (const auto& f : p.features) {
      if (!f.passed)
        failing += "    " + f.group + " / " + f.feature + ": " + std::to_string(f.failed) + " of " +
                   std::to_string(f.applicable) + " applicable controls fail\n";
    }
    if (!failing.empty()) out << "\nFeatures not met in " << p.name << ":\n" << failing;
  }
  for (Status status : {Status::kFail, Status::kError, Status::kWaived}) {
    bool header = false;
    for (const auto& p : r.profiles) {
      for (const auto& c : p.controls) {
        if (c.status != status) continue;
        if (!header) {
          out << "\n"
              << (status == Status::kFail    ? "Failures"
                  : status == Status::kError ? "Errors"
                                             : "Waived")
              << ":\n";
          header = true;
        }
        PrintControl(out, p, c);
      }
    }
  }
}

}  // namespace egov::checks
