#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agents/commands.h"
#include "checks/report.h"
#include "checks/scan.h"
#include "common/command_line.h"

namespace po = boost::program_options;

namespace egov::agent {
namespace {

using checks::Status;

checks::ScanResult ReadResults(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path, 0, 0}, "cannot read; expected a results JSON file");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError({path, 0, 0}, std::string("not JSON: ") + e.what());
  }
  return checks::ScanResultFromJson(j, path);
}

bool Failing(Status s) { return s == Status::kFail || s == Status::kError; }

struct Change {
  std::string profile, id, title, before, after, reason;
};

}  // namespace

int CmdDiff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc("diff options");
  po::positional_options_description pos;
  cli::AddOldNewOptions(desc, pos, "results JSON");
  cli::AddFormatOption(desc, {"text", "json"});
  po::variables_map vm;
  if (auto code =
          cli::ParseCommandLine("egov-agent", args, "diff OLD.json NEW.json [--format text|json]",
                                desc, pos, vm, out, err)) {
    return *code;
  }
  const std::string format = cli::ReadFormat(vm, {"text", "json"});
  const auto before = ReadResults(vm["old"].as<std::string>());
  const auto after = ReadResults(vm["new"].as<std::string>());

  std::map<std::pair<std::string, std::string>, const checks::ControlResult*> old_controls;
  for (const auto& p : before.profiles) {
    for (const auto& c : p.controls) old_controls[{p.name, c.id}] = &c;
  }
  std::vector<Change> newly_failing, newly_passing, changed, appeared, disappeared;
  for (const auto& p : after.profiles) {
    for (const auto& c : p.controls) {
      auto it = old_controls.find({p.name, c.id});
      Change ch{p.name, c.id, c.title.en, "", ToString(c.status), c.reason};
      if (it == old_controls.end()) {
        appeared.push_back(ch);
        continue;
      }
      ch.before = ToString(it->second->status);
      if (ch.before == ch.after) {
        old_controls.erase(it);
        continue;
      }
      const Status old_status = it->second->status;
      if (Failing(c.status) && !Failing(old_status)) {
        newly_failing.push_back(ch);
      } else if (c.status == Status::kPass && Failing(old_status)) {
        newly_passing.push_back(ch);
      } else {
        changed.push_back(ch);
      }
      old_controls.erase(it);
    }
  }
  for (const auto& [key, c] : old_controls) {
    disappeared.push_back({key.first, key.second, c->title.en, ToString(c->status), "", c->reason});
  }
  std::vector<std::tuple<std::string, double, double>> scores;
  for (const auto& p : after.profiles) {
    const checks::ProfileResult* old = before.Find(p.name);
    scores.emplace_back(p.name, old ? old->summary.score : -1, p.summary.score);
  }

  const std::pair<const char*, const std::vector<Change>*> sections[] = {
      {"newly_failing", &newly_failing},
      {"newly_passing", &newly_passing},
      {"changed", &changed},
      {"appeared", &appeared},
      {"disappeared", &disappeared}};
  if (format == "json") {
    nlohmann::json j = {
        {"old",
         {{"host", before.host}, {"started_at", checks::FormatTimestamp(before.started_at)}}},
        {"new", {{"host", after.host}, {"started_at", checks::FormatTimestamp(after.started_at)}}}};
    for (const auto& [name, list] : sections) {
      j[name] = nlohmann::json::array();
      for (const auto& c : *list) {
        j[name].push_back(
            {{"profile", c.profile},
             {"id", c.id},
             {"title", c.title},
             {"before", c.before.empty() ? nlohmann::json() : nlohmann::json(c.before)},
             {"after", c.after.empty() ? nlohmann::json() : nlohmann::json(c.after)},
             {"reason", c.reason}});
      }
    }
    j["scores"] = nlohmann::json::array();
    for (const auto& [name, was, now] : scores) {
      j["scores"].push_back({{"profile", name},
                             {"before", was < 0 ? nlohmann::json() : nlohmann::json(was)},
                             {"after", now}});
    }
    out << j.dump(2) << "\n";
  } else {
    out << "Results of " << before.host << " at " << checks::FormatTimestamp(before.started_at)
        << " -> " << after.host << " at " << checks::FormatTimestamp(after.started_at) << "\n";
    const char* titles[] = {"Newly failing", "Newly passing", "Changed", "Appeared", "Disappeared"};
    size_t k = 0;
    for (const auto& [name, list] : sections) {
      out << "\n"
          << titles[k++] << " (" << list->size() << ")" << (list->empty() ? "" : ":") << "\n";
      for (const auto& c : *list) {
        out << "  " << c.profile << " " << c.id << "  " << c.title << "  "
            << (c.before.empty() ? "-" : c.before) << " -> " << (c.after.empty() ? "-" : c.after);
        if (!c.after.empty() && c.after != "pass") out << ": " << c.reason;
        out << "\n";
      }
    }
    out << "\nScores:\n";
    for (const auto& [name, was, now] : scores) {
      out << "  " << name << ": " << (was < 0 ? std::string("-") : checks::Percent(was)) << " -> "
          << checks::Percent(now) << "\n";
    }
  }
  return newly_failing.empty() ? 0 : 1;
}

}  // namespace egov::agent
