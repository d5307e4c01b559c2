// SHA-256 and HMAC-SHA256 (OpenSSL's libcrypto) for request signing, and a
// constant-time comparison for signatures.
//
//   std::string h = Sha256Hex(body);                 // 64 lower-case hex digits
//   std::string mac = HmacSha256(key, "message");    // 32 raw bytes
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace flowlens::server {

std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw bytes
std::string HexEncode(std::string_view bytes);                        // lower case
// True when a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace flowlens::server
