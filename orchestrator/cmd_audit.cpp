// egovctl audit: the fleet compliance report (docs/audit.md), its verification and its diff.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "common/agent_client.h"
#include "common/command_line.h"
#include "common/diagnostics.h"
#include "common/files.h"
#include "common/loader.h"
#include "orchestrator/agent_access.h"
#include "orchestrator/audit/diff.h"
#include "orchestrator/audit/placement.h"
#include "orchestrator/audit/render.h"
#include "orchestrator/audit/report.h"
#include "orchestrator/audit/seal.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/options.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace egov::orchestrator {
namespace {

using namespace audit;
using namespace agent_client;

constexpr size_t kMaxReportBytes = size_t{512} << 20;

Date OptionDate(const po::variables_map& vm, const char* name, Date fallback) {
  if (!vm.count(name)) return fallback;
  const auto& text = vm[name].as<std::string>();
  if (auto d = ParseDate(text)) return *d;
  throw ConfigError({std::string("--") + name, 0, 0},
                    "expected a date YYYY-MM-DD, got '" + text + "'");
}

std::chrono::milliseconds OptionDuration(const po::variables_map& vm, const char* name) {
  const auto& text = vm[name].as<std::string>();
  if (text == "0") return std::chrono::milliseconds(0);
  if (auto d = ParseDuration(text)) return *d;
  throw ConfigError({std::string("--") + name, 0, 0},
                    "expected a duration such as 30s, 10m or 24h, got '" + text + "'");
}

std::string DefaultAuditor() {
  std::string user;
  if (const passwd* pw = ::getpwuid(::geteuid())) user = pw->pw_name;
  if (user.empty()) user = std::getenv("USER") ? std::getenv("USER") : "unknown";
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return user + "@" + host;
}

// The audit's clock: the real time, or midday UTC of EGOV_TODAY so that a report made again
// from the same saved results on the same day is byte for byte the same.
Timestamp AuditNow() {
  if (std::getenv("EGOV_TODAY")) return Timestamp(Today()) + std::chrono::hours(12);
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void PrintSummary(const nlohmann::ordered_json& r, const std::string& file, ReportFormat format,
                  const std::string& digest, std::ostream& out) {
  const auto& s = r["summary"];
  out << "Audit report written to " << file << " (" << ToString(format) << ", SHA-256 " << digest
      << ")\n"
      << "Window " << r["window"]["from"].get<std::string>() << " to "
      << r["window"]["to"].get<std::string>() << "; " << s["hosts"]
      << " hosts: " << s["hosts_known"] << " collected, " << s["hosts_unknown"] << " unknown\n"
      << "1145 matrix (" << r["settings"]["matrix_profile"].get<std::string>() << "):";
  for (const auto& p : r["providers"]) {
    out << " " << p["name"].get<std::string>() << " " << p["matrix"]["passed"] << "/"
        << p["matrix"]["total"];
  }
  const auto& v = s["verdicts"];
  out << "\nWorkloads: " << v["met"] << " met, " << v["partly_met"] << " partly met, "
      << v["not_met"] << " not met, " << v["unknown"] << " unknown";
  if (const int n = v.value("not_required", 0); n > 0)
    out << ", " << n << " not required by the policy";
  out << "\n";
  const auto& unknown = r["unknown_hosts"];
  for (size_t i = 0; i < unknown.size() && i < 10; ++i) {
    out << "Unknown: " << unknown[i]["name"].get<std::string>() << ": "
        << unknown[i]["reason"].get<std::string>() << "\n";
  }
  if (unknown.size() > 10)
    out << "Unknown: ... and " << unknown.size() - 10 << " more (see the report)\n";
  out << (s["compliant"].get<bool>() ? "Compliant.\n" : "Not compliant.\n");
}

int CmdAuditVerify(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("audit verify options");
  desc.add_options()("report", po::value<std::string>()->required(), "filed report")(
      "results", po::value<std::string>(),
      "also check saved results <host>.json against the "
      "report's per-host SHA-256");
  po::positional_options_description pos;
  pos.add("report", 1);
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "audit verify FILE [--results DIR]", desc,
                                        pos, vm, io.out, io.err)) {
    return *code;
  }
  const std::string file = vm["report"].as<std::string>();
  const std::string bytes = ReadInputFile(file, kMaxReportBytes, "report");
  const Verification v = VerifyReport(bytes, file);
  if (!v.ok) {
    io.out << "FAILED " << file << " (" << ToString(v.format) << "): " << v.problem << "\n";
    if (!v.claimed.empty())
      io.out << "  claimed SHA-256 " << v.claimed << "\n  actual  SHA-256 " << v.actual << "\n";
    return kExitFailure;
  }
  const auto report = LoadReport(bytes, file);
  io.out << "OK " << file << " (" << ToString(v.format) << "): SHA-256 " << v.claimed << "\n"
         << "  generated " << report.value("generated_at", "") << " by "
         << report.value("auditor", "") << "\n";
  if (!vm.count("results")) return kExitOk;
  int bad = 0;
  const std::string dir = vm["results"].as<std::string>();
  for (const auto& h : report["hosts"]) {
    const std::string name = h["name"].get<std::string>();
    const std::string want = h.value("result_sha256", "");
    if (want.empty()) continue;
    const auto read = ReadResultFiles(dir, {name}).front();
    const ParsedResult parsed = read.error.empty() ? ParseHostResult(read.body) : ParsedResult{};
    const std::string got = parsed.result ? parsed.result->sha256 : "";
    const bool match = got == want;
    bad += match ? 0 : 1;
    io.out << "  " << (match ? "OK      " : "MISMATCH") << " " << name << " "
           << (read.error.empty() ? (parsed.result ? got : parsed.error) : read.error) << "\n";
  }
  return bad ? kExitFailure : kExitOk;
}

int CmdAuditDiff(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("audit diff options");
  po::positional_options_description pos;
  cli::AddOldNewOptions(desc, pos, "report");
  cli::AddFormatOption(desc, {"text", "json"});
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "audit diff OLD NEW [--format text|json]",
                                        desc, pos, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  auto load = [](const std::string& file) {
    return LoadReport(ReadInputFile(file, kMaxReportBytes, "report"), file);
  };
  const auto diff =
      DiffReports(load(vm["old"].as<std::string>()), load(vm["new"].as<std::string>()));
  if (format == OutputFormat::kJson) {
    io.out << diff.dump(2) << "\n";
  } else {
    PrintDiff(diff, io.out);
  }
  return diff["regressions"].get<int>() > 0 ? kExitFailure : kExitOk;
}

po::options_description AuditOptions() {
  po::options_description desc("audit options");
  desc.add_options()(
      "file,f", po::value<std::vector<std::string>>()->required(),
      "inventory: providers, workloads, policy, profiles, waivers (file or directory, repeatable)")(
      "results", po::value<std::string>(),
      "read saved results DIR/<host>.json instead of asking the agents")(
      "format", po::value<std::string>(),
      "html, json or csv (default: from -o's extension, else json)")(
      "from", po::value<std::string>(),
      "reporting window start YYYY-MM-DD (default: 15 Dec of the previous year)")(
      "to", po::value<std::string>(), "reporting window end YYYY-MM-DD (default: 14 Dec)")(
      "auditor", po::value<std::string>(), "who runs the audit (default: user@host)")(
      "matrix-profile", po::value<std::string>()->default_value("mic-1145"),
      "profile of the 1145 feature matrix")(
      "policy", po::value<std::string>()->default_value(""),
      "Policy naming each level's profile (default: 'default')")(
      "max-age", po::value<std::string>()->default_value("24h"),
      "results older than this are stale (0: no limit)")(
      "timeout", po::value<std::string>()->default_value("10s"), "per-agent request timeout")(
      "parallel", po::value<size_t>()->default_value(64), "agents asked at once")(
      "save-results", po::value<std::string>(), "also save each agent's answer as DIR/<host>.json")(
      "no-libvirt", po::bool_switch(), "do not read the hosts' libvirt for workload placement");
  AddAgentAccessOptions(desc);
  cli::AddOutputOption(desc, "write the report to FILE (default: standard output)");
  return desc;
}

// --format, else from -o's extension, else JSON.
ReportFormat ChosenFormat(const po::variables_map& vm) {
  const std::optional<std::string> file = cli::ReadOutputFile(vm, {"html", "json", "csv"});
  std::optional<ReportFormat> format;
  if (vm.count("format")) {
    format = ParseReportFormat(vm["format"].as<std::string>());
    if (!format) {
      throw ConfigError({"--format", 0, 0},
                        "expected html, json or csv, got '" + vm["format"].as<std::string>() + "'");
    }
  } else if (file) {
    format = FormatFromPath(*file);
  }
  return format.value_or(ReportFormat::kJson);
}

AuditSettings ReadSettings(const po::variables_map& vm) {
  AuditSettings s;
  s.now = AuditNow();
  s.today = Today();
  const auto [from, to] = AnnualWindow(s.today);
  s.from = OptionDate(vm, "from", from);
  s.to = OptionDate(vm, "to", to);
  if (s.to < s.from) throw ConfigError({"--to", 0, 0}, "the window ends before it starts");
  s.max_age = std::chrono::duration_cast<std::chrono::seconds>(OptionDuration(vm, "max-age"));
  s.auditor = vm.count("auditor") ? vm["auditor"].as<std::string>() : DefaultAuditor();
  s.matrix_profile = vm["matrix-profile"].as<std::string>();
  s.policy = vm["policy"].as<std::string>();
  return s;
}

CollectOptions ReadCollectOptions(const po::variables_map& vm, std::ostream& err) {
  CollectOptions collect = ReadAgentAccess(vm, err);
  collect.timeout = OptionDuration(vm, "timeout");
  collect.parallel = vm["parallel"].as<size_t>();
  return collect;
}

Inventory LoadAuditedInventory(const po::variables_map& vm, const std::string& policy) {
  Inventory inv = LoadInventory(vm["file"].as<std::vector<std::string>>());
  if (!policy.empty() && std::none_of(inv.policies.begin(), inv.policies.end(),
                                      [&](const Policy& p) { return p.name == policy; })) {
    throw ConfigError({"--policy", 0, 0}, "no Policy named '" + policy + "' in the inventory");
  }
  return inv;
}

// DIR/<host>.json for every inventory host, then for the other hosts DIR holds results of,
// which the report lists as unexpected.
std::vector<FetchedResult> ReadResultsDirectory(const std::string& dir,
                                                const std::vector<std::string>& names) {
  if (!fs::is_directory(dir)) throw ConfigError({dir, 0, 0}, "--results: no such directory");
  std::vector<FetchedResult> fetched = ReadResultFiles(dir, names);
  std::vector<std::string> extra;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path p = entry.path();
    if (p.extension() == ".json" &&
        std::find(names.begin(), names.end(), p.stem().string()) == names.end()) {
      extra.push_back(p.stem().string());
    }
  }
  std::sort(extra.begin(), extra.end());
  for (auto& f : ReadResultFiles(dir, extra)) fetched.push_back(std::move(f));
  return fetched;
}

void SaveResults(const fs::path& dir, const std::vector<FetchedResult>& fetched) {
  CreateDirectories(dir.string());
  for (const auto& f : fetched) {
    if (f.error.empty()) WriteFileAtomically((dir / (f.host + ".json")).string(), f.body);
  }
}

// What the report is built from: each host's result (from --results or the agents) and,
// unless --no-libvirt, the domains on each host. Says in `s.source` where results came from.
AuditInputs Collect(const po::variables_map& vm, const Inventory& inv,
                    const CollectOptions& collect, AuditSettings& s) {
  std::vector<std::string> names;
  std::vector<AgentTarget> targets;
  size_t fenced = 0;
  for (const auto& p : inv.providers) {
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) {
        names.push_back(h.name);
        if (h.state == HostState::kFailed) ++fenced;
        // A host declared failed is fenced: its agent is not asked (the report says so).
        if (!h.agent.empty() && h.state != HostState::kFailed) targets.push_back({h.name, h.agent});
      }
    }
  }
  AuditInputs in;
  if (vm.count("results")) {
    const std::string dir = vm["results"].as<std::string>();
    in.fetched = ReadResultsDirectory(dir, names);
    s.source = "files: " + dir;
  } else {
    s.source = "agents (" + std::to_string(targets.size()) + " of " + std::to_string(names.size()) +
               " hosts have one" +
               (fenced ? "; " + std::to_string(fenced) + " declared failed, not asked" : "") + ")";
    in.fetched = FetchFromAgents(targets, collect);
  }
  if (vm.count("save-results")) SaveResults(vm["save-results"].as<std::string>(), in.fetched);
  if (!vm["no-libvirt"].as<bool>()) in.libvirt = ReadPlacement(inv, collect.parallel);
  return in;
}

// Writes the sealed report to -o FILE with a summary on standard output, or the report itself
// to standard output.
void Deliver(const nlohmann::ordered_json& report, ReportFormat format, const po::variables_map& vm,
             std::ostream& out) {
  const std::string bytes = RenderReport(report, format);
  const std::optional<std::string> file = cli::ReadOutputFile(vm, {"html", "json", "csv"});
  if (!file) {
    out << bytes;
    return;
  }
  WriteFileAtomically(*file, bytes);
  PrintSummary(report, *file, format, VerifyReport(bytes, *file).claimed, out);
}

}  // namespace

int CmdAudit(const std::vector<std::string>& args, CommandIo io) {
  if (!args.empty() && args[0] == "verify")
    return CmdAuditVerify({args.begin() + 1, args.end()}, io);
  if (!args.empty() && args[0] == "diff") return CmdAuditDiff({args.begin() + 1, args.end()}, io);
  po::options_description desc = AuditOptions();
  po::positional_options_description pos;
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egovctl", args,
                                "audit -f PATH... [--results DIR] [--format html|json|csv] "
                                "[-o FILE]\n       egovctl audit verify FILE [--results DIR]\n"
                                "       egovctl audit diff OLD NEW [--format text|json]",
                                desc, pos, vm, io.out, io.err)) {
    return *code;
  }
  // Every option is checked before anything is collected or written.
  const ReportFormat format = ChosenFormat(vm);
  AuditSettings s = ReadSettings(vm);
  const CollectOptions collect = ReadCollectOptions(vm, io.err);
  const Inventory inv = LoadAuditedInventory(vm, s.policy);
  s.inventory_files = inv.files;

  const AuditInputs in = Collect(vm, inv, collect, s);
  const auto report = BuildAuditReport(inv, in, s);
  Deliver(report, format, vm, io.out);
  return ReportCompliant(report) ? kExitOk : kExitFailure;
}

}  // namespace egov::orchestrator
