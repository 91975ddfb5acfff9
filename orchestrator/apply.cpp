#include "orchestrator/apply.h"

#include <libvirt/virterror.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <ostream>
#include <set>

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
  std::mutex mu;
  std::string lost_error;
  std::atomic<bool> touched{false};
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

}  // namespace

ApplyReport ExecutePlan(const Plan& plan, const std::map<std::string, HostSession*>& sessions,
                        Journal* journal, const ApplyOptions& options, std::ostream& progress) {
  ApplyReport report;
  std::mutex mu;  // guards report and progress
  std::vector<StepRecord> records;
  std::map<std::string, std::unique_ptr<HostWork>> work;
  std::set<std::pair<std::string, std::string>> validated;  // (libvirt, shape)
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kUnchanged) continue;
    auto& w = work[a.host];
    if (!w) w = std::make_unique<HostWork>();
    Step s;
    s.index = records.size();
    s.action = &a;
    // Every definition was checked against libvirt's schema when the plan was made. The host's
    // own libvirt (which costs 6-30 ms a call for this) also validates the first definition
    // of each shape it receives; simulated hosts all run in this process's libvirt.
    auto it = sessions.find(a.host);
    const bool local = it != sessions.end() && !it->second->sim_path.empty();
    s.validate = !a.xml.empty() &&
                 validated.emplace(local ? std::string("(local)") : a.host, Shape(a.xml)).second;
    (a.kind == ActionKind::kDelete ? w->deletes : w->changes).push_back(std::move(s));
    records.push_back({a.host, a.domain, a.uuid, ToString(a.kind), a.reason});
  }
  if (journal) {
    journal->BeginRun("apply", plan.fingerprint, options.atomic ? "atomic" : "best-effort",
                      records);
  }

  std::vector<HostWork*> hosts;
  for (auto& [name, w] : work) {
    w->name = name;
    auto it = sessions.find(name);
    if (it == sessions.end() || !it->second->reachable || !it->second->conn) {
      w->lost = true;
      w->lost_error = it == sessions.end() ? "host not in the inventory" : it->second->error;
    } else {
      w->session = it->second;
    }
    hosts.push_back(w.get());
  }

  auto fail_host = [&](HostWork& w, const std::string& why) {
    std::lock_guard lock(w.mu);
    if (!w.lost.exchange(true)) w.lost_error = why;
  };
  auto run = [&](HostWork& w, Step& s, const libvirt::Connection* conn) {
    const Action& a = *s.action;
    if (w.lost) {
      if (journal) journal->Mark(s.index, StepStatus::kSkipped, "host lost: " + w.lost_error);
      std::lock_guard lock(mu);
      ++report.skipped;
      return;
    }
    try {
      RunStep(*conn, s, options.atomic);
      s.ok = true;
      w.touched = true;
      if (journal) journal->Mark(s.index, StepStatus::kDone);
      std::lock_guard lock(mu);
      ++report.done;
      progress << "  " << ToString(a.kind) << " " << a.domain << " on " << a.host << ": done\n";
    } catch (const std::exception& e) {
      const auto* lv = dynamic_cast<const libvirt::Error*>(&e);
      if ((lv && lv->connection_lost()) || !conn->IsAlive()) fail_host(w, e.what());
      if (journal) journal->Mark(s.index, StepStatus::kFailed, e.what());
      std::lock_guard lock(mu);
      ++report.failed;
      report.errors.push_back(std::string(ToString(a.kind)) + " " + a.domain + " on " + a.host +
                              ": " + e.what());
      progress << "  " << ToString(a.kind) << " " << a.domain << " on " << a.host
               << ": FAILED: " << e.what() << "\n";
    }
  };
  // Runs `steps` of every host, `per_host` strands per host, all hosts at once.
  auto run_all = [&](std::vector<Step> HostWork::*steps) {
    std::vector<std::pair<HostWork*, size_t>> strands;
    for (HostWork* w : hosts) {
      const size_t n = std::min(options.per_host, (w->*steps).size());
      for (size_t k = 0; k < n; ++k) strands.emplace_back(w, k);
    }
    ParallelFor(strands.size(), options.threads, [&](size_t i) {
      auto [w, k] = strands[i];
      const size_t n = std::min(options.per_host, (w->*steps).size());
      // Remote hosts: one connection per strand; simulated hosts share their one connection.
      const libvirt::Connection* conn = w->session ? w->session->conn.get() : nullptr;
      if (w->session && k > 0 && k - 1 < w->session->workers.size()) {
        conn = w->session->workers[k - 1].get();
      }
      for (size_t j = k; j < (w->*steps).size(); j += n) run(*w, (w->*steps)[j], conn);
    });
  };

  // Networks and pools of logical separation exist before the domains that use them.
  ParallelFor(hosts.size(), options.threads, [&](size_t i) {
    HostWork& w = *hosts[i];
    if (w.lost) return;
    std::set<std::string> nets, pools;
    for (const Step& s : w.changes) {
      if (!s.action->network.empty()) nets.insert(s.action->network);
      if (!s.action->pool.empty()) pools.insert(s.action->pool);
    }
    try {
      const size_t strands =
          std::min(options.per_host, std::max(w.changes.size(), w.deletes.size()));
      try {
        if (strands > 1) OpenWorkers(*w.session, strands - 1);
      } catch (const std::exception&) {
        // Fewer connections only means fewer calls at once; the main one carries on.
      }
      for (const auto& n : nets) EnsureNetwork(*w.session->conn, n);
      for (const auto& p : pools) EnsurePool(*w.session->conn, p);
      if (!nets.empty() || !pools.empty()) w.touched = true;
    } catch (const std::exception& e) {
      fail_host(w, e.what());
    }
  });
  run_all(&HostWork::changes);

  if (options.atomic && report.failed + report.skipped > 0) {
    report.rolled_back = true;
    ParallelFor(hosts.size(), options.threads, [&](size_t i) {
      HostWork& w = *hosts[i];
      for (auto it = w.changes.rbegin(); it != w.changes.rend(); ++it) {
        if (!it->ok) continue;
        try {
          UndoStep(*w.session->conn, *it);
          if (journal) journal->Mark(it->index, StepStatus::kUndone);
          std::lock_guard lock(mu);
          ++report.undone;
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          report.errors.push_back("undo " + it->action->domain + ": " + e.what());
        }
      }
      for (Step& s : w.deletes) {
        if (journal) journal->Mark(s.index, StepStatus::kSkipped, "run rolled back");
        std::lock_guard lock(mu);
        ++report.skipped;
      }
    });
  } else {
    run_all(&HostWork::deletes);
    ParallelFor(hosts.size(), options.threads, [&](size_t i) {
      HostWork& w = *hosts[i];
      if (w.lost) return;
      for (const Step& s : w.deletes) {
        if (!s.ok || !s.action->cleanup) continue;
        try {
          if (!s.action->network.empty()) RemoveNetwork(*w.session->conn, s.action->network);
          if (!s.action->pool.empty()) RemovePool(*w.session->conn, s.action->pool);
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          report.errors.push_back("cleanup after " + s.action->domain + ": " + e.what());
        }
      }
    });
  }

  // Write back simulated hosts and remember what each host now runs.
  ParallelFor(hosts.size(), options.threads, [&](size_t i) {
    HostWork& w = *hosts[i];
    if (!w.session || w.lost) {
      std::lock_guard lock(mu);
      report.failed_hosts[w.name] = w.lost_error;
      return;
    }
    try {
      if (w.touched) SaveSimulatedHost(*w.session);
      ReadHost(*w.session);
      if (journal) {
        std::vector<KnownDomain> known;
        for (const auto& d : w.session->domains) {
          if (!d.metadata) continue;
          known.push_back({w.session->ref.host->name, d.name, d.uuid, d.metadata->workload,
                           d.metadata->replica, d.metadata->spec_hash});
        }
        journal->RecordHost(w.session->ref.host->name, known);
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      report.errors.push_back(std::string("after apply on ") + w.session->ref.host->name + ": " +
                              e.what());
    }
  });
  if (journal) {
    journal->FinishRun(report.rolled_back                   ? "rolled-back"
                       : report.failed + report.skipped > 0 ? "failed"
                                                            : "done");
  }
  return report;
}

}  // namespace egov::orchestrator
