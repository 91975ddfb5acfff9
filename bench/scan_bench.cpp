// In-process cost of a full scan: load and compile every shipped profile, then run them against
// each root, N times. Prints median and best wall time, controls evaluated, time per control and
// the process's peak RSS. Build with the release preset; bench/scan_vs_openscap runs it.
//
//   scan_bench [--runs N] [--profiles-dir DIR] ROOT...
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "checks/scan.h"
#include "common/install_dirs.h"
#include "common/loader.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::string dir = egov::DataDir() + "/profiles";
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--profiles-dir") && i + 1 < argc)
      dir = argv[++i];
    else
      roots.push_back(argv[i]);
  }
  if (roots.empty()) roots.push_back("/");
  std::vector<double> compile_ms;
  std::vector<egov::checks::CompiledProfilePtr> compiled;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    const egov::Inventory inv = egov::LoadInventory({dir});
    compiled.clear();
    for (const auto& p : inv.profiles) {
      if (p.name == "decree85") continue;  // the base of decree85-level1..5, scanned through them
      compiled.push_back(egov::checks::CompileProfile(p));
    }
    compile_ms.push_back(Ms(Clock::now() - start));
  }
  std::printf("profiles: %zu, load + compile: median %.2f ms, best %.2f ms\n", compiled.size(),
              Median(compile_ms), *std::min_element(compile_ms.begin(), compile_ms.end()));
  for (const auto& root : roots) {
    std::vector<double> scan_ms;
    size_t evaluated = 0, controls = 0;
    for (int r = 0; r < runs; ++r) {
      egov::checks::ScanOptions options;
      options.root = root;
      const auto start = Clock::now();
      const auto result = egov::checks::RunScan(compiled, options);
      scan_ms.push_back(Ms(Clock::now() - start));
      evaluated = controls = 0;
      for (const auto& p : result.profiles) {
        controls += p.controls.size();
        evaluated += static_cast<size_t>(p.summary.applicable);
      }
    }
    const double median = Median(scan_ms);
    std::printf(
        "root %s: %zu controls, %zu evaluated (applicable); scan median %.2f ms, best %.2f ms, "
        "%.1f us per evaluated control\n",
        root.c_str(), controls, evaluated, median,
        *std::min_element(scan_ms.begin(), scan_ms.end()),
        evaluated ? median * 1000 / static_cast<double>(evaluated) : 0.0);
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS: %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024);
  return 0;
}
