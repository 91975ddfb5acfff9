#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "agents/commands.h"
#include "agents/scan_setup.h"
#include "checks/report.h"
#include "checks/scan.h"
#include "common/command_line.h"
#include "common/files.h"
#include "common/install_dirs.h"
#include "common/units.h"
#include "common/version.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace egov::agent {
namespace {

const std::vector<std::string> kFormats = {"text", "json", "junit", "sarif", "html"};

// The host name waivers are matched against: the root's /etc/hostname, else this machine's.
std::string DefaultHost(const std::string& root) {
  std::error_code ec;
  if (fs::equivalent(root, "/", ec)) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  }
  std::ifstream in(fs::path(root) / "etc/hostname");
  std::string name;
  if (in && std::getline(in, name) && !name.empty()) return name;
  return fs::path(root).filename().string();
}

// Caps the data segment and private writable mappings (RLIMIT_DATA) at what the program has
// now plus `bytes`: an allocation past it fails (the scan ends with an error) instead of the
// whole unit reaching its MemoryMax. Relative, because a sanitizer build maps terabytes of
// shadow memory before main.
void LimitMemory(uint64_t bytes) {
  std::ifstream status("/proc/self/status");
  uint64_t data_kib = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmData:", 0) == 0) data_kib = std::stoull(line.substr(7));
  }
  const rlim_t limit = static_cast<rlim_t>(data_kib * 1024 + bytes);
  const rlimit r{limit, limit};
  if (::setrlimit(RLIMIT_DATA, &r) != 0) {
    throw std::runtime_error(std::string("cannot limit the scan's memory: ") +
                             std::strerror(errno));
  }
}

}  // namespace

int CmdScan(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc("scan options");
  desc.add_options()("profile,p", po::value<std::vector<std::string>>()->required(),
                     "profile name (from the profiles directory) or YAML file (repeatable)")(
      "level,l", po::value<int>(), "security level 1-5 the profiles are judged at")(
      "root,r", po::value<std::string>()->default_value("/"),
      "host tree to check: / or a mounted image or fixture")(
      "host", po::value<std::string>(), "host name for waivers (default: the root's hostname)")(
      "waivers,w", po::value<std::vector<std::string>>(), "Waiver file or directory (repeatable)")(
      "profiles-dir",
      po::value<std::string>()->default_value(
          DataDir() + "/profiles",
          // The installed place, also in a build tree (which uses its own
          // checkout's), so that the man page made from --help names it.
          std::string(kDataDir) + "/profiles"),
      "where profile names are looked up")("timeout", po::value<std::string>()->default_value("5s"),
                                           "per-control check timeout")(
      "workers", po::value<int>()->default_value(4), "checks run in parallel")(
      "memory-limit", po::value<std::string>(),
      "most memory the scan may allocate beyond what it maps at start, e.g. 96Mi");
  cli::AddFormatOption(desc, kFormats);
  cli::AddOutputOption(desc, "write the report to FILE (a summary goes to standard output)");
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine(
          "egov-agent", args,
          "scan --profile P [--profile Q...] [--level N] [--root DIR] [--format F] [-o FILE]", desc,
          {}, vm, out, err)) {
    return *code;
  }
  const auto format = checks::ParseReportFormat(cli::ReadFormat(vm, kFormats));
  const std::optional<std::string> output = cli::ReadOutputFile(vm, kFormats);
  std::optional<int> level;
  if (vm.count("level")) {
    level = vm["level"].as<int>();
    if (*level < 1 || *level > 5) {
      throw ConfigError({"--level", 0, 0},
                        "expected a security level 1 to 5, got " + std::to_string(*level));
    }
  }
  const auto timeout = ParseDuration(vm["timeout"].as<std::string>());
  if (!timeout || timeout->count() <= 0) {
    throw ConfigError({"--timeout", 0, 0}, "expected a duration such as 5s or 500ms");
  }
  if (vm.count("memory-limit")) {
    const auto limit = ParseSize(vm["memory-limit"].as<std::string>());
    if (!limit || *limit == 0) {
      throw ConfigError({"--memory-limit", 0, 0}, "expected a size such as 96Mi");
    }
    LimitMemory(*limit);
  }
  const int workers = vm["workers"].as<int>();
  if (workers < 1 || workers > 64) throw ConfigError({"--workers", 0, 0}, "expected 1 to 64");
  const std::string root = vm["root"].as<std::string>();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw ConfigError({root, 0, 0}, "--root: not a directory; expected the host tree to check");
  }

  const ScanSetup setup = LoadScanSetup(
      vm["profile"].as<std::vector<std::string>>(), vm["profiles-dir"].as<std::string>(),
      vm.count("waivers") ? vm["waivers"].as<std::vector<std::string>>()
                          : std::vector<std::string>{},
      level);

  checks::ScanOptions options;
  options.root = root;
  options.host = vm.count("host") ? vm["host"].as<std::string>() : DefaultHost(root);
  options.waivers = setup.waivers;
  options.timeout = *timeout;
  options.workers = workers;
  const checks::ScanResult result = checks::RunScan(setup.profiles, options);

  if (output) {
    std::ostringstream text;
    checks::WriteReport(result, *format, text, setup.waivers);
    WriteFileAtomically(*output, text.str());
    for (const auto& p : result.profiles) out << checks::OneLineSummary(p) << "\n";
  } else {
    checks::WriteReport(result, *format, out, setup.waivers);
  }
  return result.Passed() ? 0 : 1;
}

}  // namespace egov::agent
