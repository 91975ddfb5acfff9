// Placement benchmark: R replicas onto H hosts with every filter on, and the reasons counted
// and summarised for every replica that cannot be placed. One thread.
//   build/release/bench/placement_bench [hosts=1000] [replicas=10000] [seed=1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "orchestrator/placement.h"

using namespace egov;
using namespace egov::orchestrator;

int main(int argc, char** argv) {
  const size_t hosts_n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  const size_t replicas_n = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10000;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  constexpr uint64_t kGi = 1ULL << 30;
  const Date today = *ParseDate("2026-11-23");

  // 20 providers of 3 zones; certification levels 2-5, one provider in ten expired, one in ten
  // abroad; half the hosts ssd; 90% pass their Decree 85 profiles, 5% fail, 5% unknown.
  std::vector<PlacementHost> hosts(hosts_n);
  for (size_t i = 0; i < hosts_n; ++i) {
    PlacementHost& h = hosts[i];
    const size_t p = i % 20;
    h.name = "host-" + std::to_string(i);
    h.provider = "provider-" + std::to_string(p);
    h.zone = "zone-" + std::to_string((i / 20) % 3);
    h.residency = p == 7 ? "SG" : "VN";
    h.cert_level = 2 + static_cast<int>(p % 4);
    h.cert_expires = p == 13 ? *ParseDate("2025-01-01") : *ParseDate("2029-01-01");
    h.labels = {{"storage", i % 2 ? "ssd" : "hdd"}};
    h.capacity = {64, 256 * kGi, 8192 * kGi};
    h.overcommit = {4, 1.2};
    for (int l = 3; l <= 5; ++l) {
      const size_t r = (i * 7 + static_cast<size_t>(l)) % 20;
      if (r < 18) h.compliance["decree85-level" + std::to_string(l)] = Compliance::kPass;
      if (r == 18) h.compliance["decree85-level" + std::to_string(l)] = Compliance::kFail;
    }
  }
  // Workloads of 1-3 replicas across levels 1-5 with the default policy's rules.
  std::vector<PlacementWorkload> workloads;
  size_t total = 0;
  for (size_t i = 0; total < replicas_n; ++i) {
    PlacementWorkload w;
    w.name = "workload-" + std::to_string(i);
    w.level = 1 + static_cast<int>(i % 5);
    w.replicas = static_cast<int>(std::min<size_t>(1 + i % 3, replicas_n - total));
    w.spread = w.level >= 5 ? Spread::kProvider : w.level >= 3 ? Spread::kZone : Spread::kHost;
    w.separation = w.level >= 4   ? Separation::kPhysical
                   : w.level == 3 ? Separation::kLogical
                                  : Separation::kNone;
    w.residency = {"VN"};
    w.require_compliance = w.level >= 3;
    w.profile = "decree85-level" + std::to_string(w.level);
    w.unknown = w.level == 3 ? UnknownCompliance::kAllow : UnknownCompliance::kDeny;
    w.allow_memory_overcommit = w.level < 4;
    if (i % 4 == 0) w.labels = {{"storage", "ssd"}};
    if (i % 10 == 0) w.providers = {"provider-1", "provider-2", "provider-3"};
    w.resources = {static_cast<int64_t>(1 + i % 4), (1 + i % 8) * kGi, 50 * kGi};
    w.spec_hash = "sha256:" + std::to_string(i);
    total += static_cast<size_t>(w.replicas);
    workloads.push_back(std::move(w));
  }
  PlacementOptions options;
  options.today = today;
  options.seed = seed;

  const auto start = std::chrono::steady_clock::now();
  const PlacementResult r = Place(hosts, workloads, {}, options);
  size_t explained = 0, text = 0;
  for (const auto& a : r.assignments) {
    if (a.host >= 0) continue;
    text += SummarizeRefusals(a, workloads[a.workload], hosts.size()).size();
    ++explained;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "placement: %zu replicas of %zu workloads onto %zu hosts, seed %llu: %zu placed, %zu "
      "unplaced with reasons (%zu bytes of explanation) in %.3f s\n",
      total, workloads.size(), hosts_n, static_cast<unsigned long long>(seed), total - r.unplaced,
      explained, text, seconds);
  return 0;
}
