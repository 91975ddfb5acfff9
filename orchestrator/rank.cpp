#include "orchestrator/rank.h"

#include <algorithm>
#include <numeric>
#include <string_view>

namespace egov::orchestrator {
namespace {

uint64_t Mix(uint64_t x) {  // SplitMix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Hash(std::string_view s) {  // FNV-1a
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

Ranker::Ranker(const std::vector<PlacementHost>& hosts,
               const std::vector<PlacementWorkload>& workloads, const PlacementOptions& options,
               Feasibility& feasibility)
    : hosts_(hosts), workloads_(workloads), options_(options), feasibility_(feasibility) {
  for (const auto& h : hosts) host_hash_.push_back(Hash(h.name));
  for (const auto& w : workloads) workload_hash_.push_back(Hash(w.name));
  order_.resize(hosts.size());
  std::iota(order_.begin(), order_.end(), size_t{0});
  uint64_t state = Mix(options.seed);
  for (size_t i = order_.size(); i > 1; --i) {
    state = Mix(state);
    std::swap(order_[i - 1], order_[state % i]);
  }
}

double Ranker::Score(size_t w, int replica, size_t h) const {
  const PlacementWorkload& wl = workloads_[w];
  const PlacementHost& host = hosts_[h];
  const Ledger::Use& use = feasibility_.ledger().use[h];
  const double cpu_limit =
      std::max(1e-9, static_cast<double>(host.capacity.vcpus) * host.overcommit.cpu);
  const double mem_limit = std::max(1.0, MemoryLimit(wl, host));
  const double cpu_used = (use.vcpus + static_cast<double>(wl.resources.vcpus)) / cpu_limit;
  const double mem_used = static_cast<double>(use.memory + wl.resources.memory) / mem_limit;
  const double used = (cpu_used + mem_used) / 2;
  const double base = options_.strategy == Strategy::kSpread ? 1 - used : used;
  // A tiny seeded tie-break keeps equal hosts from always going in inventory order.
  const uint64_t jitter =
      Mix(options_.seed ^ host_hash_[h] ^ (workload_hash_[w] + static_cast<uint64_t>(replica)));
  return base * 100 + static_cast<double>(jitter % 1000) / 1e6;
}

void Ranker::Choose(size_t w, int replica, Assignment& a) {
  const size_t n = hosts_.size();
  const size_t start =
      n == 0 ? 0 : Mix(options_.seed ^ workload_hash_[w] ^ (uint64_t(replica) << 32)) % n;
  int best = -1;
  double best_score = 0;
  size_t feasible = 0;
  std::array<uint32_t, kReasonCount> refused{};
  std::vector<int> spread_with;
  size_t evaluated = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t h = order_[(start + i) % n];
    ++evaluated;
    ReasonMask mask = feasibility_.StaticMask(w, h);
    if (mask == 0) mask = feasibility_.DynamicMask(w, replica, h);
    if (mask != 0) {
      const auto first = static_cast<size_t>(__builtin_ctz(mask));
      ++refused[first];
      if (first >= static_cast<size_t>(Reason::kSameHost)) {
        feasibility_.SpreadConflicts(w, replica, h, spread_with);
      }
      continue;
    }
    const double score = Score(w, replica, h);
    if (best < 0 || score > best_score) {
      best = static_cast<int>(h);
      best_score = score;
    }
    if (++feasible == options_.candidates) break;
  }
  a.evaluated = evaluated;
  if (best >= 0) {
    a.host = best;
    a.score = best_score;
    return;
  }
  a.refused = refused;
  std::sort(spread_with.begin(), spread_with.end());
  spread_with.erase(std::unique(spread_with.begin(), spread_with.end()), spread_with.end());
  a.spread_with = std::move(spread_with);
}

}  // namespace egov::orchestrator
