#pragma once

#include <optional>
#include <string>
#include <string_view>

// Base64 (RFC 4648, with padding, no line breaks) through OpenSSL.
namespace egov {

/// The Base64 of `bytes`.
std::string Base64Encode(std::string_view bytes);

/// The bytes `text` encodes; nullopt when it is not Base64 (length, alphabet, padding).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace egov
