#pragma once

#include <string>

// Where the programs find their data and each other, installed or in a build tree. The installed
// directories are build options (CMakeLists.txt: EGOV_DATA_DIR, EGOV_BIN_DIR, EGOV_LIBEXEC_DIR;
// FHS defaults under the install prefix); a build tree's programs use the build tree's, found
// relative to themselves, so that no installed file names the build tree and a package
// installed on the same machine never stands in for the checkout.
namespace egov {

/// The directory holding profiles/ (the shipped profiles and policy-default.yaml). From a build
/// tree: the checkout it was built from, through the link `egov-cloud-data` that CMake makes at
/// the build tree's top, looked for in the running program's directory and up to three above
/// it. Otherwise the installed kDataDir (/usr/share/egov-cloud in the packages).
std::string DataDir();

/// The directory of the running program (/proc/self/exe). Throws std::runtime_error when it
/// cannot be read.
std::string ProgramDir();

/// The program `name`: beside the running program when it is there (a build tree, where
/// egov-agent and egov-agentd share a directory), else `installed_dir/name` (kBinDir for
/// egov-agent, kLibexecDir for egov-agentd). Throws std::runtime_error when /proc/self/exe
/// cannot be read.
std::string ProgramPath(const std::string& name, const std::string& installed_dir);

/// A per-user location in the XDG base-directory layout: `$override_env` when set, else
/// `$xdg_env/egov-cloud/leaf`, else `$HOME/home_default/egov-cloud/leaf` (HOME unset: /tmp).
/// UserPath("EGOV_JOURNAL", "XDG_STATE_HOME", ".local/state", "journal.db") is
/// ~/.local/state/egov-cloud/journal.db by default.
std::string UserPath(const char* override_env, const char* xdg_env, const char* home_default,
                     const std::string& leaf);

}  // namespace egov
