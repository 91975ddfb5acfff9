#include "agents/scan_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/units.h"

extern char** environ;

namespace egov::agent {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr size_t kMaxResults = 64 << 20;  // a results document is ~100 kB per profile
constexpr size_t kMaxStderr = 16 << 10;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// posix_spawn's attributes and file actions for the child: stdout and stderr to the pipes,
// stdin from /dev/null, no other descriptor of the agent (listener, libvirt socket) inherited,
// and the signals the agent blocks or ignores back to their defaults.
class SpawnSetup {
 public:
  SpawnSetup(int out, int err) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions_, out, 1);
    posix_spawn_file_actions_adddup2(&actions_, err, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    posix_spawnattr_init(&attr_);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr_, &none);
    sigset_t defaults;
    sigfillset(&defaults);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// The child process: killed (SIGKILL) and reaped when it goes out of scope unless it was reaped
// already, so no way out of RunScanProcess, an exception included, leaves a process behind.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  /// Reaps the child if it has ended (`block`: waits until it has); true once it is reaped.
  bool Reap(int& status, bool block) {
    const pid_t done = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (done == pid_ || (done < 0 && errno != EINTR)) pid_ = -1;  // ECHILD: nothing left to reap
    return pid_ <= 0;
  }

 private:
  pid_t pid_;
};

std::array<int, 2> Pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  return fds;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::vector<std::string> ScanArguments(const AgentConfig& config) {
  const ScanConfig& s = config.scan;
  std::vector<std::string> args = {"scan",
                                   "--format",
                                   "json",
                                   "--root",
                                   s.root,
                                   "--host",
                                   config.host,
                                   "--timeout",
                                   std::to_string(s.check_timeout.count()) + "ms",
                                   "--workers",
                                   "2",  // light next to the workloads it watches
                                   "--memory-limit",
                                   FormatSize(s.memory_limit)};
  if (!s.profile_dir.empty()) args.insert(args.end(), {"--profiles-dir", s.profile_dir});
  for (const auto& p : s.profiles) args.insert(args.end(), {"--profile", p});
  if (s.level) args.insert(args.end(), {"--level", std::to_string(*s.level)});
  if (!s.waivers.empty()) args.insert(args.end(), {"--waivers", s.waivers});
  return args;
}

std::chrono::milliseconds ScanDeadline(const AgentConfig& config) {
  return std::max(config.scan.interval, 3 * config.scan.check_timeout);
}

ScanOutcome RunScanProcess(const std::string& program, const AgentConfig& config,
                           const std::atomic<bool>& cancel, int (*poll_fn)(pollfd*, nfds_t, int)) {
  std::vector<std::string> args = ScanArguments(config);
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const auto out_pipe = Pipe();
  Fd out(out_pipe[0]), out_w(out_pipe[1]);
  const auto err_pipe = Pipe();
  Fd err(err_pipe[0]), err_w(err_pipe[1]);
  pid_t pid = 0;
  {
    const SpawnSetup setup(out_w.get(), err_w.get());
    if (const int rc = ::posix_spawn(&pid, program.c_str(), setup.actions(), setup.attr(),
                                     argv.data(), environ)) {
      throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
    }
  }
  Child child(pid);
  out_w.Close();
  err_w.Close();

  // Reads both pipes until the child closes them, then reaps it; kills it past the deadline,
  // on cancel, or when it writes more than a results document can be.
  const auto limit = ScanDeadline(config);
  const auto deadline = Clock::now() + limit;
  std::string results, errors, killed;
  bool out_open = true, err_open = true;
  int status = 0;
  for (;;) {
    if (killed.empty()) {
      if (cancel) killed = "the agent is stopping";
      if (Clock::now() >= deadline) {
        killed = "still running after " + std::to_string(limit.count()) + " ms";
      }
      if (results.size() > kMaxResults) {
        killed = "its output passed " + std::to_string(kMaxResults) + " bytes";
      }
      if (!killed.empty()) ::kill(child.pid(), SIGKILL);
    }
    if (!out_open && !err_open) {
      if (child.Reap(status, !killed.empty())) break;
      std::this_thread::sleep_for(10ms);
      continue;
    }
    pollfd fds[2] = {{out_open ? out.get() : -1, POLLIN, 0},
                     {err_open ? err.get() : -1, POLLIN, 0}};
    if (poll_fn(fds, 2, 100) < 0 && errno != EINTR) {  // EINTR: a signal; poll again
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));  // ~Child reaps
    }
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0 && i == 0) results.append(buf, static_cast<size_t>(n));
      if (n > 0 && i == 1) {
        errors.append(buf, std::min(static_cast<size_t>(n), kMaxStderr - errors.size()));
      }
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }

  const std::string said = errors.empty() ? "" : ": " + Trimmed(errors);
  if (!killed.empty()) throw std::runtime_error("scan process killed: " + killed + said);
  if (WIFSIGNALED(status)) {
    throw std::runtime_error("scan process died of signal " + std::to_string(WTERMSIG(status)) +
                             " (" + strsignal(WTERMSIG(status)) + ")" + said);
  }
  if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1)) {
    throw std::runtime_error("scan process exited with status " +
                             std::to_string(WEXITSTATUS(status)) + said);
  }
  ScanOutcome outcome;
  try {
    outcome.results = nlohmann::json::parse(results);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("scan process wrote no results document: ") + e.what());
  }
  return outcome;
}

}  // namespace egov::agent
