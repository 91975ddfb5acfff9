// The agent's scans as child processes: the real egov-agent (built beside this test), and
// small shell scripts for the ways a child can go wrong.
#include "agents/scan_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "agents/commands.h"
#include "tests/agents/support.h"

namespace egov::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::TempDir;

const std::string kSource = EGOV_SOURCE_DIR;
const std::string kHosts = EGOV_HOST_FIXTURES;

AgentConfig Config(const std::string& host, std::vector<std::string> profiles) {
  AgentConfig c;
  c.host = host + "-host";
  c.scan.root = kHosts + "/" + host;
  c.scan.profile_dir = kSource + "/profiles";
  c.scan.profiles = std::move(profiles);
  c.scan.interval = 1h;
  c.scan.check_timeout = 5s;
  return c;
}

// A bash script standing in for egov-agent (bash, unlike dash, keeps the signal mask it starts
// with, and hands it on).
std::string Script(const TempDir& dir, const std::string& body) {
  const auto path = dir.Write("scanner", "#!/bin/bash\n" + body + "\n");
  fs::permissions(path, fs::perms::owner_all);
  return path.string();
}

// Runs the scan and returns the message it throws ("" when it does not).
std::string Failure(const std::string& program, const AgentConfig& config,
                    const std::atomic<bool>& cancel) {
  try {
    RunScanProcess(program, config, cancel);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(ScanProcess, RunsEgovAgentScanWithTheAgentsSettings) {
  AgentConfig c = Config("weak", {"mic-1145", "decree85"});
  c.scan.level = 3;
  EXPECT_EQ(ScanArguments(c),
            (std::vector<std::string>{
                "scan",      "--format",       "json",      "--root",         kHosts + "/weak",
                "--host",    "weak-host",      "--timeout", "5000ms",         "--workers",
                "2",         "--memory-limit", "96Mi",      "--profiles-dir", kSource + "/profiles",
                "--profile", "mic-1145",       "--profile", "decree85",       "--level",
                "3"}));
  const std::atomic<bool> cancel{false};
  const ScanOutcome out = RunScanProcess(ProgramBeside("egov-agent"), c, cancel);
  EXPECT_EQ(out.results["schema"], "egov.results/v1");
  EXPECT_EQ(out.results["host"], "weak-host");
  ASSERT_EQ(out.results["profiles"].size(), 2u);
  EXPECT_EQ(out.results["profiles"][0]["name"], "mic-1145");
  EXPECT_EQ(out.results["profiles"][1]["level"], 3);
  EXPECT_GT(out.results["profiles"][0]["summary"]["fail"].get<int>(), 0) << "the weak host fails";

  // The same settings on the hardened host: exit status 0 instead of 1, both are results.
  const ScanOutcome good =
      RunScanProcess(ProgramBeside("egov-agent"), Config("hardened", {"mic-1145"}), cancel);
  EXPECT_EQ(good.results["profiles"][0]["summary"]["fail"], 0);
}

// A profile that broke on disk after the agent loaded it: the child refuses it (exit 2) and its
// message, with the file and line, is the error.
TEST(ScanProcess, AProfileTheChildRefusesIsAnErrorWithItsMessage) {
  TempDir dir;
  const auto bad = dir.Write("bad.yaml", R"(kind: Profile
name: bad
title: {vi: x, en: x}
controls:
  - {id: X-1, title: {vi: x, en: x}, group: g, feature: f, severity: low, check: {type: nope}}
)");
  const std::atomic<bool> cancel{false};
  const std::string e =
      Failure(ProgramBeside("egov-agent"), Config("hardened", {bad.string()}), cancel);
  EXPECT_TRUE(Has(e, "scan process exited with status 2: ")) << e;
  EXPECT_TRUE(Has(e, "bad.yaml:5:")) << e;
  EXPECT_TRUE(Has(e, "unknown check type 'nope'")) << e;
  EXPECT_TRUE(Has(Failure((dir.path() / "missing").string(), Config("hardened", {}), cancel),
                  "cannot start " + (dir.path() / "missing").string() + ": No such file"));
}

TEST(ScanProcess, AChildPastItsDeadlineIsKilled) {
  TempDir dir;
  AgentConfig c = Config("hardened", {});
  c.scan.interval = 300ms;
  c.scan.check_timeout = 20ms;
  EXPECT_EQ(ScanDeadline(c), 300ms);
  const std::atomic<bool> cancel{false};
  const auto start = Clock::now();
  const std::string e = Failure(Script(dir, "echo starting >&2\nexec sleep 30"), c, cancel);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(e, "scan process killed: still running after 300 ms: starting");
  c.scan.check_timeout = 1s;
  EXPECT_EQ(ScanDeadline(c), 3s) << "never less than three check timeouts";
}

TEST(ScanProcess, CancelKillsTheChildAtOnce) {
  TempDir dir;
  std::atomic<bool> cancel{false};
  std::thread stop([&] {
    std::this_thread::sleep_for(100ms);
    cancel = true;
  });
  const auto start = Clock::now();
  const std::string e = Failure(Script(dir, "exec sleep 30"), Config("hardened", {}), cancel);
  stop.join();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(e, "scan process killed: the agent is stopping");
}

TEST(ScanProcess, ACrashAnUnknownStatusOrNoDocumentIsAnError) {
  TempDir dir;
  const std::atomic<bool> cancel{false};
  const auto c = Config("hardened", {});
  EXPECT_EQ(Failure(Script(dir, "kill -SEGV $$"), c, cancel),
            "scan process died of signal 11 (Segmentation fault)");
  EXPECT_EQ(Failure(Script(dir, "echo 'out of memory' >&2\nexit 3"), c, cancel),
            "scan process exited with status 3: out of memory");
  EXPECT_TRUE(Has(Failure(Script(dir, "echo '{\"profiles\": '"), c, cancel),
                  "scan process wrote no results document: "));
}

// The agent blocks SIGHUP, SIGINT and SIGTERM in every thread and holds sockets open: the child
// gets neither.
TEST(ScanProcess, TheChildInheritsNoDescriptorAndNoBlockedSignal) {
  TempDir dir;
  const int open_fd = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC
  ASSERT_GE(open_fd, 3);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  const std::atomic<bool> cancel{false};
  const std::string e = Failure(
      Script(dir, "[ -e /proc/$$/fd/" + std::to_string(open_fd) +
                      " ] && echo inherited >&2\ngrep SigBlk /proc/self/status >&2\nexit 3"),
      Config("hardened", {}), cancel);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(open_fd);
  EXPECT_EQ(e, "scan process exited with status 3: SigBlk:\t0000000000000000");
}

// poll failing for another reason than a signal ends the scan with an error, and the child is
// killed and reaped on the way out: this process has no child left, running or zombie.
TEST(ScanProcess, APollErrorKillsAndReapsTheChild) {
  TempDir dir;
  const std::atomic<bool> cancel{false};
  std::string e;
  try {
    RunScanProcess(Script(dir, "exec sleep 30"), Config("hardened", {}), cancel,
                   [](pollfd*, nfds_t, int) {
                     errno = EIO;
                     return -1;
                   });
  } catch (const std::runtime_error& x) {
    e = x.what();
  }
  EXPECT_EQ(e, "poll: Input/output error");
  const pid_t left = ::waitpid(-1, nullptr, WNOHANG);  // 0: a child is still there
  const int error = errno;
  EXPECT_EQ(left, -1) << "a child was left behind";
  EXPECT_EQ(error, ECHILD);
}

// A signal that interrupts poll (EINTR) is no error: the scan goes on.
TEST(ScanProcess, AnInterruptedPollIsRetried) {
  TempDir dir;
  const std::atomic<bool> cancel{false};
  static int interrupted = 0;
  interrupted = 0;
  const ScanOutcome out =
      RunScanProcess(Script(dir, "echo '{\"schema\": \"egov.results/v1\", \"profiles\": []}'"),
                     Config("hardened", {}), cancel, [](pollfd* fds, nfds_t n, int timeout) {
                       if (interrupted < 3) {
                         ++interrupted;
                         errno = EINTR;
                         return -1;
                       }
                       return ::poll(fds, n, timeout);
                     });
  EXPECT_EQ(interrupted, 3);
  EXPECT_EQ(out.results["schema"], "egov.results/v1");
}

}  // namespace
}  // namespace egov::agent
