#include <ostream>

#include "agents/commands.h"

namespace po = boost::program_options;

namespace egov::agent {

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, const std::string& usage,
                                    po::options_description& desc,
                                    const po::positional_options_description& pos,
                                    po::variables_map& vm, std::ostream& out, std::ostream& err) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      out << "Usage: egov-agent " << usage << "\n\n" << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    err << "egov-agent: " << e.what() << "\nUsage: egov-agent " << usage << "\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace egov::agent
