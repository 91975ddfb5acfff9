#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

// Programs the tests run (promtool, openssl, the agent, egovctl in its own process): to the end
// with their output captured, or in the background until stopped by PID.
namespace egov::testing {

/// What a command-line run left behind.
struct CliRun {
  int code = -1;  ///< exit code; -1 when it could not start, died of a signal or ran too long
  std::string out;
  std::string err;
};

/// Runs `argv` (no shell; the program is looked up in PATH) to its end with `input` on standard
/// input; kills it after `timeout`.
CliRun RunProcess(const std::vector<std::string>& argv, const std::string& input = "",
                  std::chrono::seconds timeout = std::chrono::seconds(60));

/// A program running in the background, standard output and error to `log`, standard input
/// from /dev/null; stopped by its PID when the object goes.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// Waits for the end: the exit code, or 128 + the signal that ended it.
  int Wait();
  /// SIGTERM, then SIGKILL if it is still there 5 s later.
  void Stop();

 private:
  pid_t pid_ = -1;
};

}  // namespace egov::testing
