// egovctl force-unlock | history | state migrate: the journal and its lock on their own, from
// either store (journal.h).
#include <unistd.h>

#include <ostream>

#include <nlohmann/json.hpp>

#include "common/command_line.h"
#include "common/diagnostics.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/options.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

// `egovctl history --format json` prints each run as its fields, by their names.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary, id, operation, started, finished, status, holder,
                                   pid, fingerprint, mode, note, steps)

namespace {

std::string Describe(const LockHolder& h) {
  return h.holder + " (pid " + std::to_string(h.pid) + ", " + h.operation + " since " + h.since +
         ", lock ID " + h.id + ")";
}

std::string StepCounts(const RunSummary& r) {
  std::string out;
  for (const char* s : {"done", "failed", "skipped", "undone", "pending"}) {
    auto it = r.steps.find(s);
    if (it == r.steps.end() || it->second == 0) continue;
    out += (out.empty() ? "" : ", ") + std::to_string(it->second) + " " + s;
  }
  return out.empty() ? "-" : out;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

int CmdForceUnlock(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("force-unlock options");
  AddStateOptions(desc);
  desc.add_options()("id", po::value<std::string>(), "the lock ID the lock message names")(
      "force", po::bool_switch(), "remove it even while its holder runs on this machine");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egovctl", args, "force-unlock LOCK-ID [--force] [--state URL]",
                                desc, pos, vm, io.out, io.err)) {
    return *code;
  }
  const auto journal = OpenJournal(ReadStateOptions(vm), false);
  const auto holder = journal ? journal->Holder() : std::nullopt;
  if (!holder) {
    io.out << "The journal " << (journal ? journal->path() : "") << " is not locked.\n";
    return kExitOk;
  }
  if (!vm.count("id")) {
    throw ConfigError({"force-unlock", 0, 0}, "expected the lock ID: the journal " +
                                                  journal->path() + " is locked by " +
                                                  Describe(*holder));
  }
  const std::string id = vm["id"].as<std::string>();
  if (id != holder->id) {
    io.err << "egovctl force-unlock: the lock is now held by " << Describe(*holder)
           << ", not under ID " << id << "; nothing removed\n";
    return kExitFailure;
  }
  if (holder->machine == ThisMachine() && !ProcessGone(holder->pid) && !vm["force"].as<bool>()) {
    io.err << "egovctl force-unlock: its holder, pid " << holder->pid
           << ", is still running on this machine (" << holder->operation
           << "); stop it, or add --force; nothing removed\n";
    return kExitFailure;
  }
  if (!journal->RemoveLock(*holder)) {
    io.err << "egovctl force-unlock: the lock changed meanwhile; nothing removed\n";
    return kExitFailure;
  }
  io.out << "Removed the lock held by " << Describe(*holder)
         << "; its run is marked interrupted, and the removal is in 'egovctl history'.\n";
  return kExitOk;
}

int CmdHistory(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("history options");
  AddStateOptions(desc);
  desc.add_options()("limit,n", po::value<size_t>()->default_value(20), "runs to show");
  cli::AddFormatOption(desc, {"text", "json"});
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "history [--state URL] [-n 20]", desc, {},
                                        vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  const auto journal = OpenJournal(ReadStateOptions(vm), false);
  const auto runs = journal ? journal->Runs(vm["limit"].as<size_t>()) : std::vector<RunSummary>{};
  if (format == OutputFormat::kJson) {
    io.out << nlohmann::json{{"journal", journal ? journal->path() : ""}, {"runs", runs}}.dump(2)
           << "\n";
    return kExitOk;
  }
  if (runs.empty()) {
    io.out << "No runs in the journal" << (journal ? " " + journal->path() : "") << ".\n";
    return kExitOk;
  }
  io.out << Pad("RUN", 6) << Pad("OPERATION", 14) << Pad("STARTED", 22) << Pad("FINISHED", 22)
         << Pad("STATUS", 13) << Pad("HOLDER", 24) << "STEPS\n";
  for (const auto& r : runs) {
    io.out << Pad(std::to_string(r.id), 6) << Pad(r.operation, 14) << Pad(r.started, 22)
           << Pad(r.finished.empty() ? "-" : r.finished, 22) << Pad(r.status, 13)
           << Pad(r.holder + " " + std::to_string(r.pid), 24)
           << (r.note.empty() ? StepCounts(r) : r.note) << "\n";
  }
  io.out << "Journal: " << journal->path() << "\n";
  return kExitOk;
}

int CmdState(const std::vector<std::string>& args, CommandIo io) {
  if (args.empty() || args[0] != "migrate") {
    throw ConfigError({"state", 0, 0}, "expected 'state migrate --from URL --to URL'");
  }
  po::options_description desc("state migrate options");
  AddStateOptions(desc);
  desc.add_options()("from", po::value<std::string>()->required(), "the journal to copy")(
      "to", po::value<std::string>()->required(), "the journal to copy it to (no runs yet)");
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", {args.begin() + 1, args.end()},
                                        "state migrate --from URL --to URL", desc, {}, vm, io.out,
                                        io.err)) {
    return *code;
  }
  StateOptions from = ReadStateOptions(vm), to = from;
  from.url = vm["from"].as<std::string>();
  to.url = vm["to"].as<std::string>();
  const auto src = OpenJournal(from, false);
  if (!src) throw ConfigError({"--from", 0, 0}, "no journal at " + from.url);
  const auto dst = OpenJournal(to, true);
  for (Journal* j : {src.get(), dst.get()}) {
    if (auto holder = j->Lock("state migrate", std::chrono::milliseconds(0))) {
      io.err << "egovctl state migrate: " << j->path() << ": " << LockBusy(*holder).what() << "\n";
      return kExitFailure;
    }
  }
  if (!dst->Runs(1).empty()) {
    io.err << "egovctl state migrate: " << dst->path()
           << " already holds runs; migrate into an empty journal only\n";
    return kExitFailure;
  }
  auto runs = src->Runs(SIZE_MAX);
  size_t steps = 0;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    const auto entries = src->Steps(it->id);
    steps += entries.size();
    dst->ImportRun(*it, entries);
  }
  const auto known = src->KnownHosts({});
  for (const auto& [host, k] : known) dst->RecordHost(host, k.domains);
  io.out << "Copied " << runs.size() << " runs (" << steps << " steps) and what " << known.size()
         << " hosts ran from " << src->path() << " to " << dst->path() << ".\n";
  return kExitOk;
}

}  // namespace egov::orchestrator
