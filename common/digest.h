#pragma once

#include <string>
#include <string_view>

// Hashes as the project prints them: lower-case hex.
namespace egov {

/// Lower-case hex of `bytes`, two digits a byte.
std::string Hex(std::string_view bytes);

/// Lower-case hex SHA-256 of `bytes` (OpenSSL); 64 digits.
std::string Sha256Hex(std::string_view bytes);

}  // namespace egov
