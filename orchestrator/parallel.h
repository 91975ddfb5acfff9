#pragma once

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace egov::orchestrator {

/// Threads for work that only needs the CPU: one per core.
inline size_t Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

/// Runs fn(0..n-1) on up to `threads` threads and waits for all; the first exception thrown
/// by any call is rethrown after every call has finished.
inline void ParallelFor(size_t n, size_t threads, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  boost::asio::thread_pool pool(std::max<size_t>(1, std::min(n, threads)));
  std::mutex mu;
  std::exception_ptr first;
  for (size_t i = 0; i < n; ++i) {
    boost::asio::post(pool, [&, i] {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!first) first = std::current_exception();
      }
    });
  }
  pool.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace egov::orchestrator
