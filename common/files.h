#pragma once

#include <string>
#include <string_view>

namespace egov {

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a reader
/// (or a crash) never sees half a file. Throws std::runtime_error naming the file on failure,
/// leaving `path` as it was and no temporary behind.
void WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace egov
