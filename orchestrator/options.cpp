#include "orchestrator/options.h"

#include <ostream>

#include "common/diagnostics.h"

namespace po = boost::program_options;

namespace egov::orchestrator {

std::optional<int> ParseOptions(const std::vector<std::string>& args, const std::string& usage,
                                po::options_description& desc,
                                const po::positional_options_description& pos,
                                po::variables_map& vm, CommandIo io) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      io.out << "Usage: " << usage << "\n\n" << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    io.err << "egovctl: " << e.what() << "\nUsage: " << usage << "\n";
    return 2;
  }
  return std::nullopt;
}

OutputFormat ReadOutputFormat(const po::variables_map& vm) {
  if (!vm.count("output")) return OutputFormat::kText;
  const auto& value = vm["output"].as<std::string>();
  if (value == "text") return OutputFormat::kText;
  if (value == "json") return OutputFormat::kJson;
  throw ConfigError({"--output", 0, 0}, "expected text or json, got '" + value + "'");
}

}  // namespace egov::orchestrator
