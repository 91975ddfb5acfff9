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
#include <ostream>
#include <set>
#include <unordered_map>

#include "common/cloud_init.h"
#include "common/file_digest.h"
#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"
#include "orchestrator/image_download.h"
#include "orchestrator/parallel.h"
#include "orchestrator/seed_iso.h"

namespace egov::orchestrator {
namespace {

using namespace std::chrono_literals;

// The capacity of a seed volume on a simulated host, which holds no seed.
constexpr uint64_t kSimulatedSeedBytes = 1 << 20;

struct Step {
  size_t index = 0;  // in the journal
  const Action* action = nullptr;
  bool validate = false;  // ask the host's libvirt to validate this definition too
  bool ok = false;
  std::string old_xml;  // replace under --atomic: the definition to restore
  bool was_active = false;
};

struct HostWork {
  std::string name;
  HostSession* session = nullptr;
  std::vector<Step> changes;
  std::vector<Step> deletes;
  std::atomic<bool> lost{false};
  std::atomic<bool> touched{false};
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
    RunPhase(&HostWork::changes);
    if (options_.atomic && report_.failed + report_.skipped > 0) {
      RollBack();
    } else {
      RunPhase(&HostWork::deletes);
      CleanUp();
    }
    Record();
    if (journal_) {
      journal_->FinishRun(report_.rolled_back                    ? "rolled-back"
                          : report_.failed + report_.skipped > 0 ? "failed"
                                                                 : "done");
    }
    return std::move(report_);
  }

 private:
  // Steps per host, journaled as pending before anything runs.
  void GroupSteps() {
    std::vector<StepRecord> records;
    std::set<std::pair<std::string, std::string>> validated;  // (libvirt, shape)
    for (const Action& a : plan_.actions) {
      if (a.kind == ActionKind::kUnchanged) continue;
      auto& w = work_[a.host];
      if (!w) w = std::make_unique<HostWork>();
      Step s;
      s.index = records.size();
      s.action = &a;
      // Every definition was checked against libvirt's schema when the plan was made. The
      // host's own libvirt (which costs 6-30 ms a call for this) also validates the first
      // definition of each shape it receives; simulated hosts all run in this process's libvirt.
      auto it = sessions_.find(a.host);
      const bool local = it != sessions_.end() && !it->second->sim_path.empty();
      s.validate = !a.xml.empty() &&
                   validated.emplace(local ? std::string("(local)") : a.host, Shape(a.xml)).second;
      (a.kind == ActionKind::kDelete ? w->deletes : w->changes).push_back(std::move(s));
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
      const size_t strands =
          std::min(options_.per_host, std::max(w.changes.size(), w.deletes.size()));
      try {
        if (strands > 1) OpenWorkers(*w.session, strands - 1);
      } catch (const std::exception&) {
        // The host then runs one strand per connection it has (StrandConnections): fewer calls
        // at once, never two on one connection.
      }
      std::set<std::string> nets, pools;
      std::map<std::string, const Disks*> bases;
      for (const Step& s : w.changes) {
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
        if (!options_.upload_progress || std::chrono::steady_clock::now() - last < 1s) return;
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

  // Runs `steps` of every host, all hosts at once, each host's on its strands.
  void RunPhase(std::vector<Step> HostWork::*steps) {
    struct Strand {
      HostWork* host;
      const libvirt::Connection* conn;
      std::vector<size_t> steps;
    };
    std::vector<Strand> strands;
    for (HostWork* w : hosts_) {
      const std::vector<Step>& list = w->*steps;
      if (!w->session) {  // every step is skipped
        std::vector<size_t> all(list.size());
        std::iota(all.begin(), all.end(), size_t{0});
        strands.push_back({w, nullptr, std::move(all)});
        continue;
      }
      const auto conns = StrandConnections(*w->session, options_.per_host, list.size());
      std::vector<std::string> uuids;
      for (const Step& s : list) uuids.push_back(s.action->uuid);
      auto split = SplitIntoStrands(uuids, conns.size());
      for (size_t k = 0; k < conns.size(); ++k)
        strands.push_back({w, conns[k], std::move(split[k])});
    }
    ParallelFor(strands.size(), options_.threads, [&](size_t i) {
      Strand& strand = strands[i];
      for (size_t j : strand.steps) RunOne(*strand.host, (strand.host->*steps)[j], strand.conn);
    });
  }

  void RunOne(HostWork& w, Step& s, const libvirt::Connection* conn) {
    const Action& a = *s.action;
    if (journal_) journal_->Fence();  // a holder that lost the lock changes no host
    if (w.lost) {
      const std::string why = "host lost: " + w.LostError();
      if (journal_) journal_->Mark(s.index, StepStatus::kSkipped, why);
      std::lock_guard lock(mu_);
      ++report_.skipped;
      return;
    }
    try {
      RunStep(*conn, w, s);
      s.ok = true;
      w.touched = true;
      if (journal_) journal_->Mark(s.index, StepStatus::kDone);
      std::lock_guard lock(mu_);
      ++report_.done;
      progress_ << "  " << ToString(a.kind) << " " << a.domain << " on " << a.host << ": done\n";
    } catch (const std::exception& e) {
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

  // All or nothing: undoes what the changes of this run did; the deletions never run.
  void RollBack() {
    report_.rolled_back = true;
    ForEachHost([&](HostWork& w) {
      for (auto it = w.changes.rbegin(); it != w.changes.rend(); ++it) {
        if (!it->ok) continue;
        try {
          UndoStep(*w.session->conn, *it);
          if (journal_) journal_->Mark(it->index, StepStatus::kUndone);
          std::lock_guard lock(mu_);
          ++report_.undone;
        } catch (const std::exception& e) {
          std::lock_guard lock(mu_);
          report_.errors.push_back("undo " + it->action->domain + ": " + e.what());
        }
      }
      for (Step& s : w.deletes) {
        if (journal_) journal_->Mark(s.index, StepStatus::kSkipped, "run rolled back");
        std::lock_guard lock(mu_);
        ++report_.skipped;
      }
    });
  }

  // A workload's own network and pool go once its last domain on the host is deleted.
  void CleanUp() {
    ForEachHost([&](HostWork& w) {
      if (w.lost) return;
      for (const Step& s : w.deletes) {
        if (!s.ok || !s.action->cleanup) continue;
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

  // Writes back simulated hosts and records what each host now runs.
  void Record() {
    ForEachHost([&](HostWork& w) {
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

  const Plan& plan_;
  const std::map<std::string, HostSession*>& sessions_;
  Journal* journal_;
  const ApplyOptions& options_;
  std::ostream& progress_;
  std::map<std::string, std::unique_ptr<HostWork>> work_;
  std::vector<HostWork*> hosts_;
  std::mutex mu_;  // guards report_ and progress_
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
