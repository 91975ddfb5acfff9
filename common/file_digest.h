#pragma once

#include <cstdint>
#include <functional>
#include <string>

// SHA-256 of a file read in chunks, so a multi-gigabyte disk image is never held in memory.
namespace egov {

/// Called with the number of bytes read so far.
using ProgressFn = std::function<void(uint64_t bytes)>;

/// SHA-256 of everything `fd` holds, as 64 lowercase hex digits. Reads with pread from offset
/// 0, leaving the file offset alone, so the same descriptor can be uploaded afterwards (a file
/// replaced meanwhile cannot slip in between). Throws std::runtime_error on a read error.
std::string Sha256OfFd(int fd, const ProgressFn& progress = {});

/// The same for the file at `path`; errors name the file.
std::string Sha256OfFile(const std::string& path, const ProgressFn& progress = {});

}  // namespace egov
