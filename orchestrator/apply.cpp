#include "orchestrator/apply.h"

#include <fcntl.h>
#include <libvirt/virterror.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <numeric>
#include <optional>
#include <ostream>
#include <set>
#include <unordered_map>

#include "common/cloud_init.h"
#include "common/file_digest.h"
#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"
#include "orchestrator/health.h"
#include "orchestrator/image_download.h"
#include "orchestrator/parallel.h"
#include "orchestrator/seed_iso.h"

namespace egov::orchestrator {
namespace {

// The capacity of a seed volume on a simulated host, which holds no seed.
constexpr uint64_t kSimulatedSeedBytes = 1 << 20;

struct HostWork;

struct Step {
  size_t index = 0;  // in the journal and in Applier::steps_
  const Action* action = nullptr;
  HostWork* host = nullptr;
  bool validate = false;  // ask the host's libvirt to validate this definition too
  bool ok = false;
  bool ended = false;   // done, failed or skipped
  std::string old_xml;  // replace under --atomic: the definition to restore
  bool was_active = false;
  std::optional<size_t> move_from;  // a create that moves a replica: the delete of its old copy
  std::string note;                 // how it went: live migration or re-creation, health
  std::chrono::system_clock::time_point started{}, finished{};
};

struct HostWork {
  std::string name;
  HostSession* session = nullptr;
  std::vector<size_t> steps;  // its steps, in plan order
  std::atomic<bool> lost{false};
  std::atomic<bool> touched{false};
  std::atomic<bool> gained{false};  // a domain was defined or started here
  // Written before the steps run, read by them.
  std::map<std::string, std::string> bases;        // base volume -> its path on the host
  std::map<std::string, std::string> base_errors;  // base volume -> why the host lacks it

  void Fail(const std::string& why) {
    std::lock_guard lock(mu_);
    if (!lost.exchange(true)) lost_error_ = why;
  }
  std::string LostError() {
    std::lock_guard lock(mu_);
    return lost_error_;
  }

 private:
  std::mutex mu_;
  std::string lost_error_;
};

// One replica's disruptive change: a replace, or a move (the new copy, then the old one's
// delete once the new one is healthy).
struct Unit {
  size_t change = 0;
  std::optional<size_t> remove;
};

// A workload's units, run max_unavailable at a time.
struct Rollout {
  std::string workload;
  WorkloadRollout spec;
  std::vector<Unit> units;
  std::string stopped;  // why the rollout stopped; empty while it goes on
};

// What distinguishes one generated domain's structure from another's.
std::string Shape(const std::string& xml) {
  std::string shape = xml.substr(0, xml.find('>'));  // <domain type='…'
  for (const char* part : {"<disk", "<interface", "<seclabel", "<video"}) {
    if (xml.find(part) != std::string::npos) shape += part;
  }
  return shape;
}

void EnsureNetwork(const libvirt::Connection& c, const std::string& name) {
  libvirt::NetworkPtr net = c.LookupNetwork(name);
  if (!net) net = c.DefineNetwork(BuildNetworkXml(name));
  if (!libvirt::NetworkIsActive(net.get())) libvirt::StartNetwork(net.get());
}

void EnsurePool(const libvirt::Connection& c, const std::string& name) {
  libvirt::PoolPtr pool = c.LookupStoragePool(name);
  if (!pool) pool = c.DefineStoragePool(BuildPoolXml(name));
  if (!libvirt::StoragePoolIsActive(pool.get())) libvirt::StartStoragePool(pool.get());
}

// Removing an object that someone else (another delete, an operator's virsh) removed meanwhile
// is done, not failed.
void IgnoreIfGone(int gone, const std::function<void()>& remove) {
  try {
    remove();
  } catch (const libvirt::Error& e) {
    if (e.code() != gone) throw;
  }
}

void RemoveNetwork(const libvirt::Connection& c, const std::string& name) {
  libvirt::NetworkPtr net = c.LookupNetwork(name);
  if (!net) return;
  IgnoreIfGone(VIR_ERR_NO_NETWORK, [&] { libvirt::RemoveNetwork(net.get()); });
}

void RemovePool(const libvirt::Connection& c, const std::string& name) {
  libvirt::PoolPtr pool = c.LookupStoragePool(name);
  if (!pool) return;
  IgnoreIfGone(VIR_ERR_NO_STORAGE_POOL, [&] { libvirt::RemoveStoragePool(pool.get()); });
}

// Deletes a replica's root disk and seed where its workload's pool has them.
void RemoveReplicaVolumes(const libvirt::Connection& c, const Action& a) {
  libvirt::PoolPtr pool = c.LookupStoragePool(SeparationName(a.workload));
  if (!pool || !libvirt::StoragePoolIsActive(pool.get())) return;
  for (const std::string& name : {RootVolumeName(a.domain), SeedVolumeName(a.domain)}) {
    libvirt::VolumePtr vol = libvirt::LookupVolume(pool.get(), name);
    if (vol) IgnoreIfGone(VIR_ERR_NO_STORAGE_VOL, [&] { libvirt::DeleteVolume(vol.get()); });
  }
}

// Sends bytes held in memory (a seed) into a volume, through a memory file.
void UploadBytes(virStorageVolPtr vol, const std::string& bytes) {
  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  } const memory{::memfd_create("egov-upload", MFD_CLOEXEC)};
  const int fd = memory.fd;
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("writing a memory file: ") + std::strerror(errno));
    }
    if (n > 0) done += static_cast<size_t>(n);
  }
  libvirt::UploadVolume(vol, fd, bytes.size());
}

// An image's file, opened once per run: its digest is checked once, then every host that lacks
// the image is sent the bytes of this one descriptor (pread: no shared offset), so what is
// uploaded is what was checked, even when the path is replaced meanwhile.
class ImageFile {
 public:
  explicit ImageFile(const Image& image) : image_(image) {}
  ~ImageFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;

  const Image& image() const { return image_; }

  /// The checked file's descriptor and size; throws when it cannot be read or is another file
  /// than its sha256 names (with both digests). Thread-safe.
  std::pair<int, uint64_t> Checked() {
    std::call_once(once_, [this] { Open(); });
    if (!error_.empty()) throw std::runtime_error(error_);
    return {fd_, size_};
  }

 private:
  void Open() {
    const std::string what = "image " + image_.name + " (" + image_.source + ")";
    std::string path = image_.source;
    if (path.rfind("https://", 0) == 0) {
      try {
        path = DownloadImage(path, image_.sha256, DefaultDownloadOptions());
      } catch (const std::exception& e) {
        error_ = what + ": " + e.what();
        return;
      }
    }
    // A downloaded file is hashed again here: what is uploaded is what this descriptor holds.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
      error_ = what + ": " + std::strerror(errno);
      return;
    }
    size_ = static_cast<uint64_t>(st.st_size);
    try {
      const std::string actual = Sha256OfFd(fd_);
      if (actual != image_.sha256) {
        error_ = what + ": sha256 is " + actual + ", expected " + image_.sha256 +
                 "; nothing was uploaded";
      }
    } catch (const std::exception& e) {
      error_ = what + ": " + e.what();
    }
  }

  const Image& image_;
  std::once_flag once_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string error_;
};

// The user data of a workload's seeds, or why there is none.
struct UserData {
  std::string text;  // may hold secrets: never logged
  std::string error;
};

UserData ReadUserData(const Inventory* inv, const Action& a) {
  const Workload* w = inv ? inv->FindWorkload(a.workload) : nullptr;
  if (!w) return {"", "workload " + a.workload + " is not among the inputs"};
  if (CloudInitDigest(w->cloud_init) != a.disks->cloud_init) {
    return {"", "the cloud_init of " + a.workload +
                    " changed since the plan was made; run 'egovctl plan' again"};
  }
  try {
    return {cloud_init::BuildUserData(w->cloud_init.ssh_authorized_keys, w->cloud_init.user_data,
                                      w->cloud_init.user_data_file),
            ""};
  } catch (const std::exception& e) {
    return {"", e.what()};
  }
}

std::string Mib(double bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MiB", bytes / (1 << 20));
  return b;
}

// Puts back what a successful step of this run changed (all-or-nothing mode).
void UndoStep(const libvirt::Connection& c, const Step& s) {
  const Action& a = *s.action;
  libvirt::DomainPtr dom = c.LookupDomainByUuid(a.uuid);
  if (a.kind == ActionKind::kCreate) {
    if (dom) {
      libvirt::StopDomain(dom.get());
      libvirt::UndefineDomain(dom.get());
    }
    if (a.disks) RemoveReplicaVolumes(c, a);
  } else if (a.kind == ActionKind::kReplace && !s.old_xml.empty()) {
    libvirt::DomainPtr old = c.DefineDomain(s.old_xml, false);
    libvirt::StopDomain(old.get());
    if (s.was_active) libvirt::StartDomain(old.get());
  } else if (a.kind == ActionKind::kStart && dom) {
    libvirt::StopDomain(dom.get());
  }
}

// One ExecutePlan: the steps grouped by host, then the phases of the header's comment.
class Applier {
 public:
  Applier(const Plan& plan, const std::map<std::string, HostSession*>& sessions, Journal* journal,
          const ApplyOptions& options, std::ostream& progress)
      : plan_(plan),
        sessions_(sessions),
        journal_(journal),
        options_(options),
        progress_(progress) {}

  ApplyReport Execute() {
    GroupSteps();
    PrepareHosts();
    RunSteps(first_);  // stale copies of replicas that run elsewhere: before anything else
    size_t waves = 1;
    for (const Rollout& r : rollouts_) {
      waves = std::max(waves, (r.units.size() + r.spec.max_unavailable - 1) /
                                  std::max<size_t>(1, r.spec.max_unavailable));
    }
    std::vector<size_t> deferred;  // --atomic: deletions wait until every change succeeded
    for (size_t k = 0; k < waves; ++k) RunWave(k, deferred);
    if (options_.atomic && report_.failed + report_.skipped > 0) {
      RollBack();
    } else {
      deferred.insert(deferred.end(), last_.begin(), last_.end());
      RunSteps(deferred);
      CleanUp();
    }
    Record();
    Report();
    if (journal_) {
      journal_->FinishRun(report_.rolled_back                    ? "rolled-back"
                          : report_.failed + report_.skipped > 0 ? "failed"
                                                                 : "done");
    }
    return std::move(report_);
  }

 private:
  // Wave k: the creates and starts that take nothing down (with the first wave), the k-th
  // batch of every workload's rollout, their health, then the old copies of the healthy moves.
  void RunWave(size_t k, std::vector<size_t>& deferred) {
    std::vector<size_t> changes = k == 0 ? initial_ : std::vector<size_t>{};
    std::vector<std::pair<Rollout*, const Unit*>> batch;
    for (Rollout& r : rollouts_) {
      if (!r.stopped.empty()) continue;
      const size_t n = std::max<size_t>(1, r.spec.max_unavailable);
      for (size_t u = k * n; u < std::min(r.units.size(), (k + 1) * n); ++u) {
        changes.push_back(r.units[u].change);
        batch.emplace_back(&r, &r.units[u]);
      }
    }
    RunSteps(changes);
    std::vector<std::string> unhealthy(batch.size());
    ParallelFor(batch.size(), options_.threads, [&](size_t i) {
      unhealthy[i] = Unhealthy(*batch[i].first, steps_[batch[i].second->change]);
    });
    std::vector<size_t> removes;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto [r, unit] = batch[i];
      if (unhealthy[i].empty()) {
        if (unit->remove) (options_.atomic ? deferred : removes).push_back(*unit->remove);
        continue;
      }
      const Step& s = steps_[unit->change];
      if (r->stopped.empty()) {
        r->stopped = ToString(s.action->kind) + std::string(" ") + s.action->domain + " on " +
                     s.action->host + ": " + unhealthy[i];
        Say("  rollout of " + r->workload + " stopped: " + r->stopped);
        std::lock_guard lock(mu_);
        report_.errors.push_back("rollout of " + r->workload + " stopped: " + r->stopped);
      }
      if (unit->remove) Skip(*unit->remove, "the new copy is not healthy: the old one stays");
    }
    for (Rollout& r : rollouts_) {  // the batches a stopped rollout will not run
      if (r.stopped.empty()) continue;
      for (const Unit& u : r.units) {
        for (auto i : {std::optional(u.change), u.remove}) {
          if (i && !steps_[*i].ended) Skip(*i, "rollout of " + r.workload + " stopped");
        }
      }
    }
    RunSteps(removes);
  }

  // Why the replica of a change step is not healthy ("" when it is): its step failed or was
  // skipped, its domain does not run, or its workload's health URL does not answer as declared
  // within --health-wait. A simulated host's URL is not probed (it serves nothing), and the
  // step says so.
  std::string Unhealthy(const Rollout& r, Step& s) {
    if (!s.ok) return "the step did not succeed";
    try {
      libvirt::DomainPtr dom = s.host->session->conn->LookupDomainByUuid(s.action->uuid);
      if (!dom) return "its domain is gone";
      if (libvirt::GetDomainInfo(dom.get()).state != VIR_DOMAIN_RUNNING) {
        return "its domain does not run";
      }
    } catch (const std::exception& e) {
      return e.what();
    }
    if (!r.spec.health) return "";
    if (InProcess(*s.host->session)) {
      Note(s, "health URL not probed (simulated host)");
      return "";
    }
    const std::string why = WaitForHealth(*r.spec.health, options_.health_wait);
    Note(s, why.empty() ? "healthy: " + r.spec.health->url + " answered " +
                              std::to_string(r.spec.health->expect_status)
                        : "not healthy: " + r.spec.health->url + ": " + why);
    return why.empty() ? "" : "health URL " + r.spec.health->url + ": " + why;
  }

  void Note(Step& s, const std::string& note) {
    std::lock_guard lock(mu_);
    s.note += (s.note.empty() ? "" : "; ") + note;
    progress_ << "  " << ToString(s.action->kind) << " " << s.action->domain << " on "
              << s.action->host << ": " << note << "\n";
  }

  void Skip(size_t i, const std::string& why) {
    Step& s = steps_[i];
    if (s.ended) return;
    s.ended = true;
    s.note = why;
    if (journal_) journal_->Mark(s.index, StepStatus::kSkipped, why);
    std::lock_guard lock(mu_);
    ++report_.skipped;
  }

  // Steps per host, journaled as pending before anything runs, then sorted into the order of
  // the header's comment.
  void GroupSteps() {
    std::vector<StepRecord> records;
    std::set<std::pair<std::string, std::string>> validated;  // (libvirt, shape)
    for (const Action& a : plan_.actions) {
      if (a.kind == ActionKind::kUnchanged) continue;
      auto& w = work_[a.host];
      if (!w) w = std::make_unique<HostWork>();
      Step s;
      s.index = steps_.size();
      s.action = &a;
      s.host = w.get();
      // Every definition was checked against libvirt's schema when the plan was made. The
      // host's own libvirt (which costs 6-30 ms a call for this) also validates the first
      // definition of each shape it receives; simulated hosts all run in this process's libvirt.
      auto it = sessions_.find(a.host);
      const bool local = it != sessions_.end() && !it->second->sim_path.empty();
      s.validate = !a.xml.empty() &&
                   validated.emplace(local ? std::string("(local)") : a.host, Shape(a.xml)).second;
      w->steps.push_back(s.index);
      steps_.push_back(std::move(s));
      records.push_back({a.host, a.domain, a.uuid, ToString(a.kind), a.reason});
      if (a.disks && !user_data_.count(a.workload)) {
        user_data_[a.workload] = ReadUserData(options_.inventory, a);
      }
      const Image* image =
          a.disks && options_.inventory ? options_.inventory->FindImage(a.disks->image) : nullptr;
      if (image && !images_.count(image->name)) {
        images_[image->name] = std::make_unique<ImageFile>(*image);
      }
    }
    Order();
    if (journal_) {
      journal_->BeginRun("apply", plan_.fingerprint, options_.atomic ? "atomic" : "best-effort",
                         records);
    }
    for (auto& [name, w] : work_) {
      w->name = name;
      auto it = sessions_.find(name);
      if (it == sessions_.end() || !it->second->conn) {
        w->Fail(it == sessions_.end() ? "host not in the inventory" : it->second->error);
      } else {
        w->session = it->second;
      }
      hosts_.push_back(w.get());
    }
  }

  // Sorts the steps: the deletion of a stale copy (its replica stays on another host) first;
  // creates of new replicas and starts with the first wave; replaces and moves (a create
  // paired with the delete of the old copy) in each workload's rollout; every other deletion
  // last.
  void Order() {
    using Replica = std::pair<std::string, int>;
    std::map<Replica, std::vector<const Action*>> kept;  // stays where it is (replace, ...)
    for (const Action& a : plan_.actions) {
      if (a.kind != ActionKind::kCreate && a.kind != ActionKind::kDelete) {
        kept[{a.workload, a.replica}].push_back(&a);
      }
    }
    std::map<Replica, size_t> creates, deletes;
    for (const Step& s : steps_) {
      const Action& a = *s.action;
      const Replica key{a.workload, a.replica};
      if (a.kind == ActionKind::kCreate) creates.emplace(key, s.index);
      if (a.kind != ActionKind::kDelete) continue;
      auto k = kept.find(key);
      if (k != kept.end() && std::any_of(k->second.begin(), k->second.end(),
                                         [&](const Action* o) { return o->host != a.host; })) {
        first_.push_back(s.index);
      } else if (!deletes.emplace(key, s.index).second) {
        last_.push_back(s.index);
      }
    }
    std::map<std::string, size_t> rollout_of;
    auto rollout = [&](const std::string& workload) -> Rollout& {
      auto [it, fresh] = rollout_of.emplace(workload, rollouts_.size());
      if (fresh) {
        auto spec = options_.rollouts.find(workload);
        rollouts_.push_back(
            {workload, spec == options_.rollouts.end() ? WorkloadRollout{} : spec->second, {}, ""});
      }
      return rollouts_[it->second];
    };
    for (Step& s : steps_) {
      const Action& a = *s.action;
      const Replica key{a.workload, a.replica};
      if (a.kind == ActionKind::kReplace) {
        rollout(a.workload).units.push_back({s.index, std::nullopt});
      } else if (a.kind == ActionKind::kStart) {
        initial_.push_back(s.index);
      } else if (a.kind == ActionKind::kCreate) {
        auto d = deletes.find(key);
        if (d == deletes.end()) {
          initial_.push_back(s.index);
        } else {
          s.move_from = d->second;
          rollout(a.workload).units.push_back({s.index, d->second});
        }
      } else if (a.kind == ActionKind::kDelete) {
        auto d = deletes.find(key);
        if (d != deletes.end() && d->second == s.index && !creates.count(key)) {
          last_.push_back(s.index);
        }
      }
    }
  }

  void ForEachHost(const std::function<void(HostWork&)>& fn) {
    ParallelFor(hosts_.size(), options_.threads, [&](size_t i) {
      if (journal_) journal_->Fence();  // a holder that lost the lock changes no host
      fn(*hosts_[i]);
    });
  }

  // Extra connections for the strands of remote hosts; networks and pools of logical
  // separation before the domains that use them.
  void PrepareHosts() {
    ForEachHost([&](HostWork& w) {
      if (w.lost) return;
      const size_t strands = std::min(options_.per_host, w.steps.size());
      try {
        if (strands > 1) OpenWorkers(*w.session, strands - 1);
      } catch (const std::exception&) {
        // The host then runs one strand per connection it has (StrandConnections): fewer calls
        // at once, never two on one connection.
      }
      std::set<std::string> nets, pools;
      std::map<std::string, const Disks*> bases;
      for (size_t i : w.steps) {
        const Step& s = steps_[i];
        if (s.action->kind == ActionKind::kDelete) continue;
        if (!s.action->network.empty()) nets.insert(s.action->network);
        if (!s.action->pool.empty()) pools.insert(s.action->pool);
        if (s.action->disks) {
          pools.insert(kImagesPool);
          bases.emplace(s.action->disks->base, &*s.action->disks);
        }
      }
      try {
        for (const auto& n : nets) EnsureNetwork(*w.session->conn, n);
        for (const auto& p : pools) EnsurePool(*w.session->conn, p);
        if (!nets.empty() || !pools.empty()) w.touched = true;
        for (const auto& [base, disks] : bases) ProvideBase(w, *disks);
      } catch (const std::exception& e) {
        w.Fail(e.what());
      }
    });
  }

  // Makes sure the host has the base volume `d` names, in egov-images, and records its path or
  // why it has none (the steps that need it then fail with that). A simulated host gets the
  // volume without content: the test driver has no upload. A lost connection is the host's
  // failure, thrown on.
  void ProvideBase(HostWork& w, const Disks& d) {
    try {
      w.bases[d.base] = ProvidedBasePath(w, d);
    } catch (const libvirt::Error& e) {
      if (e.connection_lost()) throw;
      w.base_errors[d.base] = e.what();
    } catch (const std::exception& e) {
      w.base_errors[d.base] = e.what();
    }
  }

  // A base counts only with its marker (BaseMarkerName), made after the upload finished: one
  // without it is what an upload cut short (egovctl killed) left, and is sent again.
  std::string ProvidedBasePath(HostWork& w, const Disks& d) {
    const libvirt::Connection& c = *w.session->conn;
    libvirt::PoolPtr pool = c.LookupStoragePool(kImagesPool);
    if (!pool) throw std::runtime_error(std::string("storage pool ") + kImagesPool + " is gone");
    libvirt::VolumePtr found = libvirt::LookupVolume(pool.get(), d.base);
    libvirt::VolumePtr marker = libvirt::LookupVolume(pool.get(), BaseMarkerName(d.base));
    if (found && marker) return libvirt::GetVolume(found.get()).path;
    auto file = images_.find(d.image);
    if (file == images_.end())
      throw std::runtime_error("image " + d.image + " is not among the inputs");
    const Image& image = file->second->image();
    if (BaseVolumeName(image) != d.base) {
      throw std::runtime_error("image " + d.image + " changed since the plan was made (" + d.base +
                               " planned, " + BaseVolumeName(image) +
                               " now); run 'egovctl plan' again");
    }
    StorageVolume v;
    v.name = d.base;
    v.format = d.format;
    w.touched = true;
    const bool simulated = InProcess(*w.session);
    const auto [fd, size] = simulated ? std::pair<int, uint64_t>{-1, 0} : file->second->Checked();
    // A marker without its base (removed by hand) must not vouch for the upload that follows.
    if (marker) libvirt::DeleteVolume(marker.get());
    if (found) {
      Say("  " + d.base + " on " + w.name +
          " has no completion marker (an upload that did not finish): deleting it and sending "
          "it again");
      libvirt::DeleteVolume(found.get());
    }
    if (simulated) {
      v.capacity = image.min_disk;
      libvirt::VolumePtr vol = libvirt::CreateVolume(pool.get(), BuildVolumeXml(v));
      MarkComplete(pool.get(), d.base);
      return libvirt::GetVolume(vol.get()).path;
    }
    v.format = "raw";  // the bytes go as they are; libvirt reads the image's own header after
    v.capacity = size;
    libvirt::VolumePtr vol = libvirt::CreateVolume(pool.get(), BuildVolumeXml(v));
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    const std::string what = "  upload " + d.base + " to " + w.name + ": ";
    auto seconds = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    try {
      libvirt::UploadVolume(vol.get(), fd, size, [&](uint64_t sent) {
        if (!options_.upload_progress ||
            std::chrono::steady_clock::now() - last < options_.upload_progress_interval) {
          return;
        }
        last = std::chrono::steady_clock::now();
        Say(what + Mib(double(sent)) + " of " + Mib(double(size)) + ", " +
            Mib(double(sent) / seconds()) + "/s");
      });
    } catch (...) {
      // Without its marker it would not pass for the image; deleted now all the same, so the
      // next run need not.
      try {
        libvirt::DeleteVolume(vol.get());
      } catch (const std::exception&) {
      }
      throw;
    }
    // virStreamFinish returned: libvirt has the whole file. Only now may the base count.
    MarkComplete(pool.get(), d.base);
    Say(what + Mib(double(size)) + " in " + std::to_string(seconds()).substr(0, 4) + " s, " +
        Mib(double(size) / seconds()) + "/s");
    return libvirt::GetVolume(vol.get()).path;
  }

  static void MarkComplete(virStoragePoolPtr pool, const std::string& base) {
    StorageVolume marker;
    marker.name = BaseMarkerName(base);
    marker.format = "raw";
    libvirt::CreateVolume(pool, BuildVolumeXml(marker));
  }

  void Say(const std::string& line) {
    std::lock_guard lock(mu_);
    progress_ << line << "\n" << std::flush;
  }

  // The replica's root disk (kept when it is an overlay of the planned base at the planned
  // size, else made anew) and a new seed.
  void PrepareDisks(const libvirt::Connection& c, const HostWork& w, const Action& a) {
    const Disks& d = *a.disks;
    if (auto e = w.base_errors.find(d.base); e != w.base_errors.end()) {
      throw std::runtime_error(e->second);
    }
    const auto base = w.bases.find(d.base);
    if (base == w.bases.end()) throw std::runtime_error("no base volume " + d.base);
    const UserData& u = user_data_.at(a.workload);
    if (!u.error.empty()) throw std::runtime_error(u.error);
    // A simulated host gets no content, so its seed is not written (libisofs makes an image of
    // some 350 KiB in a thread of its own: most of a simulated replica's time).
    const bool simulated = InProcess(*w.session);
    const std::string seed =
        simulated
            ? std::string()
            : BuildSeedIso(
                  {a.uuid, a.domain, u.text,
                   a.network.empty() ? "" : cloud_init::BuildNetworkConfig(MacAddress(a.uuid))});
    libvirt::PoolPtr pool = c.LookupStoragePool(a.pool);
    if (!pool) throw std::runtime_error("storage pool " + a.pool + " is gone");
    libvirt::VolumePtr root = libvirt::LookupVolume(pool.get(), RootVolumeName(a.domain));
    if (root) {
      const StorageVolume found = libvirt::GetVolume(root.get());
      if (found.backing_path != base->second || !RootDiskChange(&found, d).empty()) {
        libvirt::DeleteVolume(root.get());
        root.reset();
      }
    }
    if (!root) {
      StorageVolume v;
      v.name = RootVolumeName(a.domain);
      v.format = "qcow2";
      v.capacity = d.capacity;
      v.backing_path = base->second;
      v.backing_format = d.format;
      libvirt::CreateVolume(pool.get(), BuildVolumeXml(v));
    }
    if (libvirt::VolumePtr old = libvirt::LookupVolume(pool.get(), SeedVolumeName(a.domain))) {
      libvirt::DeleteVolume(old.get());
    }
    StorageVolume v;
    v.name = SeedVolumeName(a.domain);
    v.format = "raw";
    v.capacity = simulated ? kSimulatedSeedBytes : seed.size();
    libvirt::VolumePtr vol = libvirt::CreateVolume(pool.get(), BuildVolumeXml(v));
    if (!simulated) UploadBytes(vol.get(), seed);
  }

  void RunStep(const libvirt::Connection& c, const HostWork& w, Step& s) {
    const Action& a = *s.action;
    switch (a.kind) {
      case ActionKind::kCreate: {
        if (s.move_from) {
          MoveOrCreate(c, w, s);
          break;
        }
        if (a.disks) PrepareDisks(c, w, a);
        libvirt::DomainPtr dom = c.DefineDomain(a.xml, s.validate);
        libvirt::EnsureDomainRunning(dom.get());
        break;
      }
      case ActionKind::kReplace: {
        if (options_.atomic) {
          if (libvirt::DomainPtr old = c.LookupDomainByUuid(a.uuid)) {
            s.old_xml =
                libvirt::GetDomainXml(old.get(), VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
            s.was_active = libvirt::DomainIsActive(old.get());
          }
        }
        // Redefining with the same UUID updates the domain in place; a restart applies it. The
        // disks change while it is stopped.
        libvirt::DomainPtr dom = c.DefineDomain(a.xml, s.validate);
        libvirt::StopDomain(dom.get());
        if (a.disks) PrepareDisks(c, w, a);
        libvirt::StartDomain(dom.get());
        break;
      }
      case ActionKind::kStart: {
        libvirt::DomainPtr dom = c.LookupDomainByUuid(a.uuid);
        if (!dom) throw std::runtime_error("domain " + a.domain + " is gone from " + a.host);
        libvirt::EnsureDomainRunning(dom.get());
        break;
      }
      case ActionKind::kDelete: {
        // A domain already gone (a rerun after a crash) may still have its volumes.
        if (libvirt::DomainPtr dom = c.LookupDomainByUuid(a.uuid)) {
          IgnoreIfGone(VIR_ERR_NO_DOMAIN, [&] {
            libvirt::StopDomain(dom.get());
            libvirt::UndefineDomain(dom.get());
          });
        }
        RemoveReplicaVolumes(c, a);
        break;
      }
      case ActionKind::kUnchanged:
        break;
    }
  }

  // Runs the steps `indices`, all hosts at once, each host's on its strands.
  void RunSteps(const std::vector<size_t>& indices) {
    std::map<HostWork*, std::vector<size_t>> by_host;
    for (size_t i : indices) {
      if (!steps_[i].ended) by_host[steps_[i].host].push_back(i);
    }
    struct Strand {
      HostWork* host;
      const libvirt::Connection* conn;
      std::vector<size_t> steps;
    };
    std::vector<Strand> strands;
    for (auto& [w, list] : by_host) {
      if (!w->session) {  // every step is skipped
        strands.push_back({w, nullptr, std::move(list)});
        continue;
      }
      const auto conns = StrandConnections(*w->session, options_.per_host, list.size());
      std::vector<std::string> uuids;
      for (size_t i : list) uuids.push_back(steps_[i].action->uuid);
      auto split = SplitIntoStrands(uuids, conns.size());
      for (size_t k = 0; k < conns.size(); ++k) {
        std::vector<size_t> mine;
        for (size_t j : split[k]) mine.push_back(list[j]);
        strands.push_back({w, conns[k], std::move(mine)});
      }
    }
    ParallelFor(strands.size(), options_.threads, [&](size_t i) {
      for (size_t j : strands[i].steps) RunOne(*strands[i].host, steps_[j], strands[i].conn);
    });
  }

  void RunOne(HostWork& w, Step& s, const libvirt::Connection* conn) {
    const Action& a = *s.action;
    if (journal_) journal_->Fence();  // a holder that lost the lock changes no host
    if (w.lost) {
      Skip(s.index, "host lost: " + w.LostError());
      return;
    }
    s.started = std::chrono::system_clock::now();
    try {
      RunStep(*conn, w, s);
      s.finished = std::chrono::system_clock::now();
      s.ok = s.ended = true;
      w.touched = true;
      if (a.kind != ActionKind::kDelete) w.gained = true;
      if (journal_) journal_->Mark(s.index, StepStatus::kDone);
      std::lock_guard lock(mu_);
      ++report_.done;
      progress_ << "  " << ToString(a.kind) << " " << a.domain << " on " << a.host << ": done"
                << (s.note.empty() ? "" : " (" + s.note + ")") << "\n";
    } catch (const std::exception& e) {
      s.finished = std::chrono::system_clock::now();
      s.ended = true;
      const auto* lv = dynamic_cast<const libvirt::Error*>(&e);
      if ((lv && lv->connection_lost()) || !conn->IsAlive()) w.Fail(e.what());
      if (journal_) journal_->Mark(s.index, StepStatus::kFailed, e.what());
      std::lock_guard lock(mu_);
      ++report_.failed;
      report_.errors.push_back(std::string(ToString(a.kind)) + " " + a.domain + " on " + a.host +
                               ": " + e.what());
      progress_ << "  " << ToString(a.kind) << " " << a.domain << " on " << a.host
                << ": FAILED: " << e.what() << "\n";
    }
  }

  // Why a replica moving from the host of `from` to `to` cannot go by live migration ("" when
  // it can): both hosts real hypervisors of one type, both connected, the replica running.
  std::string NoMigration(const Step& from, const libvirt::Connection& to) {
    const HostWork& src = *from.host;
    if (options_.atomic) return "--atomic: a live migration cannot be undone";
    if (!src.session || !src.session->conn || src.lost) return "the old host cannot be reached";
    if (InProcess(*src.session)) return "simulated hosts do not migrate";
    if (src.session->conn->Type() != to.Type()) return "the hosts run different hypervisors";
    libvirt::DomainPtr dom = src.session->conn->LookupDomainByUuid(from.action->uuid);
    return dom && libvirt::DomainIsActive(dom.get()) ? "" : "the old copy does not run";
  }

  // A moving replica goes by live migration where it can; otherwise (or when the migration
  // fails, the replica still running at the source) it is created anew.
  void MoveOrCreate(const libvirt::Connection& c, const HostWork& w, Step& s) {
    const Action& a = *s.action;
    const Step& from = steps_[*s.move_from];
    std::string why = NoMigration(from, c);
    if (why.empty()) {
      if (a.disks) PrepareDisks(c, w, a);  // the volumes the disks are copied into
      try {
        libvirt::MigrateOptions o;
        o.dest_xml = a.xml;
        // As protected as the hosts' own connections.
        o.tls = w.session->uri.rfind("qemu+tls://", 0) == 0 &&
                from.host->session->uri.rfind("qemu+tls://", 0) == 0;
        c.MigrateHere(from.host->session->conn->LookupDomainByUuid(a.uuid).get(), o);
        s.note = "live migration from " + from.action->host;
        return;
      } catch (const libvirt::Error& e) {
        if (e.connection_lost()) throw;
        why = std::string("live migration failed: ") + e.what();
      }
    }
    s.note = "re-created (" + why + ")";
    if (a.disks) PrepareDisks(c, w, a);
    libvirt::DomainPtr dom = c.DefineDomain(a.xml, s.validate);
    libvirt::EnsureDomainRunning(dom.get());
  }

  // All or nothing: undoes what the changes of this run did; the deletions never run.
  void RollBack() {
    report_.rolled_back = true;
    ForEachHost([&](HostWork& w) {
      for (auto it = w.steps.rbegin(); it != w.steps.rend(); ++it) {
        Step& s = steps_[*it];
        if (s.action->kind == ActionKind::kDelete) {
          Skip(s.index, "run rolled back");
          continue;
        }
        if (!s.ok) continue;
        try {
          UndoStep(*w.session->conn, s);
          if (journal_) journal_->Mark(s.index, StepStatus::kUndone);
          std::lock_guard lock(mu_);
          ++report_.undone;
        } catch (const std::exception& e) {
          std::lock_guard lock(mu_);
          report_.errors.push_back("undo " + s.action->domain + ": " + e.what());
        }
      }
    });
  }

  // A workload's own network and pool go once its last domain on the host is deleted.
  void CleanUp() {
    ForEachHost([&](HostWork& w) {
      if (w.lost) return;
      for (size_t i : w.steps) {
        const Step& s = steps_[i];
        if (!s.ok || s.action->kind != ActionKind::kDelete || !s.action->cleanup) continue;
        try {
          if (!s.action->network.empty()) RemoveNetwork(*w.session->conn, s.action->network);
          if (!s.action->pool.empty()) RemovePool(*w.session->conn, s.action->pool);
        } catch (const std::exception& e) {
          std::lock_guard lock(mu_);
          report_.errors.push_back("cleanup after " + s.action->domain + ": " + e.what());
        }
      }
    });
  }

  // Writes back simulated hosts and records what each host now runs. The hosts that gained
  // domains are written first: a run killed between two writes leaves a moved replica on both
  // files, never on neither. A fenced host is not read: its record loses the replicas this run
  // re-created elsewhere, so that when it comes back its copies are the stale ones.
  void Record() {
    for (bool gained : {true, false}) {
      ForEachHost([&](HostWork& w) {
        if (w.gained != gained) return;
        if (!w.session || w.lost) {
          std::lock_guard lock(mu_);
          report_.failed_hosts[w.name] = w.LostError();
          return;
        }
        try {
          if (w.touched) SaveSimulatedHost(*w.session);
          if (!journal_) return;
          ObservedHost now;
          ReadHost(*w.session->conn, now, false);  // the journal records domains only
          std::vector<KnownDomain> known;
          for (const auto& d : now.domains) {
            if (!d.metadata) continue;
            known.push_back({w.name, d.name, d.uuid, d.metadata->workload, d.metadata->replica,
                             d.metadata->spec_hash});
          }
          journal_->RecordHost(w.name, known);
        } catch (const std::exception& e) {
          std::lock_guard lock(mu_);
          report_.errors.push_back("after apply on " + w.name + ": " + e.what());
        }
      });
    }
    if (journal_) ForgetEvacuated();
  }

  void ForgetEvacuated() {
    std::set<std::pair<std::string, int>> created;
    for (const Step& s : steps_) {
      if (s.ok && s.action->kind == ActionKind::kCreate) {
        created.emplace(s.action->workload, s.action->replica);
      }
    }
    for (const auto& [name, session] : sessions_) {
      if (!session->fenced) continue;
      std::vector<KnownDomain> known = journal_->KnownDomains(name);
      const size_t before = known.size();
      std::erase_if(known, [&](const KnownDomain& k) {
        return created.count({k.workload, k.replica}) > 0;
      });
      if (known.size() != before) journal_->RecordHost(name, known);
    }
  }

  // Every step with its times, in the order they started.
  void Report() {
    for (const Step& s : steps_) {
      const Action& a = *s.action;
      report_.steps.push_back({a.workload, a.domain, a.host, ToString(a.kind),
                               s.ok                                    ? "done"
                               : s.finished.time_since_epoch().count() ? "failed"
                                                                       : "skipped",
                               s.started, s.finished, s.note});
    }
    std::stable_sort(report_.steps.begin(), report_.steps.end(),
                     [](const StepReport& x, const StepReport& y) {
                       const bool a = x.started.time_since_epoch().count() != 0;
                       const bool b = y.started.time_since_epoch().count() != 0;
                       return a != b ? a : x.started < y.started;
                     });
  }

  const Plan& plan_;
  const std::map<std::string, HostSession*>& sessions_;
  Journal* journal_;
  const ApplyOptions& options_;
  std::ostream& progress_;
  std::map<std::string, std::unique_ptr<HostWork>> work_;
  std::vector<HostWork*> hosts_;
  std::vector<Step> steps_;  // one per changing action, in plan order; never resized after
  std::vector<size_t> first_, initial_, last_;  // steps outside the rollouts (Order)
  std::vector<Rollout> rollouts_;
  std::mutex mu_;  // guards report_, progress_ and the steps' notes
  ApplyReport report_;
  // Filled before anything runs, then only read.
  std::map<std::string, std::unique_ptr<ImageFile>> images_;  // by image name
  std::map<std::string, UserData> user_data_;                 // by workload
};

}  // namespace

std::vector<const libvirt::Connection*> StrandConnections(const HostSession& host, size_t per_host,
                                                          size_t steps) {
  const size_t n = std::min(per_host, steps);
  if (n == 0) return {};
  if (InProcess(host)) return std::vector<const libvirt::Connection*>(n, host.conn.get());
  std::vector<const libvirt::Connection*> out = {host.conn.get()};
  for (size_t k = 0; k < host.workers.size() && out.size() < n; ++k) {
    out.push_back(host.workers[k].get());
  }
  return out;
}

std::vector<std::vector<size_t>> SplitIntoStrands(const std::vector<std::string>& uuids,
                                                  size_t strands) {
  std::vector<std::vector<size_t>> out(strands);
  if (strands == 0) return out;
  std::unordered_map<std::string, size_t> strand_of;  // domain -> its strand
  for (size_t i = 0; i < uuids.size(); ++i) {
    const size_t next = strand_of.size() % strands;
    out[strand_of.emplace(uuids[i], next).first->second].push_back(i);
  }
  return out;
}

ApplyReport ExecutePlan(const Plan& plan, const std::map<std::string, HostSession*>& sessions,
                        Journal* journal, const ApplyOptions& options, std::ostream& progress) {
  return Applier(plan, sessions, journal, options, progress).Execute();
}

}  // namespace egov::orchestrator
