// IpAddress: an IPv4 or IPv6 address as a native value (not a string).
//
// IPv4 addresses keep their 32 bits in `lo` (host byte order, so that
// 10.0.0.1 < 10.0.0.2 compares numerically) with `hi` = 0. IPv6 addresses keep
// their 128 bits big-endian-as-integers in hi:lo. `v6` tells which family it is;
// an IPv4 address and its IPv4-mapped IPv6 form are different values.
//
//   std::optional<IpAddress> a = IpAddress::Parse("10.0.1.7");
//   char buf[IpAddress::kMaxTextLength]; size_t n = a->Format(buf);
//
// Thread safety: a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlens {

struct IpAddress {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool v6 = false;

  static constexpr size_t kMaxTextLength = 46;

  static IpAddress V4(uint32_t bits) { return IpAddress{0, bits, false}; }
  static IpAddress V6(uint64_t hi, uint64_t lo) { return IpAddress{hi, lo, true}; }

  // Parses dotted-quad IPv4 (no leading zeros beyond a single "0", each octet
  // 0..255) or RFC 4291 IPv6 text (with "::" compression and an optional
  // trailing dotted quad). Returns nullopt for anything else.
  static std::optional<IpAddress> Parse(std::string_view text);
  static std::optional<IpAddress> ParseV4(std::string_view text);
  static std::optional<IpAddress> ParseV6(std::string_view text);

  uint32_t v4_bits() const { return static_cast<uint32_t>(lo); }

  // Writes the canonical text form (RFC 5952 for IPv6) to `out`, which must
  // hold kMaxTextLength bytes, and returns the number of bytes written.
  size_t Format(char* out) const;
  std::string ToString() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.hi == b.hi && a.lo == b.lo && a.v6 == b.v6;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }
  // IPv4 sorts before IPv6; within a family, numerically.
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    if (a.v6 != b.v6) return !a.v6;
    if (a.hi != b.hi) return a.hi < b.hi;
    return a.lo < b.lo;
  }
};

// A CIDR block such as 10.0.0.0/16 or 2001:db8::/32. Host bits set in the
// text (10.0.0.5/16) are cleared, as most tools do.
struct IpSubnet {
  IpAddress base;
  int prefix_length = 0;

  static std::optional<IpSubnet> Parse(std::string_view text);
  bool Contains(const IpAddress& addr) const;
  std::string ToString() const;
};

// Address classes used by the query functions isPrivateIP, isPublicIP and
// isReservedIP.
bool IsPrivateAddress(const IpAddress& addr);   // RFC 1918 and IPv6 ULA fc00::/7
bool IsReservedAddress(const IpAddress& addr);  // IANA special-purpose ranges
bool IsPublicAddress(const IpAddress& addr);    // neither private nor reserved

}  // namespace flowlens
