#include "common/command_line.h"

#include <algorithm>
#include <ostream>

#include "common/diagnostics.h"

namespace po = boost::program_options;

namespace egov::cli {
namespace {

// "text, json or html".
std::string Alternatives(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) s += i + 1 == names.size() ? " or " : ", ";
    s += names[i];
  }
  return s;
}

}  // namespace

std::optional<int> ParseCommandLine(std::string_view program, const std::vector<std::string>& args,
                                    const std::string& usage, po::options_description& desc,
                                    const po::positional_options_description& pos,
                                    po::variables_map& vm, std::ostream& out, std::ostream& err) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      out << "Usage: " << program << " " << usage << "\n\n" << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    err << program << ": " << e.what() << "\nUsage: " << program << " " << usage << "\n";
    return 2;
  }
  return std::nullopt;
}

void AddFormatOption(po::options_description& desc, const std::vector<std::string>& formats) {
  desc.add_options()("format", po::value<std::string>()->default_value(formats.front()),
                     Alternatives(formats).c_str());
}

std::string ReadFormat(const po::variables_map& vm, const std::vector<std::string>& formats) {
  const std::string value = vm.count("format") ? vm["format"].as<std::string>() : formats.front();
  if (std::find(formats.begin(), formats.end(), value) == formats.end()) {
    throw ConfigError({"--format", 0, 0},
                      "expected " + Alternatives(formats) + ", got '" + value + "'");
  }
  return value;
}

void AddOldNewOptions(po::options_description& desc, po::positional_options_description& pos,
                      const std::string& what) {
  const std::string earlier = "earlier " + what, later = "later " + what;
  desc.add_options()("old", po::value<std::string>()->required(), earlier.c_str())(
      "new", po::value<std::string>()->required(), later.c_str());
  pos.add("old", 1).add("new", 1);
}

void AddOutputOption(po::options_description& desc, const std::string& what) {
  desc.add_options()("output,o", po::value<std::string>()->value_name("FILE"), what.c_str());
}

std::optional<std::string> ReadOutputFile(const po::variables_map& vm,
                                          const std::vector<std::string>& formats) {
  if (!vm.count("output")) return std::nullopt;
  const std::string file = vm["output"].as<std::string>();
  if (std::find(formats.begin(), formats.end(), file) != formats.end()) {
    throw ConfigError({"--output", 0, 0}, "expected a FILE to write, got the format name '" + file +
                                              "'; choose the format with --format " + file);
  }
  return file;
}

}  // namespace egov::cli
