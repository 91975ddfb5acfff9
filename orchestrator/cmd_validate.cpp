#include <map>
#include <ostream>

#include "checks/scan.h"
#include "common/command_line.h"
#include "common/loader.h"
#include "common/model_json.h"
#include "orchestrator/commands.h"
#include "orchestrator/options.h"

namespace po = boost::program_options;

namespace egov::orchestrator {
namespace {

struct Summary {
  size_t zones = 0, hosts = 0, controls = 0;
  std::map<int, std::pair<size_t, size_t>> by_level;  // level -> (workloads, replicas)
};

Summary Summarize(const Inventory& inv) {
  Summary s;
  for (const auto& p : inv.providers) {
    s.zones += p.zones.size();
    for (const auto& z : p.zones) s.hosts += z.hosts.size();
  }
  for (const auto& w : inv.workloads) {
    auto& [count, replicas] = s.by_level[w.security_level];
    ++count;
    replicas += static_cast<size_t>(w.replicas);
  }
  for (const auto& p : inv.profiles) s.controls += p.controls.size();
  return s;
}

std::string Plural(size_t n, const std::string& word) {
  if (n == 1) return "1 " + word;
  if (word == "policy") return std::to_string(n) + " policies";
  return std::to_string(n) + " " + word + "s";
}

void PrintText(const Inventory& inv, std::ostream& out) {
  const Summary s = Summarize(inv);
  const Date today = Today();
  out << "Valid: " << Plural(inv.files.size(), "file") << ", "
      << Plural(inv.providers.size(), "provider") << ", " << Plural(s.zones, "zone") << ", "
      << Plural(s.hosts, "host") << ", " << Plural(inv.workloads.size(), "workload") << ", "
      << Plural(inv.images.size(), "image") << ", " << Plural(inv.policies.size(), "policy") << ", "
      << Plural(inv.profiles.size(), "profile") << " (" << Plural(s.controls, "control") << "), "
      << Plural(inv.waivers.size(), "waiver") << "\n";
  if (!inv.providers.empty()) out << "\nProviders:\n";
  for (const auto& p : inv.providers) {
    size_t hosts = 0;
    for (const auto& z : p.zones) hosts += z.hosts.size();
    const auto& c = p.certification;
    const char* state = c.expires < today ? "EXPIRED" : "valid";
    out << "  " << p.name << " — " << p.display_name << "\n"
        << "    " << c.scheme << " " << c.certificate << ", up to level " << c.max_security_level
        << ", expires " << FormatDate(c.expires) << " (" << state << "), residency " << p.residency
        << ", " << Plural(p.zones.size(), "zone") << ", " << Plural(hosts, "host") << "\n";
  }
  if (!inv.workloads.empty()) out << "\nWorkloads by security level:\n";
  for (const auto& [level, counts] : s.by_level) {
    out << "  level " << level << ": " << Plural(counts.first, "workload") << ", "
        << Plural(counts.second, "replica") << "\n";
    for (const auto& w : inv.workloads) {
      if (w.security_level != level) continue;
      out << "    " << w.name << " — " << w.system << " (" << w.agency << "), "
          << Plural(static_cast<size_t>(w.replicas), "replica") << "\n";
    }
  }
  for (const auto& p : inv.policies) {
    out << "\nPolicy " << p.name << ":\n";
    for (const auto& l : p.levels) {
      out << "  level " << l.level << ": at least "
          << Plural(static_cast<size_t>(l.min_replicas), "replica") << ", spread "
          << ToString(l.spread) << ", separation " << ToString(l.separation)
          << (l.require_compliance ? ", hosts must pass " + l.compliance_profile : std::string())
          << "\n";
    }
  }
  if (!inv.profiles.empty()) out << "\nProfiles:\n";
  for (const auto& p : inv.profiles) {
    out << "  " << p.name << " — " << p.title.en << ": " << Plural(p.controls.size(), "control")
        << "\n";
  }
}

// One line per name the other commands take: "workload NAME", "host NAME", ... (shell
// completion reads it: packaging/completion/egovctl).
void PrintNames(const Inventory& inv, std::ostream& out) {
  for (const auto& p : inv.providers) {
    out << "provider " << p.name << "\n";
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) out << "host " << h.name << "\n";
    }
  }
  for (const auto& w : inv.workloads) out << "workload " << w.name << "\n";
  for (const auto& i : inv.images) out << "image " << i.name << "\n";
  for (const auto& p : inv.policies) out << "policy " << p.name << "\n";
  for (const auto& p : inv.profiles) out << "profile " << p.name << "\n";
}

}  // namespace

int CmdValidate(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("validate options");
  po::positional_options_description pos;
  AddInventoryOption(desc, pos);
  AddCertWarningOption(desc);
  cli::AddFormatOption(desc, {"text", "json", "names"});
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egovctl", args, "validate -f PATH... [--format text|json|names]",
                                desc, pos, vm, io.out, io.err)) {
    return *code;
  }
  const std::string format = cli::ReadFormat(vm, {"text", "json", "names"});
  const std::chrono::days cert_warning = ReadCertWarning(vm);
  const Inventory inv = LoadInventoryOption(vm);
  checks::ValidateProfiles(inv.profiles);  // check types and their parameters
  WarnOfExpiringCertifications(inv, cert_warning, io.err);
  if (format == "names") {
    PrintNames(inv, io.out);
  } else if (format == "json") {
    const Summary s = Summarize(inv);
    nlohmann::json by_level = nlohmann::json::object();
    for (const auto& [level, counts] : s.by_level) {
      by_level[std::to_string(level)] = {{"workloads", counts.first}, {"replicas", counts.second}};
    }
    nlohmann::json j = {{"valid", true},
                        {"summary",
                         {{"files", inv.files.size()},
                          {"providers", inv.providers.size()},
                          {"zones", s.zones},
                          {"hosts", s.hosts},
                          {"workloads", inv.workloads.size()},
                          {"workloads_by_level", by_level},
                          {"images", inv.images.size()},
                          {"policies", inv.policies.size()},
                          {"profiles", inv.profiles.size()},
                          {"controls", s.controls},
                          {"waivers", inv.waivers.size()}}},
                        {"inventory", ToJson(inv)}};
    io.out << j.dump(2) << "\n";
  } else {
    PrintText(inv, io.out);
  }
  return 0;
}

}  // namespace egov::orchestrator
