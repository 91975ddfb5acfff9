// egovctl images list | prune: the base images on each host, and the removal of those no root
// disk uses any more (never implicit: apply keeps them, so a rollback to the previous image does
// not upload it again), with their completion markers, and of incomplete ones.
#include <ostream>

#include "common/command_line.h"
#include "common/diagnostics.h"
#include "orchestrator/cli.h"
#include "orchestrator/commands.h"
#include "orchestrator/desired.h"
#include "orchestrator/images.h"
#include "orchestrator/options.h"
#include "orchestrator/world.h"

namespace po = boost::program_options;

namespace egov::orchestrator {
namespace {

// Deletes `image` from its host, its marker first: a prune cut short leaves a base without
// marker, which never passes for whole. The error, or "" when it went.
std::string Prune(const HostSession& host, const HostImage& image) {
  try {
    libvirt::PoolPtr pool = host.conn->LookupStoragePool(kImagesPool);
    if (!pool) return {};
    for (const std::string& name : {BaseMarkerName(image.volume.name), image.volume.name}) {
      if (libvirt::VolumePtr vol = libvirt::LookupVolume(pool.get(), name)) {
        libvirt::DeleteVolume(vol.get());
      }
    }
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace

int CmdImages(const std::vector<std::string>& args, CommandIo io) {
  const std::string sub = args.empty() ? "" : args[0];
  const bool help = sub == "--help" || sub == "-h";  // `images --help`: both subcommands' options
  if (!help && sub != "list" && sub != "prune") {
    throw ConfigError({"images", 0, 0}, "expected 'images list' or 'images prune'");
  }
  po::options_description desc("images options");
  AddWorldOptions(desc);
  if (sub == "prune" || help) AddLockOptions(desc);
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egovctl", {args.begin() + (help ? 0 : 1), args.end()},
                                        "images list|prune -f PATH... [--format text|json]", desc,
                                        {}, vm, io.out, io.err)) {
    return *code;
  }
  const OutputFormat format = ReadOutputFormat(vm);
  World world;
  try {
    world = LoadWorld(ReadWorldOptions(vm, io.err),
                      sub == "prune" ? JournalUse::kCreate : JournalUse::kIfExists,
                      sub == "prune" ? "images prune" : "", false);
  } catch (const LockBusy& e) {
    io.err << "egovctl images prune: " << e.what() << "\n";
    return kExitFailure;
  }
  std::vector<HostImage> images = ListHostImages(world.observed.hosts);
  int code = kExitOk;
  for (const auto& h : world.observed.hosts) {
    if (h.reachable) continue;
    // A host declared failed is not called, by the operator's word: said, not an error.
    if (h.ref.host->state == HostState::kFailed) {
      io.err << "host " << h.ref.host->name << ": " << h.error << "; its images are not listed\n";
      continue;
    }
    io.err << "host " << h.ref.host->name << " is unreachable: " << h.error << "\n";
    code = kExitFailure;
  }
  if (sub == "prune") {
    const auto sessions = world.SessionsByName();
    std::vector<HostImage> removed;
    std::set<std::string> touched;
    for (const auto& i : images) {
      if (!i.users.empty()) continue;
      if (const std::string error = Prune(*sessions.at(i.host), i); !error.empty()) {
        io.err << "pruning " << i.volume.name << " on " << i.host << ": " << error << "\n";
        code = kExitFailure;
        continue;
      }
      removed.push_back(i);
      touched.insert(i.host);
    }
    for (const auto& host : touched) SaveSimulatedHost(*sessions.at(host));
    images = std::move(removed);
  }
  if (format == OutputFormat::kJson) {
    io.out << ToJson(images).dump(2) << "\n";
  } else if (sub == "prune") {
    for (const auto& i : images)
      io.out << "removed " << i.volume.name
             << (i.state == BaseState::kComplete ? "" : std::string(" (") + ToString(i.state) + ")")
             << " from " << i.host << "\n";
    io.out << images.size() << " unused base image(s) removed.\n";
  } else {
    PrintHostImages(images, io.out);
  }
  return code;
}

}  // namespace egov::orchestrator
