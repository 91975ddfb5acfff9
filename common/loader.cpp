#include "common/loader.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "common/enum_names.h"
#include "common/install_dirs.h"
#include "common/parse_kinds.h"
#include "common/yaml_reader.h"

namespace egov {

namespace fs = std::filesystem;

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string SimulatedHostDir() {
  return UserPath("EGOV_SIM_DIR", "XDG_STATE_HOME", ".local/state", "sim");
}

bool ExpandEnv(const std::string& in, std::string& out, std::string& missing) {
  out.clear();
  for (size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "${") == 0) {
      const size_t close = in.find('}', i + 2);
      if (close != std::string::npos) {
        const std::string name = in.substr(i + 2, close - i - 2);
        const char* value = std::getenv(name.c_str());
        if (value) {
          out += value;
        } else if (name == "EGOV_SIM_DIR") {
          out += SimulatedHostDir();
        } else {
          missing = name;
          return false;
        }
        i = close + 1;
        continue;
      }
    }
    out += in[i++];
  }
  return true;
}

std::vector<std::string> ExpandInputPaths(const std::vector<std::string>& paths,
                                          DiagnosticSink& sink) {
  std::vector<std::string> found_files;
  for (const auto& path : paths) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      sink.Add({path, 0, 0}, "no such file or directory; expected a YAML file or a directory");
      continue;
    }
    if (!fs::is_directory(status)) {
      found_files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if ((ext == ".yaml" || ext == ".yml") && !entry.is_directory()) {
        found.push_back(entry.path().string());
      }
    }
    if (ec) {
      sink.Add({path, 0, 0}, "cannot list directory: " + ec.message());
      continue;
    }
    if (found.empty()) {
      sink.Add({path, 0, 0}, "directory holds no *.yaml or *.yml files");
      continue;
    }
    std::sort(found.begin(), found.end());
    found_files.insert(found_files.end(), found.begin(), found.end());
  }
  // A file named twice (directly and through its directory) is read once.
  std::vector<std::string> files;
  std::set<fs::path> seen;
  for (const auto& file : found_files) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    if (seen.insert(ec ? fs::path(file) : canonical).second) files.push_back(file);
  }
  return files;
}

namespace {

enum class Kind { kProvider, kWorkload, kPolicy, kProfile, kWaiver, kImage };
constexpr std::string_view kKinds[] = {"Provider", "Workload", "Policy",
                                       "Profile",  "Waiver",   "Image"};

// Adds a document's parsed body, when usable, under its name and position.
template <typename T>
void Keep(std::optional<T> parsed, const std::string& name, const SourcePos& pos,
          std::vector<T>& into) {
  if (!parsed) return;
  parsed->name = name;
  parsed->pos = pos;
  into.push_back(std::move(*parsed));
}

// Adds one document to the inventory; `seen` detects two documents of one kind and name.
void LoadDocument(const yaml::Context& ctx, const YAML::Node& node, int index, Inventory& inv,
                  std::map<std::string, SourcePos>& seen) {
  const std::string what = "document " + std::to_string(index + 1);
  if (node.IsNull()) return;  // an empty document between two '---' markers
  yaml::MapReader doc(ctx, node, what);
  if (!doc.ok()) return;
  YAML::Node kind_node =
      doc.Required("kind", "one of Provider, Workload, Policy, Profile, Waiver, Image");
  YAML::Node name_node = doc.Required("name", "a DNS label");
  std::optional<size_t> kind;
  if (kind_node.IsDefined()) {
    kind =
        detail::ReadChoice(ctx, kind_node, what + ".kind", {std::begin(kKinds), std::end(kKinds)});
  }
  std::optional<std::string> name;
  if (name_node.IsDefined()) name = detail::ReadName(ctx, name_node, what + ".name");
  // Without a kind the other keys mean nothing; with a bad name the body is still checked so
  // that one run reports everything, but the document is not kept.
  if (!kind) return;
  const bool keep = name.has_value();
  if (!name) name = name_node.IsScalar() ? name_node.Scalar() : std::string("?");
  const std::string kind_name(kKinds[*kind]);
  const std::string key = kind_name + "/" + *name;
  if (keep) {
    auto [it, fresh] = seen.emplace(key, ctx.Pos(node));
    if (!fresh) {
      ctx.Error(name_node, kind_name + " '" + *name +
                               "' is defined twice; expected unique names "
                               "(first at " +
                               it->second.file + ":" + std::to_string(it->second.line) + ")");
    }
  }
  yaml::MapReader body(ctx, node, std::string(kKinds[*kind]) + " " + *name);
  body.Optional("kind");
  body.Optional("name");
  Inventory scratch;
  Inventory& into = keep ? inv : scratch;
  const SourcePos pos = ctx.Pos(node);
  switch (static_cast<Kind>(*kind)) {
    case Kind::kProvider:
      return Keep(detail::ParseProvider(body), *name, pos, into.providers);
    case Kind::kWorkload:
      return Keep(detail::ParseWorkload(body), *name, pos, into.workloads);
    case Kind::kPolicy:
      return Keep(detail::ParsePolicy(body), *name, pos, into.policies);
    case Kind::kProfile:
      return Keep(detail::ParseProfile(body), *name, pos, into.profiles);
    case Kind::kWaiver:
      return Keep(detail::ParseWaiver(body), *name, pos, into.waivers);
    case Kind::kImage:
      return Keep(detail::ParseImage(body), *name, pos, into.images);
  }
}

void LoadParsed(const yaml::ParsedFile& file, Inventory& inv, DiagnosticSink& sink,
                std::map<std::string, SourcePos>& seen) {
  const yaml::Context ctx{file.path, &sink};
  for (size_t i = 0; i < file.documents.size(); ++i) {
    try {
      LoadDocument(ctx, file.documents[i], static_cast<int>(i), inv, seen);
    } catch (const YAML::Exception& e) {
      sink.Add({file.path, e.mark.is_null() ? 0 : e.mark.line + 1,
                e.mark.is_null() ? 0 : e.mark.column + 1},
               "invalid document: " + e.msg);
    }
  }
}

// A workload's image is a loaded Image, and its disk is at least the image's min_disk.
void CheckImage(const Inventory& inv, const Workload& w, DiagnosticSink& sink) {
  if (w.image.empty()) return;
  const Image* image = inv.FindImage(w.image);
  if (!image) {
    std::string known;
    for (const auto& i : inv.images) known += (known.empty() ? "" : ", ") + i.name;
    sink.Add(w.image_pos, "Workload " + w.name + ": image '" + w.image +
                              "' is not a loaded Image; expected one of: " +
                              (known.empty() ? "(no images loaded)" : known));
  } else if (w.resources.disk < image->min_disk) {
    sink.Add(w.image_pos, "Workload " + w.name + ": resources.disk " +
                              FormatSize(w.resources.disk) + " is below the min_disk " +
                              FormatSize(image->min_disk) + " of image '" + image->name + "' (" +
                              image->pos.file + ":" + std::to_string(image->pos.line) +
                              "); expected a disk of at least " + FormatSize(image->min_disk));
  }
}

// Checks what only the whole input can tell: unique host names, known providers, images and
// profiles.
void CheckReferences(const Inventory& inv, DiagnosticSink& sink) {
  std::map<std::string, SourcePos> hosts;
  for (const auto& p : inv.providers) {
    for (const auto& z : p.zones) {
      for (const auto& h : z.hosts) {
        if (auto [it, fresh] = hosts.emplace(h.name, h.pos); !fresh) {
          sink.Add(h.pos, "host '" + h.name +
                              "' is defined twice; host names must be unique "
                              "across the inventory (first at " +
                              it->second.file + ":" + std::to_string(it->second.line) + ")");
        }
      }
    }
  }
  for (const auto& w : inv.workloads) {
    CheckImage(inv, w, sink);
    for (const auto& name : w.placement.providers) {
      if (!inv.FindProvider(name)) {
        std::string known;
        for (const auto& p : inv.providers) known += (known.empty() ? "" : ", ") + p.name;
        sink.Add(w.pos, "Workload " + w.name + ": placement.providers names '" + name +
                            "', which is not a loaded Provider; expected one of: " +
                            (known.empty() ? "(no providers loaded)" : known));
      }
    }
  }
  if (!inv.profiles.empty()) {
    for (const auto& policy : inv.policies) {
      for (const auto& lp : policy.levels) {
        if (lp.require_compliance && !inv.FindProfile(lp.compliance_profile)) {
          sink.Add(lp.pos, "Policy " + policy.name + ": level " + std::to_string(lp.level) +
                               " requires profile '" + lp.compliance_profile +
                               "', which is not a loaded Profile");
        }
      }
    }
    for (const auto& w : inv.waivers) {
      if (w.profile.empty()) continue;
      const Profile* p = inv.FindProfile(w.profile);
      if (!p) {
        sink.Add(w.pos,
                 "Waiver " + w.name + ": profile '" + w.profile + "' is not a loaded Profile");
      } else if (std::none_of(p->controls.begin(), p->controls.end(),
                              [&](const Control& c) { return c.id == w.control; })) {
        sink.Add(w.pos, "Waiver " + w.name + ": profile '" + w.profile + "' has no control '" +
                            w.control + "'");
      }
    }
  }
}

// Gives a profile that `extends` another the other's facts, parameters and controls (its own
// come after and override parameters and facts of the same name). Chains are followed; a cycle
// or an unknown base is reported.
void ResolveExtends(Inventory& inv, DiagnosticSink& sink) {
  std::map<std::string, Profile*> by_name;
  for (auto& p : inv.profiles) by_name[p.name] = &p;
  std::set<std::string> done;
  std::function<bool(Profile&, std::set<std::string>&)> resolve = [&](Profile& p,
                                                                      std::set<std::string>& path) {
    if (p.extends.empty() || done.contains(p.name)) return true;
    if (!path.insert(p.name).second) {
      sink.Add(p.pos, "Profile " + p.name +
                          ": 'extends' forms a cycle; expected a chain that "
                          "ends in a profile extending nothing");
      return false;
    }
    auto it = by_name.find(p.extends);
    if (it == by_name.end()) {
      sink.Add(p.pos, "Profile " + p.name + ": extends '" + p.extends +
                          "', which is not a loaded Profile");
      return false;
    }
    Profile& base = *it->second;
    if (!resolve(base, path)) return false;
    std::vector<Control> controls = base.controls;
    for (auto& c : p.controls) {
      for (const auto& b : base.controls) {
        if (b.id == c.id) {
          sink.Add(c.pos, "Profile " + p.name + ": control '" + c.id + "' is already in '" +
                              base.name + "', which it extends; expected a new id");
        }
      }
      controls.push_back(std::move(c));
    }
    p.controls = std::move(controls);
    for (const auto& [name, values] : base.parameters) p.parameters.emplace(name, values);
    for (const auto& [name, fact] : base.facts) p.facts.emplace(name, fact);
    if (p.version.empty()) p.version = base.version;
    done.insert(p.name);
    return true;
  };
  for (auto& p : inv.profiles) {
    std::set<std::string> path;
    resolve(p, path);
  }
}

Inventory Finish(Inventory inv, DiagnosticSink& sink) {
  if (sink.empty()) ResolveExtends(inv, sink);
  if (sink.empty()) CheckReferences(inv, sink);
  sink.ThrowIfAny();
  return inv;
}

}  // namespace

Inventory LoadInventory(const std::vector<std::string>& paths) {
  DiagnosticSink sink;
  Inventory inv;
  std::map<std::string, SourcePos> seen;
  for (const auto& file : ExpandInputPaths(paths, sink)) {
    inv.files.push_back(file);
    if (auto parsed = yaml::ParseFile(file, sink)) LoadParsed(*parsed, inv, sink, seen);
  }
  return Finish(std::move(inv), sink);
}

Inventory LoadInventoryText(const std::string& name, std::string_view text) {
  DiagnosticSink sink;
  Inventory inv;
  std::map<std::string, SourcePos> seen;
  inv.files.push_back(name);
  if (auto parsed = yaml::ParseText(name, text, sink)) LoadParsed(*parsed, inv, sink, seen);
  return Finish(std::move(inv), sink);
}

const LevelPolicy* Policy::ForLevel(int level) const {
  for (const auto& lp : levels) {
    if (lp.level == level) return &lp;
  }
  return nullptr;
}

bool Waiver::Covers(const std::string& host, Date today) const {
  if (today > expires) return false;
  return std::any_of(hosts.begin(), hosts.end(), [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), host.c_str(), 0) == 0;
  });
}

namespace {

// The item called `name`, or nullptr.
template <typename T>
const T* FindByName(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Provider* Inventory::FindProvider(const std::string& name) const {
  return FindByName(providers, name);
}

const Image* Inventory::FindImage(const std::string& name) const {
  return FindByName(images, name);
}

const Workload* Inventory::FindWorkload(const std::string& name) const {
  return FindByName(workloads, name);
}

const Profile* Inventory::FindProfile(const std::string& name) const {
  return FindByName(profiles, name);
}

const char* ToString(ImageFormat format) { return EnumName(kImageFormatNames, format); }
const char* ToString(Spread spread) { return EnumName(kSpreadNames, spread); }
const char* ToString(Separation separation) { return EnumName(kSeparationNames, separation); }
const char* ToString(Severity severity) { return EnumName(kSeverityNames, severity); }
const char* ToString(UnknownCompliance unknown) {
  return EnumName(kUnknownComplianceNames, unknown);
}
const char* ToString(HostState state) { return EnumName(kHostStateNames, state); }

}  // namespace egov
