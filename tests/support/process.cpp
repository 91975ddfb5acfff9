#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <thread>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace egov::testing {
namespace {

// Spawns `argv` with `actions`; -1 when it cannot start.
pid_t Spawn(const std::vector<std::string>& argv, const posix_spawn_file_actions_t& actions) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) return -1;
  return pid;
}

// Reaps `pid` if it has ended by `deadline`; false when it is still running then.
bool Reap(pid_t pid, std::chrono::steady_clock::time_point deadline, int& status) {
  auto pause = std::chrono::milliseconds(1);
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace

CliRun RunProcess(const std::vector<std::string>& argv, const std::string& input,
                  std::chrono::seconds timeout) {
  // Files, not pipes: a daemon the program leaves running cannot hold the output open.
  TempDir dir;
  const std::string in = dir.Write("in", input).string();
  const std::string out = (dir / "out").string(), err = (dir / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const pid_t pid = Spawn(argv, actions);
  posix_spawn_file_actions_destroy(&actions);
  CliRun r;
  if (pid < 0) {
    r.err = "cannot start " + argv[0];
    return r;
  }
  int status = 0;
  if (!Reap(pid, std::chrono::steady_clock::now() + timeout, status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    r.err = ReadFile(err) + "\n(killed after the time limit)";
    return r;
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

Child::Child(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_ = Spawn(argv, actions);
  posix_spawn_file_actions_destroy(&actions);
}

int Child::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Child::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!Reap(pid_, std::chrono::steady_clock::now() + std::chrono::seconds(5), status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

}  // namespace egov::testing
