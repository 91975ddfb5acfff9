#include <atomic>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "checks/compiled.h"
#include "common/enum_names.h"
#include "common/version.h"

namespace egov::checks {
namespace {

using Clock = std::chrono::steady_clock;

struct Evaluated {
  Outcome outcome;
  double seconds = 0;
  bool timed_out = false;  // abandoned on its timeout
};

// One control to evaluate. Claimed by exactly one worker, even when it was posted to a
// replacement pool after a timeout.
struct Task {
  std::function<Evaluated()> run;
  std::atomic<bool> claimed{false};
  std::atomic<int64_t> started{0};  // steady-clock ticks; 0 until a worker starts it
  std::promise<Evaluated> done;
  std::future<Evaluated> result = done.get_future();
};

// The scan's worker threads: a Boost thread pool with one thread of its own, which the others
// join (attach). Boost 1.74's thread_pool(n) hangs when it cannot start its k-th thread (it
// joins the threads it made, whose scheduler still has work), and starting a thread fails
// under scan --memory-limit, where thread stacks count in RLIMIT_DATA; so the pool starts
// with one thread and runs with fewer workers when the others cannot start.
class Workers {
 public:
  explicit Workers(int n) {
    for (int i = 1; i < n; ++i) {
      try {
        attached_.emplace_back([pool = pool_] { pool->attach(); });
      } catch (const std::system_error&) {
        break;
      }
    }
  }
  ~Workers() {
    // Only abandoned pools are destroyed before their work is done; their threads are stuck.
    for (auto& t : attached_) {
      if (t.joinable()) t.detach();
    }
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  boost::asio::thread_pool& pool() { return *pool_; }
  /// Waits for every posted task; the attached threads return once the pool has no work.
  void Join() {
    pool_->join();
    for (auto& t : attached_) t.join();
  }

 private:
  std::shared_ptr<boost::asio::thread_pool> pool_ = std::make_shared<boost::asio::thread_pool>(1);
  std::vector<std::thread> attached_;
};

// Workers of which one hangs in a check that timed out. A thread stuck in a read cannot be
// cancelled, so they are never joined; they are kept reachable until the process ends.
void Abandon(std::unique_ptr<Workers> workers) {
  static std::mutex mu;
  static auto* abandoned = new std::vector<std::unique_ptr<Workers>>;
  std::lock_guard lock(mu);
  abandoned->push_back(std::move(workers));
}

void Post(boost::asio::thread_pool& pool, const std::shared_ptr<Task>& task) {
  boost::asio::post(pool, [task] {
    if (task->claimed.exchange(true)) return;
    task->started = Clock::now().time_since_epoch().count();
    try {
      task->done.set_value(task->run());
    } catch (...) {
      // An allocation that failed even in Evaluate's error path (scan --memory-limit): hand it
      // to the waiting side, which would otherwise wait out the check's timeout.
      task->done.set_exception(std::current_exception());
    }
  });
}

Evaluated Evaluate(const CompiledControl& cc, const HostContext& ctx) {
  const auto start = Clock::now();
  Outcome out;
  try {
    if (!cc.check) {
      out = Outcome::NotApplicable(cc.not_applicable);
    } else if (cc.applies_if) {
      Outcome gate = cc.applies_if->Run(ctx);
      if (gate.status == Status::kPass) {
        out = cc.check->Run(ctx);
      } else if (gate.status == Status::kError || gate.status == Status::kSkipped) {
        gate.reason = "applicability unknown: " + gate.reason;
        out = std::move(gate);
      } else {
        out = Outcome::NotApplicable(gate.reason);
      }
    } else {
      out = cc.check->Run(ctx);
    }
  } catch (const std::exception& e) {
    out = Outcome::Error(std::string("check failed unexpectedly: ") + e.what());
  }
  return {std::move(out), std::chrono::duration<double>(Clock::now() - start).count()};
}

const Waiver* FindWaiver(const std::string& profile, const std::string& control,
                         const ScanOptions& options) {
  for (const auto& w : options.waivers) {
    if (w.control == control && (w.profile.empty() || w.profile == profile) &&
        w.Covers(options.host, options.today)) {
      return &w;
    }
  }
  return nullptr;
}

std::string Seconds(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  return n % 1000 == 0 ? std::to_string(n / 1000) + " s" : std::to_string(n) + " ms";
}

}  // namespace

ScanResult RunScan(const std::vector<CompiledProfilePtr>& profiles, const ScanOptions& options) {
  ScanResult result;
  result.agent_version = kVersion;
  result.agent_revision = kRevision;
  result.host = options.host;
  result.root = options.root;
  result.started_at = std::chrono::system_clock::now();
  const auto start = Clock::now();
  auto ctx = std::make_shared<const HostContext>(options.root, result.started_at);

  struct Slot {
    const CompiledProfile* profile;
    const CompiledControl* control;
    std::shared_ptr<Task> task;
  };
  std::vector<Slot> slots;
  for (const auto& p : profiles) {
    for (const auto& cc : p->controls) {
      auto task = std::make_shared<Task>();
      task->run = [p, &cc, ctx] { return Evaluate(cc, *ctx); };
      slots.push_back({p.get(), &cc, std::move(task)});
    }
  }
  auto workers = std::make_unique<Workers>(options.workers);
  for (const auto& s : slots) Post(workers->pool(), s.task);

  std::vector<Evaluated> evaluated(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    Task& t = *slots[i].task;
    const auto limit = slots[i].control->timeout.value_or(options.timeout);
    for (;;) {
      if (t.result.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready) {
        evaluated[i] = t.result.get();
        break;
      }
      const int64_t started = t.started.load();
      if (started == 0) continue;
      const auto deadline = Clock::time_point(Clock::duration(started)) + limit;
      if (t.result.wait_until(deadline) == std::future_status::ready) {
        evaluated[i] = t.result.get();
        break;
      }
      evaluated[i] = {Outcome::Error("timed out after " + Seconds(limit)),
                      std::chrono::duration<double>(limit).count(), true};
      // The worker stays stuck: give the checks not yet started to a fresh pool.
      Abandon(std::move(workers));
      workers = std::make_unique<Workers>(options.workers);
      for (size_t j = i + 1; j < slots.size(); ++j) {
        if (!slots[j].task->claimed) Post(workers->pool(), slots[j].task);
      }
      break;
    }
  }
  workers->Join();

  size_t i = 0;
  for (const auto& p : profiles) {
    ProfileResult pr;
    pr.name = p->profile.name;
    pr.version = p->profile.version;
    pr.title = p->profile.title;
    pr.level = p->level;
    for (const auto& cc : p->controls) {
      const Control& c = *cc.control;
      Evaluated& e = evaluated[i++];
      ControlResult r;
      r.id = c.id;
      r.title = c.title;
      r.group = c.group;
      r.feature = c.feature;
      r.severity = c.severity;
      r.status = e.outcome.status;
      r.reason = std::move(e.outcome.reason);
      r.evidence = std::move(e.outcome.evidence);
      r.remediation = c.remediation;
      r.references = c.references;
      r.derived_from = c.derived_from;
      r.duration_seconds = e.seconds;
      r.timed_out = e.timed_out;
      if (r.status == Status::kFail || r.status == Status::kError) {
        if (const Waiver* w = FindWaiver(pr.name, c.id, options)) {
          r.status = Status::kWaived;
          r.waiver = AppliedWaiver{w->name, w->reason, w->approved_by, w->expires};
        }
      }
      pr.controls.push_back(std::move(r));
    }
    Summarize(pr);
    result.profiles.push_back(std::move(pr));
  }
  result.finished_at = std::chrono::system_clock::now();
  result.duration_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

void Summarize(ProfileResult& p) {
  // Each status's counter, in the order of Status.
  static constexpr int Summary::*kCounters[] = {&Summary::pass,           &Summary::fail,
                                                &Summary::error,          &Summary::skipped,
                                                &Summary::not_applicable, &Summary::waived};
  static_assert(std::size(kCounters) == static_cast<size_t>(Status::kWaived) + 1);
  Summary s;
  p.features.clear();
  for (const auto& c : p.controls) {
    ++(s.*kCounters[static_cast<size_t>(c.status)]);
    auto f = std::find_if(p.features.begin(), p.features.end(), [&](const FeatureResult& x) {
      return x.group == c.group && x.feature == c.feature;
    });
    if (f == p.features.end()) {
      p.features.push_back({c.group, c.feature});
      f = std::prev(p.features.end());
    }
    ++f->controls;
    const bool failed = c.status == Status::kFail || c.status == Status::kError;
    f->applicable += IsApplicable(c.status);
    f->failed += failed;
    f->passed = f->passed && !failed;
  }
  s.applicable = s.pass + s.fail + s.error + s.waived;
  if (s.applicable > 0) {
    s.score = static_cast<double>(s.pass) / s.applicable;
    s.score_with_waivers = static_cast<double>(s.pass + s.waived) / s.applicable;
  }
  p.summary = s;
  p.passed = s.fail == 0 && s.error == 0;
  p.level_verdict = s.pass == s.applicable ? LevelVerdict::kMet
                    : s.pass > 0           ? LevelVerdict::kPartlyMet
                                           : LevelVerdict::kNotMet;
}

bool ScanResult::Passed() const {
  return std::all_of(profiles.begin(), profiles.end(),
                     [](const ProfileResult& p) { return p.passed; });
}

const ProfileResult* ScanResult::Find(const std::string& profile) const {
  for (const auto& p : profiles) {
    if (p.name == profile) return &p;
  }
  return nullptr;
}

const char* ToString(LevelVerdict verdict) {
  static constexpr const char* kNames[] = {"met", "partly_met", "not_met"};
  return EnumName(kNames, verdict);
}

}  // namespace egov::checks
