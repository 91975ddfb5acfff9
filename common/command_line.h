#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

// One command-line vocabulary for egovctl and egov-agent (docs/formats.md): every command parses
// its options here, `--format NAME` chooses what is printed, `-o/--output FILE` writes to a file,
// `--help` prints the usage and the options.
namespace egov::cli {

/// Parses the arguments of `program`'s command (adds --help). Prints the help (returns 0) or the
/// parse error with the usage (returns 2) itself; nullopt when the command should go on.
/// `usage` is what follows the program's name ("scan --profile P [--format F]").
std::optional<int> ParseCommandLine(
    std::string_view program, const std::vector<std::string>& args, const std::string& usage,
    boost::program_options::options_description& desc,
    const boost::program_options::positional_options_description& pos,
    boost::program_options::variables_map& vm, std::ostream& out, std::ostream& err);

/// Adds `--format NAME`; `formats` lists the names, the first is the default.
void AddFormatOption(boost::program_options::options_description& desc,
                     const std::vector<std::string>& formats);

/// The format `--format` chose; throws ConfigError naming the allowed ones.
std::string ReadFormat(const boost::program_options::variables_map& vm,
                       const std::vector<std::string>& formats);

/// Adds `--old` and `--new`, also the two positional arguments in that order: the files a diff
/// command compares, described as "earlier `what`" and "later `what`".
void AddOldNewOptions(boost::program_options::options_description& desc,
                      boost::program_options::positional_options_description& pos,
                      const std::string& what);

/// Adds `-o/--output FILE`, described by `what` ("write the report to FILE").
void AddOutputOption(boost::program_options::options_description& desc, const std::string& what);

/// The file `-o/--output` names, if any. A format name there (`--output json`, what the option
/// meant in egovctl before 0.2) is refused with a pointer to --format instead of writing a file
/// called "json".
std::optional<std::string> ReadOutputFile(const boost::program_options::variables_map& vm,
                                          const std::vector<std::string>& formats);

}  // namespace egov::cli
