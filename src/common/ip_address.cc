#include "common/ip_address.h"

#include <cstring>
#include <initializer_list>
#include <vector>

namespace flowlens {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<uint32_t> ParseV4Bits(std::string_view s) {
  uint32_t bits = 0;
  int octets = 0;
  size_t i = 0;
  while (true) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    uint32_t v = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<uint32_t>(s[i] - '0');
      if (v > 255 || i - start >= 3) return std::nullopt;
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return std::nullopt;  // leading zero
    bits = (bits << 8) | v;
    ++octets;
    if (octets == 4) break;
    if (i >= s.size() || s[i] != '.') return std::nullopt;
    ++i;
  }
  if (i != s.size()) return std::nullopt;
  return bits;
}

}  // namespace

std::optional<IpAddress> IpAddress::ParseV4(std::string_view text) {
  auto bits = ParseV4Bits(text);
  if (!bits) return std::nullopt;
  return V4(*bits);
}

std::optional<IpAddress> IpAddress::ParseV6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return std::nullopt;
  uint16_t groups[8] = {};
  int n = 0;     // groups written
  int gap = -1;  // index where "::" sits
  size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return std::nullopt;
    gap = 0;
    i = 2;
    if (i == s.size()) return V6(0, 0);
  }
  while (i < s.size()) {
    if (n >= 8) return std::nullopt;
    // A trailing dotted quad takes two groups.
    size_t end = s.find(':', i);
    std::string_view part = s.substr(i, end == std::string_view::npos ? s.size() - i : end - i);
    if (part.find('.') != std::string_view::npos) {
      if (end != std::string_view::npos || n > 6) return std::nullopt;
      auto bits = ParseV4Bits(part);
      if (!bits) return std::nullopt;
      groups[n++] = static_cast<uint16_t>(*bits >> 16);
      groups[n++] = static_cast<uint16_t>(*bits & 0xffff);
      i = s.size();
      break;
    }
    if (part.empty() || part.size() > 4) return std::nullopt;
    uint32_t v = 0;
    for (char c : part) {
      int d = HexDigit(c);
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<uint32_t>(d);
    }
    groups[n++] = static_cast<uint16_t>(v);
    i += part.size();
    if (i == s.size()) break;
    // i points at ':'
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  uint16_t full[8] = {};
  if (gap >= 0) {
    if (n >= 8) return std::nullopt;  // "::" must stand for at least one group
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  } else {
    if (n != 8) return std::nullopt;
    std::memcpy(full, groups, sizeof(full));
  }
  uint64_t hi = 0, lo = 0;
  for (int k = 0; k < 4; ++k) hi = (hi << 16) | full[k];
  for (int k = 4; k < 8; ++k) lo = (lo << 16) | full[k];
  return V6(hi, lo);
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return ParseV6(text);
  return ParseV4(text);
}

size_t IpAddress::Format(char* out) const {
  char* p = out;
  auto put_dec = [&p](uint32_t v) {
    char tmp[4];
    int k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) *p++ = tmp[--k];
  };
  if (!v6) {
    uint32_t b = v4_bits();
    put_dec(b >> 24);
    *p++ = '.';
    put_dec((b >> 16) & 0xff);
    *p++ = '.';
    put_dec((b >> 8) & 0xff);
    *p++ = '.';
    put_dec(b & 0xff);
    return static_cast<size_t>(p - out);
  }
  uint16_t g[8];
  for (int k = 0; k < 4; ++k) g[k] = static_cast<uint16_t>(hi >> (48 - 16 * k));
  for (int k = 0; k < 4; ++k) g[4 + k] = static_cast<uint16_t>(lo >> (48 - 16 * k));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first on ties.
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int j = k;
    while (j < 8 && g[j] == 0) ++j;
    if (j - k > best_len && j - k >= 2) {
      best = k;
      best_len = j - k;
    }
    k = j;
  }
  static const char kHex[] = "0123456789abcdef";
  bool need_colon = false;
  for (int k = 0; k < 8;) {
    if (k == best) {
      *p++ = ':';
      *p++ = ':';
      k += best_len;
      need_colon = false;
      continue;
    }
    if (need_colon) *p++ = ':';
    uint16_t v = g[k];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int d = (v >> shift) & 0xf;
      if (d || started || shift == 0) {
        *p++ = kHex[d];
        started = true;
      }
    }
    need_colon = true;
    ++k;
  }
  return static_cast<size_t>(p - out);
}

std::string IpAddress::ToString() const {
  char buf[kMaxTextLength];
  return std::string(buf, Format(buf));
}

std::optional<IpSubnet> IpSubnet::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto base = IpAddress::Parse(text.substr(0, slash));
  if (!base) return std::nullopt;
  std::string_view len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3) return std::nullopt;
  int prefix = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  int max = base->v6 ? 128 : 32;
  if (prefix > max) return std::nullopt;
  IpSubnet net{*base, prefix};
  // Clear host bits.
  if (!base->v6) {
    uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    net.base.lo = base->v4_bits() & mask;
  } else {
    uint64_t hi_mask =
        prefix >= 64 ? ~uint64_t{0} : (prefix == 0 ? 0 : ~uint64_t{0} << (64 - prefix));
    uint64_t lo_mask =
        prefix <= 64 ? 0 : (prefix == 128 ? ~uint64_t{0} : ~uint64_t{0} << (128 - prefix));
    net.base.hi &= hi_mask;
    net.base.lo &= lo_mask;
  }
  return net;
}

bool IpSubnet::Contains(const IpAddress& addr) const {
  if (addr.v6 != base.v6) return false;
  if (!addr.v6) {
    uint32_t mask = prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
    return (addr.v4_bits() & mask) == base.v4_bits();
  }
  int p = prefix_length;
  uint64_t hi_mask = p >= 64 ? ~uint64_t{0} : (p == 0 ? 0 : ~uint64_t{0} << (64 - p));
  uint64_t lo_mask = p <= 64 ? 0 : (p == 128 ? ~uint64_t{0} : ~uint64_t{0} << (128 - p));
  return (addr.hi & hi_mask) == base.hi && (addr.lo & lo_mask) == base.lo;
}

std::string IpSubnet::ToString() const {
  return base.ToString() + "/" + std::to_string(prefix_length);
}

namespace {

bool InAny(const IpAddress& a, const std::vector<IpSubnet>& nets) {
  for (const IpSubnet& n : nets) {
    if (n.Contains(a)) return true;
  }
  return false;
}

std::vector<IpSubnet> ParseAll(std::initializer_list<const char*> cidrs) {
  std::vector<IpSubnet> out;
  for (const char* c : cidrs) out.push_back(*IpSubnet::Parse(c));
  return out;
}

}  // namespace

bool IsPrivateAddress(const IpAddress& a) {
  static const std::vector<IpSubnet> kPrivate =
      ParseAll({"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"});
  return InAny(a, kPrivate);
}

bool IsReservedAddress(const IpAddress& a) {
  // IANA IPv4/IPv6 special-purpose address registries, less the private ranges.
  static const std::vector<IpSubnet> kReserved = ParseAll(
      {"0.0.0.0/8",    "100.64.0.0/10",  "127.0.0.0/8",   "169.254.0.0/16",  "192.0.0.0/24",
       "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
       "224.0.0.0/4",  "240.0.0.0/4",    "::/128",        "::1/128",         "::ffff:0:0/96",
       "64:ff9b::/96", "100::/64",       "2001::/23",     "2001:db8::/32",   "fe80::/10",
       "ff00::/8"});
  return InAny(a, kReserved);
}

bool IsPublicAddress(const IpAddress& a) {
  return !IsPrivateAddress(a) && !IsReservedAddress(a);
}

}  // namespace flowlens
