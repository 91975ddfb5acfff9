#include "orchestrator/apply.h"

#include <libvirt/virterror.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <numeric>
#include <ostream>
#include <set>
#include <unordered_map>

#include "orchestrator/domain_xml.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator {
namespace {

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

void RunStep(const libvirt::Connection& c, Step& s, bool atomic) {
  const Action& a = *s.action;
  switch (a.kind) {
    case ActionKind::kCreate: {
      libvirt::DomainPtr dom = c.DefineDomain(a.xml, s.validate);
      libvirt::EnsureDomainRunning(dom.get());
      break;
    }
    case ActionKind::kReplace: {
      if (atomic) {
        if (libvirt::DomainPtr old = c.LookupDomainByUuid(a.uuid)) {
          s.old_xml =
              libvirt::GetDomainXml(old.get(), VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
          s.was_active = libvirt::DomainIsActive(old.get());
        }
      }
      // Redefining with the same UUID updates the domain in place; a restart applies it.
      libvirt::DomainPtr dom = c.DefineDomain(a.xml, s.validate);
      libvirt::StopDomain(dom.get());
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
      libvirt::DomainPtr dom = c.LookupDomainByUuid(a.uuid);
      if (!dom) break;  // already gone (a rerun after a crash): nothing to do
      IgnoreIfGone(VIR_ERR_NO_DOMAIN, [&] {
        libvirt::StopDomain(dom.get());
        libvirt::UndefineDomain(dom.get());
      });
      break;
    }
    case ActionKind::kUnchanged:
      break;
  }
}

// Puts back what a successful step of this run changed (all-or-nothing mode).
void UndoStep(const libvirt::Connection& c, const Step& s) {
  const Action& a = *s.action;
  libvirt::DomainPtr dom = c.LookupDomainByUuid(a.uuid);
  if (a.kind == ActionKind::kCreate) {
    if (!dom) return;
    libvirt::StopDomain(dom.get());
    libvirt::UndefineDomain(dom.get());
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
    ParallelFor(hosts_.size(), options_.threads, [&](size_t i) { fn(*hosts_[i]); });
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
      for (const Step& s : w.changes) {
        if (!s.action->network.empty()) nets.insert(s.action->network);
        if (!s.action->pool.empty()) pools.insert(s.action->pool);
      }
      try {
        for (const auto& n : nets) EnsureNetwork(*w.session->conn, n);
        for (const auto& p : pools) EnsurePool(*w.session->conn, p);
        if (!nets.empty() || !pools.empty()) w.touched = true;
      } catch (const std::exception& e) {
        w.Fail(e.what());
      }
    });
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
    if (w.lost) {
      const std::string why = "host lost: " + w.LostError();
      if (journal_) journal_->Mark(s.index, StepStatus::kSkipped, why);
      std::lock_guard lock(mu_);
      ++report_.skipped;
      return;
    }
    try {
      RunStep(*conn, s, options_.atomic);
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
        ReadHost(*w.session->conn, now);
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
