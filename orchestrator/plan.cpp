#include "orchestrator/plan.h"

#include <algorithm>
#include <ostream>
#include <set>
#include <tuple>

#include "common/enum_names.h"
#include "common/units.h"
#include "orchestrator/desired.h"
#include "orchestrator/domain_xml.h"
#include "orchestrator/images.h"
#include "orchestrator/parallel.h"

namespace egov::orchestrator {
namespace {

constexpr ActionKind kKinds[] = {ActionKind::kCreate, ActionKind::kReplace, ActionKind::kStart,
                                 ActionKind::kDelete, ActionKind::kUnchanged};

constexpr const char* kKindNames[] = {"create", "replace", "start", "delete", "unchanged"};

ActionKind KindFromString(const std::string& s) {
  if (auto kind = EnumFromName<ActionKind>(kKindNames, s)) return *kind;
  throw std::invalid_argument("unknown action '" + s + "'");
}

PlacementHost ToPlacementHost(const ObservedHost& o, const Observation& observed) {
  const FleetHost& f = o.ref;
  PlacementHost h;
  h.name = f.host->name;
  h.provider = f.provider->name;
  h.zone = f.zone->name;
  h.residency = f.provider->residency;
  h.cert_level = f.provider->certification.max_security_level;
  h.cert_expires = f.provider->certification.expires;
  h.labels = f.host->labels;
  h.capacity = f.host->capacity;
  h.overcommit = f.host->overcommit;
  if (auto it = observed.compliance.find(h.name); it != observed.compliance.end()) {
    for (const auto& [profile, v] : it->second) h.compliance[profile] = v.compliance;
  }
  h.reachable = o.reachable;
  h.state = f.host->state;
  // Base images and seeds take the space they hold (they are never written); root disks count
  // at their full capacity with their replicas (AddExisting), so thin overlays never overcommit
  // the host's disk.
  for (const auto& [pool, volumes] : o.volumes) {
    for (const auto& v : volumes) {
      if (!v.name.ends_with("-root")) h.unmanaged.disk += v.allocation;
    }
  }
  for (const auto& d : o.domains) {
    if (d.metadata) continue;
    h.runs_unmanaged = true;
    h.unmanaged.vcpus += d.vcpus;
    h.unmanaged.memory += d.memory_bytes;
  }
  return h;
}

// The replicas found on host `i`: its managed domains, or for a host that cannot be read what
// the journal last saw there (unknown, not gone).
void AddExisting(const Inventory& inv, const Observation& observed, size_t i, PlanningModel& m) {
  const ObservedHost& o = observed.hosts[i];
  const std::string& host = o.ref.host->name;
  if (!o.reachable) {
    auto it = observed.known.find(host);
    if (it == observed.known.end()) return;
    for (const auto& k : it->second) {
      ExistingReplica e{k.workload, k.replica, host, k.spec_hash, {}, true};
      if (const Workload* w = inv.FindWorkload(k.workload)) e.resources = w->resources;
      m.existing.push_back(std::move(e));
      m.found.emplace_back(i, -1);
    }
    return;
  }
  const auto record = observed.known.find(host);
  for (size_t d = 0; d < o.domains.size(); ++d) {
    const ObservedDomain& dom = o.domains[d];
    if (!dom.metadata) continue;
    ExistingReplica e;
    e.recorded = record != observed.known.end() &&
                 std::any_of(record->second.begin(), record->second.end(),
                             [&](const KnownDomain& k) { return k.uuid == dom.uuid; });
    e.workload = dom.metadata->workload;
    e.replica = dom.metadata->replica;
    e.host = host;
    e.spec_hash = dom.metadata->spec_hash;
    e.resources.vcpus = dom.vcpus;
    e.resources.memory = dom.memory_bytes;
    if (const Workload* w = inv.FindWorkload(e.workload)) e.resources.disk = w->resources.disk;
    if (const StorageVolume* root =
            o.FindVolume(SeparationName(e.workload), RootVolumeName(dom.name))) {
      e.resources.disk = root->capacity;  // what the host really gave it
    }
    m.existing.push_back(std::move(e));
    m.found.emplace_back(i, static_cast<int>(d));
  }
}

std::string NetworkFor(const Workload& w, const PlacementWorkload& e) {
  if (e.separation == Separation::kLogical) return SeparationName(w.name);
  return w.network;
}

// The disks a replica of `spec` gets from `image`.
Disks DisksFor(const Workload& spec, const Image& image) {
  return {image.name, BaseVolumeName(image), ToString(image.format), spec.resources.disk,
          CloudInitDigest(spec.cloud_init)};
}

// The definition of `a`'s replica on `host`, with the network and pool to ensure first.
void Define(Action& a, const Workload& spec, const PlacementWorkload& eff, const Image* image,
            const ObservedHost& host) {
  DomainRequest req;
  req.name = a.domain;
  req.uuid = a.uuid;
  req.workload = &spec;
  req.network = NetworkFor(spec, eff);
  req.metadata = {spec.name,           spec.agency,   spec.system,
                  spec.security_level, a.replica,     host.ref.provider->name,
                  host.ref.zone->name, eff.spec_hash, spec.health ? spec.health->url : "",
                  req.network};
  if (image) {
    req.disk_pool = SeparationName(spec.name);
    a.disks = DisksFor(spec, *image);
  }
  a.xml = BuildDomainXml(req, host.traits);
  a.network = req.network;
  if (eff.separation == Separation::kLogical || image) a.pool = SeparationName(spec.name);
}

std::string Join(const std::vector<FieldChange>& changes) {
  std::string out;
  for (const auto& c : changes) {
    out += (out.empty() ? "" : ", ") + c.field + " " + c.from + " -> " + c.to;
  }
  return out;
}

std::string FileName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// What the domain of a replica has now against what its workload asks, field by field: the
// size as libvirt reports it, the root disk from its volume, the rest from the metadata egovctl
// wrote when it defined the domain (a field the domain does not record is not compared).
std::vector<FieldChange> FieldChanges(const ObservedDomain& d, const Workload& spec,
                                      const PlacementWorkload& eff, const StorageVolume* root,
                                      const std::optional<Disks>& disks) {
  std::vector<FieldChange> out = SizeChanges(d, eff.resources);
  if (disks && root) {
    if (root->capacity != disks->capacity) {
      out.push_back({"disk", FormatSize(root->capacity), FormatSize(disks->capacity)});
    }
    if (const std::string image = FileName(root->backing_path); image != disks->base) {
      out.push_back({"image", image.empty() ? "none" : image, disks->base});
    }
  }
  if (!d.metadata) return out;
  const DomainMetadata& m = *d.metadata;
  auto compare = [&](const char* field, const std::string& from, const std::string& to) {
    if (from != to) out.push_back({field, from.empty() ? "none" : from, to.empty() ? "none" : to});
  };
  if (!m.network.empty()) compare("network", m.network, NetworkFor(spec, eff));
  compare("security_level", std::to_string(m.security_level), std::to_string(spec.security_level));
  compare("agency", m.agency, spec.agency);
  compare("system", m.system, spec.system);
  compare("health", m.health_url, spec.health ? spec.health->url : "");
  return out;
}

// What a replica that stays on its host needs: a replace when it was defined from another spec
// or resized since (drift reports both) or its root disk must be made anew, a start when it is
// not running, else nothing. A replace says what becomes of the root disk.
void CompareWithDesired(Action& a, const ExistingReplica& e, const ObservedDomain& d,
                        const Workload& spec, const PlacementWorkload& eff,
                        const ObservedHost& host, const std::optional<Disks>& disks) {
  a.domain = d.name;
  a.uuid = d.uuid;
  a.state = StateName(d.state);
  const StorageVolume* volume =
      disks ? host.FindVolume(SeparationName(eff.name), RootVolumeName(d.name)) : nullptr;
  const std::string root = disks ? RootDiskChange(volume, *disks) : "";
  const std::string disk_note = !disks         ? ""
                                : root.empty() ? "; root disk kept"
                                               : "; new root disk (" + root + ")";
  a.changes = FieldChanges(d, spec, eff, volume, disks);
  if (e.spec_hash != eff.spec_hash) {
    a.kind = ActionKind::kReplace;
    a.reason = a.changes.empty() ? "spec changed (" + (e.spec_hash.empty() ? "none" : e.spec_hash) +
                                       " -> " + eff.spec_hash + ")"
                                 : Join(a.changes);
    a.reason += disk_note;
  } else if (const auto changes = SizeChanges(d, eff.resources); !changes.empty()) {
    a.kind = ActionKind::kReplace;
    a.reason = "resized outside egovctl: " + Join(changes) + disk_note;
  } else if (!root.empty()) {
    a.kind = ActionKind::kReplace;
    a.reason = "new root disk (" + root + ")";
  } else if (d.state != RunState::kRunning) {
    a.kind = ActionKind::kStart;
    a.reason = std::string("domain is ") + a.state;
  }
}

// A replica without a place: why, what stands in its way and what would make room.
Unplaced ToUnplaced(const PlanningModel& m, const Assignment& as, int placed) {
  const PlacementWorkload& eff = m.workloads[as.workload];
  Unplaced u;
  u.workload = eff.name;
  u.replica = as.replica;
  u.summary = SummarizeRefusals(as, eff, m.hosts.size());
  for (size_t i = 0; i < kReasonCount; ++i) {
    if (as.refused[i]) u.reasons[ReasonCode(static_cast<Reason>(i))] = int(as.refused[i]);
  }
  if (as.kept >= 0) {
    u.host = m.existing[static_cast<size_t>(as.kept)].host;
    for (Reason r : as.must_move) {
      u.must_move += (u.must_move.empty() ? "" : ", ") + DescribeReason(r, eff);
    }
  }
  for (const Blocker& b : as.in_the_way) {
    const std::string& host = m.hosts[b.host].name;
    if (b.workload < 0) {
      u.in_the_way.push_back("domains egovctl does not manage on " + host);
      continue;
    }
    const PlacementWorkload& w = m.workloads[static_cast<size_t>(b.workload)];
    std::string text = b.replica < 0 ? "a domain of " + w.name + " being deleted on " + host
                                     : DomainName(w.name, b.replica) + " on " + host;
    text += " (level " + std::to_string(w.level);
    if (b.moves_to >= 0) text += ", moves to " + m.hosts[static_cast<size_t>(b.moves_to)].name;
    u.in_the_way.push_back(text + ")");
  }
  if (as.room_on >= 0) u.room_on = m.hosts[static_cast<size_t>(as.room_on)].name;
  u.to_make_room = WaysToMakeRoom(as, eff, placed);
  return u;
}

// An action on replica `e` as found on its host, domain `d`.
Action OnExisting(ActionKind kind, const ExistingReplica& e, const ObservedDomain& d) {
  Action a;
  a.kind = kind;
  a.host = e.host;
  a.workload = e.workload;
  a.replica = e.replica;
  a.domain = d.name;
  a.uuid = d.uuid;
  a.state = StateName(d.state);
  return a;
}

// The replica that must move but stays where it is, as the plan leaves it: untouched.
Action KeptAction(const PlanningModel& m, const Assignment& as,
                  const std::vector<ObservedHost>& hosts, const Unplaced& u) {
  const ExistingReplica& e = m.existing[static_cast<size_t>(as.kept)];
  const auto [hi, di] = m.found[static_cast<size_t>(as.kept)];
  Action a = OnExisting(ActionKind::kUnchanged, e, hosts[hi].domains[static_cast<size_t>(di)]);
  a.reason = "must move (" + u.must_move + ") but no host qualifies: stays";
  return a;
}

using Moves = std::map<std::pair<std::string, int>, const Eviction*>;  // replica -> its eviction

// The action of a replica placed on a host: unchanged, replace or start where it stays, create
// where it is new or moves to.
Action ActionFor(const PlanningModel& m, const Assignment& as,
                 const std::vector<ObservedHost>& hosts, const Moves& moved) {
  const PlacementWorkload& eff = m.workloads[as.workload];
  Action a;
  a.host = hosts[static_cast<size_t>(as.host)].ref.host->name;
  a.workload = eff.name;
  a.replica = as.replica;
  a.domain = DomainName(eff.name, as.replica);
  a.uuid = ReplicaUuid(eff.name, as.replica);
  if (as.existing < 0) {
    a.kind = ActionKind::kCreate;
    auto mv = moved.find({eff.name, as.replica});
    if (mv == moved.end()) {
      a.reason = "new replica";
    } else {
      const std::string& from = m.existing[mv->second->existing].host;
      a.reason = "moved from " + from + " (" + mv->second->why + ")";
      a.changes.push_back({"host", from, a.host});
    }
    return a;
  }
  const ExistingReplica& e = m.existing[static_cast<size_t>(as.existing)];
  const auto [hi, di] = m.found[static_cast<size_t>(as.existing)];
  if (e.unknown) {
    a.state = "unknown";
    a.reason = "host unreachable; last seen there";
  } else {
    const Image* image = m.images[as.workload];
    CompareWithDesired(
        a, e, hosts[hi].domains[static_cast<size_t>(di)], *m.specs[as.workload], eff, hosts[hi],
        image ? std::optional(DisksFor(*m.specs[as.workload], *image)) : std::nullopt);
  }
  return a;
}

// A host whose compliance the workload's level requires, but nobody knows.
bool ComplianceUnknown(const PlacementWorkload& eff, const PlacementHost& host) {
  if (!eff.require_compliance) return false;
  auto it = host.compliance.find(eff.profile);
  return it == host.compliance.end() || it->second == Compliance::kUnknown;
}

void AddComplianceNotes(const PlanningModel& m,
                        const std::map<size_t, std::vector<std::string>>& unknown, Plan& plan) {
  for (const auto& [w, names] : unknown) {
    const PlacementWorkload& eff = m.workloads[w];
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    plan.notes.push_back(eff.name + ": " + std::to_string(names.size()) +
                         " new replica(s) go to hosts whose compliance with " + eff.profile +
                         " is unknown (" + list + "); the policy allows it at level " +
                         std::to_string(eff.level));
  }
}

// Creates, replaces, starts and unchanged replicas, with their definitions, and the replicas
// that cannot be placed. Notes the new replicas that go to hosts of unknown compliance.
void AddPlacements(const PlanningModel& m, const PlacementResult& placement,
                   const std::vector<ObservedHost>& hosts, Plan& plan) {
  Moves moved;
  for (const auto& ev : placement.evictions) {
    const ExistingReplica& e = m.existing[ev.existing];
    moved.emplace(std::make_pair(e.workload, e.replica), &ev);
  }
  std::map<size_t, std::vector<std::string>> unknown_compliance;  // workload -> hosts
  std::vector<std::pair<size_t, const Assignment*>> definitions;  // action, its assignment
  std::vector<int> placed(m.workloads.size());
  for (const Assignment& as : placement.assignments) placed[as.workload] += as.host >= 0;
  for (const Assignment& as : placement.assignments) {
    const PlacementWorkload& eff = m.workloads[as.workload];
    if (as.host < 0) {
      plan.unplaced.push_back(ToUnplaced(m, as, placed[as.workload]));
      if (as.kept >= 0) plan.actions.push_back(KeptAction(m, as, hosts, plan.unplaced.back()));
      continue;
    }
    Action a = ActionFor(m, as, hosts, moved);
    if (a.kind == ActionKind::kCreate &&
        ComplianceUnknown(eff, m.hosts[static_cast<size_t>(as.host)])) {
      unknown_compliance[as.workload].push_back(a.host);
    }
    if (a.kind == ActionKind::kCreate || a.kind == ActionKind::kReplace) {
      definitions.emplace_back(plan.actions.size(), &as);
    }
    plan.actions.push_back(std::move(a));
  }
  // Definitions are a good part of a plan's time: both cores.
  ParallelFor(definitions.size(), Cores(), [&](size_t i) {
    const auto [action, as] = definitions[i];
    Define(plan.actions[action], *m.specs[as->workload], m.workloads[as->workload],
           m.images[as->workload], hosts[static_cast<size_t>(as->host)]);
  });
  AddComplianceNotes(m, unknown_compliance, plan);
}

// Why hosts do not pass the profiles the workloads require, one note per profile, verdict and
// reason (a fleet of agents refusing the same credentials makes one line).
void AddComplianceReasons(const PlanningModel& m, const Observation& observed, Plan& plan) {
  std::set<std::string> required;
  for (const auto& w : m.workloads) {
    if (w.require_compliance) required.insert(w.profile);
  }
  std::map<std::tuple<std::string, Compliance, std::string>, std::vector<std::string>> groups;
  for (const auto& h : m.hosts) {
    auto it = observed.compliance.find(h.name);
    if (it == observed.compliance.end()) continue;
    for (const auto& profile : required) {
      auto v = it->second.find(profile);
      if (v == it->second.end() || v->second.compliance == Compliance::kPass) continue;
      groups[{profile, v->second.compliance, v->second.reason}].push_back(h.name);
    }
  }
  constexpr size_t kNamed = 5;
  for (const auto& [key, hosts] : groups) {
    const auto& [profile, compliance, reason] = key;
    std::string list;
    for (size_t i = 0; i < hosts.size() && i < kNamed; ++i) list += (i ? ", " : "") + hosts[i];
    if (hosts.size() > kNamed) list += " and " + std::to_string(hosts.size() - kNamed) + " more";
    plan.notes.push_back(
        (compliance == Compliance::kFail ? "not compliant with " : "compliance with ") + profile +
        (compliance == Compliance::kFail ? "" : " unknown") + " on " + list + ": " + reason);
  }
}

// Deletions; a workload's own network and pool go with its last domain on a host.
void AddDeletions(const PlanningModel& m, const PlacementResult& placement,
                  const std::vector<ObservedHost>& hosts, Plan& plan) {
  std::set<std::pair<std::string, std::string>> staying;  // (host, workload)
  for (const auto& a : plan.actions) staying.emplace(a.host, a.workload);
  for (const auto& ev : placement.evictions) {
    const ExistingReplica& e = m.existing[ev.existing];
    const auto [hi, di] = m.found[ev.existing];
    if (di < 0) continue;  // only known from the journal: never evicted
    const ObservedHost& h = hosts[hi];
    Action a = OnExisting(ActionKind::kDelete, e, h.domains[static_cast<size_t>(di)]);
    a.reason = ev.why;
    const std::string own = SeparationName(e.workload);
    if (!staying.count({e.host, e.workload}) && (h.networks.count(own) || h.pools.count(own))) {
      a.cleanup = true;
      a.network = h.networks.count(own) ? own : "";
      a.pool = h.pools.count(own) ? own : "";
      staying.emplace(e.host, e.workload);  // one cleanup per host and workload
    }
    plan.actions.push_back(std::move(a));
  }
}

// Hosts that cannot be read, the domains egovctl leaves alone, and base images an upload cut
// short left (apply sends such a base again when a step of it needs the base).
void AddHostNotes(const std::vector<ObservedHost>& hosts, Plan& plan) {
  for (const HostImage& i : ListHostImages(hosts)) {
    if (i.state != BaseState::kIncomplete) continue;
    plan.notes.push_back(i.host + " has base image " + i.volume.name +
                         " without its completion marker (an upload that did not finish): " +
                         (i.users.empty() ? "apply sends it again when a replica needs it"
                                          : "it backs " + std::to_string(i.users.size()) +
                                                " root disk(s); apply sends it again when a "
                                                "replica on it is created or replaced"));
  }
  for (const auto& h : hosts) {
    if (!h.reachable) {
      plan.unreachable[h.ref.host->name] = h.error;
      continue;
    }
    const auto unmanaged = std::count_if(h.domains.begin(), h.domains.end(),
                                         [](const ObservedDomain& d) { return !d.metadata; });
    if (unmanaged > 0) {
      plan.notes.push_back(h.ref.host->name + " runs " + std::to_string(unmanaged) +
                           " domain(s) egovctl does not manage (left alone)");
    }
  }
}

}  // namespace

std::string RootDiskChange(const StorageVolume* root, const Disks& disks) {
  if (!root) return "none yet";
  if (FileName(root->backing_path) != disks.base) {
    return "image " + (root->backing_path.empty() ? "none" : FileName(root->backing_path)) +
           " -> " + disks.base;
  }
  if (root->capacity != disks.capacity) {
    return "disk " + FormatSize(root->capacity) + " -> " + FormatSize(disks.capacity);
  }
  return {};
}

const char* ToString(ActionKind kind) { return EnumName(kKindNames, kind); }

size_t Plan::Count(ActionKind kind) const {
  return static_cast<size_t>(std::count_if(actions.begin(), actions.end(),
                                           [&](const Action& a) { return a.kind == kind; }));
}

bool Plan::HasChanges() const { return actions.size() != Count(ActionKind::kUnchanged); }

PlanningModel BuildModel(const Inventory& inv, const Policy& policy, const Observation& observed) {
  PlanningModel m;
  for (const auto& w : inv.workloads) {
    m.workloads.push_back(Effective(w, policy));
    m.specs.push_back(&w);
    m.images.push_back(w.image.empty() ? nullptr : inv.FindImage(w.image));
  }
  for (size_t i = 0; i < observed.hosts.size(); ++i) {
    m.hosts.push_back(ToPlacementHost(observed.hosts[i], observed));
    AddExisting(inv, observed, i, m);
  }
  return m;
}

Plan BuildPlan(const PlanningModel& m, const PlacementResult& placement,
               const std::vector<ObservedHost>& hosts) {
  Plan plan;
  plan.seed = placement.seed;
  plan.strategy = placement.strategy;
  plan.fingerprint = Fingerprint(hosts);
  AddPlacements(m, placement, hosts, plan);
  AddDeletions(m, placement, hosts, plan);
  AddHostNotes(hosts, plan);
  return plan;
}

std::optional<std::string> ValidateDefinitions(const Plan& plan) {
  std::vector<const Action*> defined;
  for (const auto& a : plan.actions) {
    if (a.kind == ActionKind::kCreate || a.kind == ActionKind::kReplace) defined.push_back(&a);
  }
  // About 40 us each, most of a plan's time: both cores.
  std::vector<std::optional<std::string>> problems(defined.size());
  ParallelFor(defined.size(), Cores(), [&](size_t i) {
    const Action& a = *defined[i];
    problems[i] = ValidateDomainXml(a.xml, {a.domain, a.uuid, a.workload, a.replica});
  });
  for (size_t i = 0; i < defined.size(); ++i) {
    if (problems[i]) return defined[i]->domain + " on " + defined[i]->host + ": " + *problems[i];
  }
  return std::nullopt;
}

std::string ComplianceReason(const Observation& observed, const std::string& host,
                             const std::string& profile) {
  auto h = observed.compliance.find(host);
  if (h == observed.compliance.end()) return "";
  auto v = h->second.find(profile);
  return v == h->second.end() ? "" : v->second.reason;
}

Planned MakePlan(const Inventory& inv, const Policy& policy, const Observation& observed,
                 const PlacementOptions& options) {
  Planned p;
  p.model = BuildModel(inv, policy, observed);
  p.placement = Place(p.model.hosts, p.model.workloads, p.model.existing, options);
  p.plan = BuildPlan(p.model, p.placement, observed.hosts);
  AddComplianceReasons(p.model, observed, p.plan);
  if (auto problem = ValidateDefinitions(p.plan)) {
    throw std::runtime_error("generated definition of " + *problem);
  }
  return p;
}

nlohmann::json ToJson(const Plan& plan) {
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& a : plan.actions) {
    nlohmann::json j = {{"action", ToString(a.kind)}, {"host", a.host},
                        {"workload", a.workload},     {"replica", a.replica},
                        {"domain", a.domain},         {"uuid", a.uuid},
                        {"reason", a.reason}};
    if (!a.state.empty()) j["state"] = a.state;
    if (!a.xml.empty()) j["xml"] = a.xml;
    if (!a.network.empty()) j["network"] = a.network;
    if (!a.pool.empty()) j["pool"] = a.pool;
    if (a.cleanup) j["cleanup"] = true;
    if (!a.changes.empty()) {
      j["changes"] = nlohmann::json::array();
      for (const auto& c : a.changes) {
        j["changes"].push_back({{"field", c.field}, {"from", c.from}, {"to", c.to}});
      }
    }
    if (a.disks) {
      j["disks"] = {{"image", a.disks->image},
                    {"base", a.disks->base},
                    {"format", a.disks->format},
                    {"capacity", a.disks->capacity},
                    {"cloud_init", a.disks->cloud_init}};
    }
    actions.push_back(std::move(j));
  }
  nlohmann::json unplaced = nlohmann::json::array();
  for (const auto& u : plan.unplaced) {
    nlohmann::json j = {{"workload", u.workload},     {"replica", u.replica},
                        {"summary", u.summary},       {"reasons", u.reasons},
                        {"in_the_way", u.in_the_way}, {"to_make_room", u.to_make_room}};
    if (!u.host.empty()) j["stays_on"] = {{"host", u.host}, {"must_move", u.must_move}};
    if (!u.room_on.empty()) j["room_on"] = u.room_on;
    unplaced.push_back(std::move(j));
  }
  nlohmann::json summary = nlohmann::json::object();
  for (ActionKind k : kKinds) summary[ToString(k)] = plan.Count(k);
  summary["unplaced"] = plan.unplaced.size();
  return {{"schema", "egov.plan/v1"},
          {"fingerprint", plan.fingerprint},
          {"seed", plan.seed},
          {"strategy", plan.strategy == Strategy::kSpread ? "spread" : "binpack"},
          {"summary", summary},
          {"changes", plan.HasChanges()},
          {"actions", actions},
          {"unplaced", unplaced},
          {"unreachable", plan.unreachable},
          {"notes", plan.notes}};
}

Plan PlanFromJson(const nlohmann::json& j, const std::string& file) {
  try {
    if (!j.is_object() || j.value("schema", "") != "egov.plan/v1") {
      throw std::invalid_argument("not a saved plan (expected schema egov.plan/v1)");
    }
    Plan plan;
    plan.fingerprint = j.at("fingerprint").get<std::string>();
    plan.seed = j.at("seed").get<uint64_t>();
    plan.strategy = j.at("strategy") == "binpack" ? Strategy::kBinpack : Strategy::kSpread;
    for (const auto& x : j.at("actions")) {
      Action a;
      a.kind = KindFromString(x.at("action").get<std::string>());
      a.host = x.at("host").get<std::string>();
      a.workload = x.at("workload").get<std::string>();
      a.replica = x.at("replica").get<int>();
      a.domain = x.at("domain").get<std::string>();
      a.uuid = x.at("uuid").get<std::string>();
      a.reason = x.value("reason", "");
      a.state = x.value("state", "");
      a.xml = x.value("xml", "");
      a.network = x.value("network", "");
      a.pool = x.value("pool", "");
      a.cleanup = x.value("cleanup", false);
      for (const auto& c : x.value("changes", nlohmann::json::array())) {
        a.changes.push_back({c.at("field").get<std::string>(), c.at("from").get<std::string>(),
                             c.at("to").get<std::string>()});
      }
      if (x.contains("disks")) {
        const auto& d = x.at("disks");
        a.disks = Disks{d.at("image").get<std::string>(), d.at("base").get<std::string>(),
                        d.at("format").get<std::string>(), d.at("capacity").get<uint64_t>(),
                        d.at("cloud_init").get<std::string>()};
      }
      if ((a.kind == ActionKind::kCreate || a.kind == ActionKind::kReplace) && a.xml.empty()) {
        throw std::invalid_argument("action on " + a.domain + " has no domain XML");
      }
      plan.actions.push_back(std::move(a));
    }
    for (const auto& x : j.value("unplaced", nlohmann::json::array())) {
      Unplaced u;
      u.workload = x.at("workload").get<std::string>();
      u.replica = x.at("replica").get<int>();
      u.summary = x.value("summary", "");
      u.in_the_way = x.value("in_the_way", std::vector<std::string>{});
      u.to_make_room = x.value("to_make_room", std::vector<std::string>{});
      u.room_on = x.value("room_on", "");
      if (x.contains("stays_on")) {
        u.host = x.at("stays_on").value("host", "");
        u.must_move = x.at("stays_on").value("must_move", "");
      }
      plan.unplaced.push_back(std::move(u));
    }
    plan.unreachable = j.value("unreachable", std::map<std::string, std::string>{});
    plan.notes = j.value("notes", std::vector<std::string>{});
    return plan;
  } catch (const std::exception& e) {
    throw ConfigError({file, 0, 0}, std::string("invalid saved plan: ") + e.what());
  }
}

namespace {

// The replicas without a place, last, each with why, what is in its way and what would help.
void PrintUnplaced(const Plan& plan, std::ostream& out) {
  if (plan.unplaced.empty()) return;
  out << "\nCannot be placed:\n";
  for (const auto& u : plan.unplaced) {
    out << "  ! " << u.workload << " replica " << u.replica << ": ";
    if (!u.host.empty()) {
      out << "must move (" << u.must_move << "), no host qualifies; it stays on " << u.host
          << "\n      ";
    }
    out << u.summary << "\n";
    if (!u.room_on.empty()) {
      out << "      room is made on " << u.room_on
          << ": this plan moves what runs there (new copy first); apply again once it has moved\n";
    }
    if (!u.in_the_way.empty()) {
      out << "      in the way:";
      for (size_t i = 0; i < u.in_the_way.size(); ++i) {
        out << (i ? ", " : " ") << u.in_the_way[i];
      }
      out << "\n";
    }
    if (u.room_on.empty() && !u.to_make_room.empty()) {
      out << "      would make room:";
      for (size_t i = 0; i < u.to_make_room.size(); ++i) {
        out << (i ? "; " : " ") << u.to_make_room[i];
      }
      out << "\n";
    }
  }
}

}  // namespace

void PrintPlan(const Plan& plan, std::ostream& out, bool show_unchanged) {
  out << "Plan (seed " << plan.seed << ", "
      << (plan.strategy == Strategy::kSpread ? "spread" : "bin-pack") << ", state "
      << plan.fingerprint.substr(0, 19) << ")\n";
  static constexpr const char* kMarks[] = {"+", "~", ">", "-", "="};
  for (ActionKind k : kKinds) {
    if (k == ActionKind::kUnchanged && !show_unchanged) continue;
    for (const auto& a : plan.actions) {
      if (a.kind != k) continue;
      out << "  " << kMarks[static_cast<int>(k)] << " " << ToString(k)
          << std::string(10 - std::string(ToString(k)).size(), ' ') << a.domain << " on " << a.host
          << ": " << a.reason << "\n";
    }
  }
  if (!plan.unreachable.empty()) {
    out << "\nUnreachable hosts (state unknown; nothing there is taken for deleted):\n";
    for (const auto& [host, error] : plan.unreachable)
      out << "  ? " << host << ": " << error << "\n";
  }
  if (!plan.notes.empty()) {
    out << "\nNotes:\n";
    for (const auto& n : plan.notes) out << "  * " << n << "\n";
  }
  PrintUnplaced(plan, out);
  out << "\n"
      << plan.Count(ActionKind::kCreate) << " to create, " << plan.Count(ActionKind::kReplace)
      << " to replace, " << plan.Count(ActionKind::kStart) << " to start, "
      << plan.Count(ActionKind::kDelete) << " to delete, " << plan.Count(ActionKind::kUnchanged)
      << " unchanged";
  if (!plan.unplaced.empty()) out << "; " << plan.unplaced.size() << " cannot be placed";
  out << ".\n";
  if (plan.HasChanges()) return;
  if (!plan.unplaced.empty()) {
    out << "Nothing to change, but the desired state is not reached: " << plan.unplaced.size()
        << " replica(s) cannot be placed (above).\n";
  } else if (!plan.unreachable.empty()) {
    out << "No changes on the hosts that could be read; " << plan.unreachable.size()
        << " host(s) unreachable, their state unknown (above).\n";
  } else {
    out << "No changes: the hosts match the desired state.\n";
  }
}

}  // namespace egov::orchestrator
