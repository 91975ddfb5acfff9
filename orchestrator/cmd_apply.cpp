#include <unistd.h>

#include <fstream>
#include <iostream>
#include <ostream>
#include <set>
#include <sstream>

#include "common/clock.h"
#include "common/command_line.h"
#include "orchestrator/apply.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/desired.h"
#include "orchestrator/options.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {
namespace {

void AddApplyOptions(po::options_description& desc) {
  AddLockOptions(desc);
  desc.add_options()(
      "atomic", po::bool_switch(),
      "all or nothing: if any step fails, undo what this run changed (default: best effort)")(
      "per-host", po::value<size_t>()->default_value(4), "libvirt calls in flight per host")(
      "health-wait", po::value<std::string>()->default_value("5m"),
      "how long replaced or moved replicas may take to answer their health URL before the "
      "workload's rollout stops")("quiet,q", po::bool_switch(), "do not list every step")(
      "auto-approve", po::bool_switch(), "do not ask for confirmation (needed without a terminal)");
}

ApplyOptions ReadApplyOptions(const po::variables_map& vm) {
  ApplyOptions o;
  o.atomic = vm["atomic"].as<bool>();
  o.per_host = std::max<size_t>(1, vm["per-host"].as<size_t>());
  o.health_wait = ReadDuration(vm, "health-wait", "5m");
  return o;
}

// Reads a saved plan and checks its definitions as `plan` checks the ones it makes: an edited
// file must not bring to a host what egovctl would never define.
Plan ReadSavedPlan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path, 0, 0}, "cannot read the saved plan");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw ConfigError({path, 0, 0}, "the saved plan is not valid JSON");
  Plan plan = PlanFromJson(j, path);
  if (auto problem = ValidateDefinitions(plan)) {
    throw ConfigError({path, 0, 0}, "refusing the saved plan: the definition of " + *problem);
  }
  return plan;
}

// Deletes every managed domain of the selected workloads (all with `all`) on the hosts that
// can be read; each workload's own network and pool go with its last domain on a host.
Plan DestroyPlan(const std::vector<ObservedHost>& hosts, bool all,
                 const std::set<std::string>& selected) {
  Plan plan;
  plan.fingerprint = Fingerprint(hosts);
  for (const auto& h : hosts) {
    if (!h.reachable) {
      plan.unreachable[h.ref.host->name] = h.error;
      continue;
    }
    std::map<std::string, size_t> last;  // workload -> its last delete on this host
    for (const auto& d : h.domains) {
      if (!d.metadata || (!all && !selected.count(d.metadata->workload))) continue;
      Action a;
      a.kind = ActionKind::kDelete;
      a.host = h.ref.host->name;
      a.workload = d.metadata->workload;
      a.replica = d.metadata->replica;
      a.domain = d.name;
      a.uuid = d.uuid;
      a.state = StateName(d.state);
      a.reason = "destroy requested";
      last[a.workload] = plan.actions.size();
      plan.actions.push_back(std::move(a));
    }
    for (const auto& [workload, index] : last) {
      const std::string own = SeparationName(workload);
      Action& a = plan.actions[index];
      a.cleanup = h.networks.count(own) || h.pools.count(own);
      if (h.networks.count(own)) a.network = own;
      if (h.pools.count(own)) a.pool = own;
    }
  }
  return plan;
}

// The replicas the run leaves without a place, named: the desired state is not reached.
void ReportUnplaced(const Plan& plan, std::ostream& out) {
  if (plan.unplaced.empty()) return;
  constexpr size_t kNamed = 10;
  out << plan.unplaced.size() << " replica(s) not placed, so the desired state is not reached:";
  for (size_t i = 0; i < plan.unplaced.size() && i < kNamed; ++i) {
    out << (i ? ", " : " ") << plan.unplaced[i].workload << " replica " << plan.unplaced[i].replica;
  }
  if (plan.unplaced.size() > kNamed) out << " and " << plan.unplaced.size() - kNamed << " more";
  out << "; 'egovctl explain --workload W' says why.\n";
}

// Runs the plan and reports; the exit code says whether everything was done.
int Execute(const Plan& plan, World& world, const ApplyOptions& options, bool quiet,
            const char* verb, CommandIo io, OutputFormat format) {
  std::ostringstream sink;
  const bool text = !quiet && format == OutputFormat::kText;
  std::ostream& progress = text ? io.out : static_cast<std::ostream&>(sink);
  ApplyOptions run = options;
  run.inventory = &world.inv;
  for (const Workload& w : world.inv.workloads) {
    run.rollouts[w.name] = {static_cast<size_t>(MaxUnavailable(w, world.policy)), w.health};
  }
  run.upload_progress = text && ::isatty(STDOUT_FILENO);
  const ApplyReport r = plan.HasChanges() ? ExecutePlan(plan, world.SessionsByName(),
                                                        world.journal.get(), run, progress)
                                          : ApplyReport{};
  const int code = r.failed + r.skipped + r.failed_hosts.size() > 0 ? kExitFailure : kExitOk;
  if (format == OutputFormat::kJson) {
    nlohmann::json j = ToJson(plan);
    for (auto& a : j["actions"]) a.erase("xml");
    j["result"] = {{"done", r.done},
                   {"failed", r.failed},
                   {"skipped", r.skipped},
                   {"undone", r.undone},
                   {"rolled_back", r.rolled_back},
                   {"failed_hosts", r.failed_hosts},
                   {"errors", r.errors},
                   {"journal", world.journal->path()}};
    nlohmann::json steps = nlohmann::json::array();
    for (const StepReport& s : r.steps) {
      nlohmann::json step = {{"workload", s.workload},
                             {"domain", s.domain},
                             {"host", s.host},
                             {"action", s.action},
                             {"status", s.status}};
      if (s.started.time_since_epoch().count() != 0) {
        step["started"] = FormatTimestamp(s.started, TimePrecision::kMicroseconds);
        step["finished"] = FormatTimestamp(s.finished, TimePrecision::kMicroseconds);
      }
      if (!s.note.empty()) step["note"] = s.note;
      steps.push_back(std::move(step));
    }
    j["steps"] = std::move(steps);
    io.out << j.dump(2) << "\n";
    return code;
  }
  io.out << "\n"
         << verb << ": " << r.done << " done, " << r.failed << " failed, " << r.skipped
         << " skipped";
  if (r.rolled_back) io.out << ", " << r.undone << " undone (all-or-nothing)";
  io.out << ".\n";
  for (const auto& [host, why] : r.failed_hosts) {
    io.err << "host " << host << " failed: " << why << "\n";
  }
  if (quiet) {
    for (const auto& e : r.errors) io.err << e << "\n";
  }
  ReportUnplaced(plan, io.out);
  io.out << "Journal: " << world.journal->path() << "\n";
  return code;
}

// Asks on a terminal before `command` changes the hosts; the exit code when it must not go on.
// In JSON the plan was not shown: it is shown on standard error, with the question.
std::optional<int> Approve(const Plan& plan, const po::variables_map& vm, OutputFormat format,
                           const char* command, CommandIo io) {
  std::ostream& ask = format == OutputFormat::kJson ? io.err : io.out;
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  if (terminal && format == OutputFormat::kJson && !vm["auto-approve"].as<bool>()) {
    PrintPlan(plan, ask, false);
  }
  switch (AskApproval(vm["auto-approve"].as<bool>(), terminal, std::cin, ask, command)) {
    case Approval::kApproved:
      return std::nullopt;
    case Approval::kDeclined:
      io.err << "egovctl " << command << ": cancelled; nothing was changed\n";
      return kExitFailure;
    case Approval::kNoTerminal:
      io.err << "egovctl " << command
             << ": refusing to change the hosts without confirmation: standard input is not a "
                "terminal; review the plan and run again with --auto-approve\n";
      return kExitInvalidInput;
  }
  return kExitFailure;
}

int LockedOut(const LockBusy& e, const char* command, CommandIo io) {
  io.err << "egovctl " << command << ": " << e.what() << "\n";
  return kExitFailure;
}

}  // namespace

Approval AskApproval(bool auto_approve, bool terminal, std::istream& in, std::ostream& out,
                     const std::string& command) {
  if (auto_approve) return Approval::kApproved;
  if (!terminal) return Approval::kNoTerminal;
  out << "\nDo you want to carry out this " << command
      << " plan? Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  std::getline(in, answer);
  return answer == "yes" ? Approval::kApproved : Approval::kDeclined;
}

int CmdApply(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("apply options");
  AddWorldOptions(desc);
  AddPlacementOptions(desc);
  AddApplyOptions(desc);
  desc.add_options()("plan", po::value<std::string>(), "saved plan (from plan -o) to carry out");
  po::positional_options_description pos;
  pos.add("plan", 1);
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", args, "apply [plan.json] -f PATH... [options]",
                                        desc, pos, vm, io.out, io.err)) {
    return *code;
  }
  const PlacementOptions placement = ReadPlacementOptions(vm);
  const ApplyOptions options = ReadApplyOptions(vm);
  const OutputFormat format = ReadOutputFormat(vm);
  std::optional<Plan> saved;
  if (vm.count("plan")) saved = ReadSavedPlan(vm["plan"].as<std::string>());
  const bool saved_plan = saved.has_value();
  World world;
  try {
    world = LoadWorld(ReadWorldOptions(vm, io.err), JournalUse::kCreate, "apply");
  } catch (const LockBusy& e) {
    return LockedOut(e, "apply", io);
  }
  Plan plan;
  if (saved) {
    const std::string now = Fingerprint(world.observed.hosts);
    if (now != saved->fingerprint) {
      io.err << "egovctl apply: the hosts changed since the plan was made (state "
             << saved->fingerprint.substr(0, 19) << " then, " << now.substr(0, 19)
             << " now); run 'egovctl plan' again\n";
      return kExitFailure;
    }
    plan = std::move(*saved);
  } else {
    plan = MakePlan(world.inv, world.policy, world.observed, placement).plan;
  }
  if (format == OutputFormat::kText) PrintPlan(plan, io.out, false);
  // A saved plan was reviewed when it was made (as Terraform's): applying it is the approval.
  if (plan.HasChanges() && !saved_plan) {
    if (auto code = Approve(plan, vm, format, "apply", io)) return *code;
  }
  if (plan.HasChanges() && format == OutputFormat::kText) {
    io.out << "\nApplying " << (options.atomic ? "(all or nothing)" : "(best effort)") << ":\n";
  }
  if (!plan.HasChanges() && format == OutputFormat::kText) {
    ReportUnplaced(plan, io.out);
    return plan.unplaced.empty() ? kExitOk : kExitFailure;
  }
  const int code = Execute(plan, world, options, vm["quiet"].as<bool>(), "Apply", io, format);
  return code == kExitOk && !plan.unplaced.empty() ? kExitFailure : code;
}

int CmdDestroy(const std::vector<std::string>& args, CommandIo io) {
  po::options_description desc("destroy options");
  AddWorldOptions(desc);
  AddApplyOptions(desc);
  desc.add_options()("workload,w", po::value<std::vector<std::string>>(),
                     "workload to destroy (repeatable)")(
      "all", po::bool_switch(), "destroy every domain egovctl manages on the inventory's hosts");
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egovctl", args, "destroy -f PATH... (--workload W... | --all)",
                                desc, {}, vm, io.out, io.err)) {
    return *code;
  }
  const bool all = vm["all"].as<bool>();
  std::set<std::string> selected;
  if (vm.count("workload")) {
    for (const auto& w : vm["workload"].as<std::vector<std::string>>()) selected.insert(w);
  }
  if (all == !selected.empty()) {
    throw ConfigError({"destroy", 0, 0}, "expected either --all or one or more --workload W");
  }
  const ApplyOptions options = ReadApplyOptions(vm);
  const OutputFormat format = ReadOutputFormat(vm);
  World world;
  try {
    world = LoadWorld(ReadWorldOptions(vm, io.err), JournalUse::kCreate, "destroy");
  } catch (const LockBusy& e) {
    return LockedOut(e, "destroy", io);
  }
  const Plan plan = DestroyPlan(world.observed.hosts, all, selected);
  if (format == OutputFormat::kText) {
    PrintPlan(plan, io.out, false);
    if (!plan.HasChanges()) return plan.unreachable.empty() ? kExitOk : kExitFailure;
  }
  if (plan.HasChanges()) {
    if (auto code = Approve(plan, vm, format, "destroy", io)) return *code;
  }
  if (format == OutputFormat::kText) io.out << "\nDestroying:\n";
  const int code = Execute(plan, world, options, vm["quiet"].as<bool>(), "Destroy", io, format);
  return plan.unreachable.empty() ? code : kExitFailure;
}

}  // namespace egov::orchestrator
