#include <ostream>

#include "checks/report_internal.h"
#include "common/domain_metadata.h"

namespace egov::checks {

// One <testsuite> per profile, one <testcase> per control: fail -> <failure>, error -> <error>,
// not_applicable / skipped / waived -> <skipped> with the reason.
void WriteJunit(const ScanResult& r, std::ostream& out) {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const auto& p : r.profiles) {
    tests += static_cast<int>(p.controls.size());
    failures += p.summary.fail;
    errors += p.summary.error;
    skipped += p.summary.skipped + p.summary.not_applicable + p.summary.waived;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"egov-agent scan " << XmlEscape(r.host) << "\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped
      << "\" time=\"" << r.duration_seconds << "\">\n";
  for (const auto& p : r.profiles) {
    const Summary& s = p.summary;
    out << "  <testsuite name=\"" << XmlEscape(p.name) << "\" tests=\"" << p.controls.size()
        << "\" failures=\"" << s.fail << "\" errors=\"" << s.error << "\" skipped=\""
        << s.skipped + s.not_applicable + s.waived << "\" timestamp=\""
        << FormatTimestamp(r.started_at) << "\" hostname=\"" << XmlEscape(r.host) << "\">\n";
    for (const auto& c : p.controls) {
      out << "    <testcase classname=\"" << XmlEscape(p.name + "." + c.group + "." + c.feature)
          << "\" name=\"" << XmlEscape(c.id + " " + c.title.en) << "\" time=\""
          << c.duration_seconds << "\"";
      std::string body;
      for (const auto& e : c.evidence) {
        body += EvidenceMark(e) + e.source + (e.line > 0 ? ":" + std::to_string(e.line) : "") +
                ": " + e.observed + " (expected " + e.expected + ")\n";
      }
      if (!c.remediation.en.empty()) body += "Fix: " + c.remediation.en + "\n";
      switch (c.status) {
        case Status::kPass:
          out << "/>\n";
          continue;
        case Status::kFail:
          out << ">\n      <failure type=\"" << egov::ToString(c.severity) << "\" message=\""
              << XmlEscape(c.reason) << "\">" << XmlEscape(body) << "</failure>\n";
          break;
        case Status::kError:
          out << ">\n      <error message=\"" << XmlEscape(c.reason) << "\">" << XmlEscape(body)
              << "</error>\n";
          break;
        default:
          out << ">\n      <skipped message=\""
              << XmlEscape(
                     std::string(ToString(c.status)) + ": " +
                     (c.waiver ? c.waiver->reason + " (waiver " + c.waiver->name + ")" : c.reason))
              << "\"/>\n";
      }
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace egov::checks
