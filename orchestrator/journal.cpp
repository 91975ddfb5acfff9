#include "orchestrator/journal.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/clock.h"
#include "common/diagnostics.h"
#include "common/enum_names.h"
#include "common/install_dirs.h"
#include "orchestrator/etcd_journal.h"
#include "orchestrator/sqlite_journal.h"

namespace egov::orchestrator {
namespace {

// As the journal stores them, in the order of StepStatus.
constexpr const char* kStatusNames[] = {"pending", "done", "failed", "skipped", "undone"};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// etcd://HOST:PORT[,HOST:PORT...] -> the endpoints; ConfigError naming --state otherwise.
std::vector<std::string> Endpoints(const std::string& url) {
  std::vector<std::string> out;
  const std::string list = url.substr(std::string("etcd://").size());
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string e = list.substr(start, comma - start);
    const size_t colon = e.rfind(':');
    const bool port = colon != std::string::npos && colon + 1 < e.size() &&
                      e.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    if (e.empty() || !port || colon == 0 || e.find_first_of("/?#@ ") != std::string::npos) {
      throw ConfigError({"--state", 0, 0},
                        "expected etcd://HOST:PORT[,HOST:PORT...], got '" + url + "'");
    }
    out.push_back(e);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

}  // namespace

const char* StatusName(StepStatus status) { return EnumName(kStatusNames, status); }

std::optional<StepStatus> ParseStatus(const std::string& name) {
  return EnumFromName<StepStatus>(kStatusNames, name);
}

std::string ThisMachine() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string ThisHolder() {
  const passwd* pw = getpwuid(geteuid());
  return (pw ? std::string(pw->pw_name) : std::to_string(geteuid())) + "@" + ThisMachine();
}

bool ProcessGone(long pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

std::string Journal::DefaultPath() {
  return UserPath("EGOV_JOURNAL", "XDG_STATE_HOME", ".local/state", "journal.db");
}

RunSummary Journal::NewRun(const std::string& operation, const std::string& fingerprint,
                           const std::string& mode) {
  RunSummary r;
  r.operation = operation;
  r.started = FormatTimestamp(std::chrono::system_clock::now());
  r.status = "running";
  r.holder = ThisHolder();
  r.pid = ::getpid();
  r.fingerprint = fingerprint;
  r.mode = mode;
  return r;
}

RunSummary Journal::ForceUnlockRun(const LockHolder& holder) {
  RunSummary r = NewRun("force-unlock", "", "");
  r.finished = r.started;
  r.status = "done";
  r.note = "removed lock " + holder.id + " of " + holder.holder + " (pid " +
           std::to_string(holder.pid) + ", " + holder.operation + " since " + holder.since + ")";
  return r;
}

std::vector<KnownDomain> Journal::KnownDomains(const std::string& host) {
  auto known = KnownHosts({host});
  return known.empty() ? std::vector<KnownDomain>{} : std::move(known.begin()->second.domains);
}

void Journal::ResetMarks() {
  std::lock_guard marks(marks_mu_);
  marks_.clear();
  last_flush_ = std::chrono::steady_clock::now();
}

void Journal::Mark(size_t index, StepStatus status, const std::string& error) {
  std::vector<PendingMark> batch;
  {
    std::lock_guard lock(marks_mu_);
    marks_.push_back({index, status, error});
    // Group commits keep thousands of steps a second cheap; a step stays "pending" in the store
    // until written, which is the truth a crashed run can still tell.
    const auto now = std::chrono::steady_clock::now();
    if (marks_.size() < 4096 && now - last_flush_ < std::chrono::milliseconds(200)) return;
    last_flush_ = now;
    batch.swap(marks_);
  }
  std::lock_guard lock(write_mu_);
  WriteMarks(batch);
}

void Journal::Flush() {
  std::vector<PendingMark> batch;
  {
    std::lock_guard lock(marks_mu_);
    last_flush_ = std::chrono::steady_clock::now();
    batch.swap(marks_);
  }
  std::lock_guard lock(write_mu_);
  if (!batch.empty()) WriteMarks(batch);
}

std::unique_ptr<Journal> OpenJournal(const StateOptions& options, bool create) {
  std::string url = options.url.empty() ? Journal::DefaultPath() : options.url;
  if (url.rfind("etcd://", 0) == 0) {
    if (options.prefix.empty() || options.prefix.front() != '/') {
      throw ConfigError({"--state-prefix", 0, 0},
                        "expected a key prefix that starts with '/', such as /egov-cloud/");
    }
    etcd::ClientOptions c;
    c.endpoints = Endpoints(url);
    c.cacert = options.cacert;
    c.cert = options.cert;
    c.key = options.key;
    c.user = Env("EGOV_STATE_USER");
    c.password = Env("EGOV_STATE_PASSWORD");
    std::string prefix = options.prefix;
    if (prefix.back() != '/') prefix += '/';
    return std::make_unique<EtcdJournal>(std::move(c), prefix, options.lock_ttl);
  }
  if (url.rfind("sqlite://", 0) == 0) url = url.substr(std::string("sqlite://").size());
  if (url.empty() || url.find("://") != std::string::npos) {
    throw ConfigError({"--state", 0, 0},
                      "expected a path, sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...], got '" +
                          options.url + "'");
  }
  if (!create && !std::filesystem::exists(url)) return nullptr;
  return std::make_unique<SqliteJournal>(url);
}

}  // namespace egov::orchestrator
