#include <ostream>

#include <nlohmann/json.hpp>

#include "agents/commands.h"
#include "checks/registry.h"
#include "common/command_line.h"
#include "common/diagnostics.h"

namespace po = boost::program_options;

namespace egov::agent {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

}  // namespace

int CmdListChecks(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc("list-checks options");
  cli::AddFormatOption(desc, {"text", "json"});
  po::variables_map vm;
  if (auto code = cli::ParseCommandLine("egov-agent", args, "list-checks [--format text|json]",
                                        desc, {}, vm, out, err)) {
    return *code;
  }
  const std::string format = cli::ReadFormat(vm, {"text", "json"});
  const auto& types = checks::CheckTypes();
  if (format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& t : types) {
      nlohmann::json params = nlohmann::json::array();
      for (const auto& p : t.params) {
        nlohmann::json pj = {{"name", p.name},
                             {"type", checks::ToString(p.type)},
                             {"required", p.required},
                             {"description", p.description}};
        if (!p.choices.empty()) {
          pj[p.type == checks::ParamType::kOperator ? "operators" : "choices"] = p.choices;
        }
        if (!p.default_text.empty()) pj["default"] = p.default_text;
        params.push_back(std::move(pj));
      }
      j.push_back({{"type", t.name}, {"summary", t.summary}, {"parameters", params}});
    }
    out << j.dump(2) << "\n";
    return 0;
  }
  out << "Check types (a profile's `check: {type: NAME, ...parameters}`):\n";
  for (const auto& t : types) {
    out << "\n" << t.name << " - " << t.summary << "\n";
    for (const auto& p : t.params) {
      out << "  " << p.name << " (" << checks::ToString(p.type) << (p.required ? ", required" : "")
          << (p.default_text.empty() ? "" : ", default " + p.default_text)
          << "): " << p.description;
      if (p.type == checks::ParamType::kOperator)
        out << "; operators: " << Join(p.choices);
      else if (p.type == checks::ParamType::kChoice)
        out << "; one of: " << Join(p.choices);
      out << "\n";
    }
  }
  out << "\nCombinators: all, any, none - `{type: all, checks: [...]}`: all must pass, at least "
         "one "
         "must pass, none may pass.\n"
         "fact - `{type: fact, name: N}`: the profile's named check N, evaluated once per scan.\n"
         "Any string parameter may use ${name} for the profile's per-level parameters.\n";
  return 0;
}

}  // namespace egov::agent
