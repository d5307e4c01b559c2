#include "flowlog/ip_token.h"

#include <immintrin.h>

#include <array>

namespace flowlens {
namespace {

// A dotted quad's shape: bit i set for each dot at byte i and for the end of
// the token (bit len). Lengths of 1 to 3 digits per octet give 81 shapes,
// which (shape * kShapeHash) >> 24 maps to distinct slots of 256 (checked at
// compile time below; the multiplier was found by search).
constexpr uint32_t kShapeHash = 0x86e5b70dU;

constexpr uint32_t ShapeSlot(uint32_t shape) {
  return (shape * kShapeHash) >> 24;
}

// One octet-length layout: the shuffle that puts octet i's digits right-
// aligned in bytes 4i..4i+2 (zeros elsewhere), and each octet's smallest
// value without a leading zero (0, 10 or 100).
struct alignas(16) Ipv4Layout {
  uint8_t shuffle[16];
  int32_t min[4];
  uint32_t shape;  // 0: no layout in this slot
};

struct Ipv4Table {
  std::array<Ipv4Layout, 256> slots{};
  bool perfect = true;
};

constexpr Ipv4Table MakeIpv4Table() {
  Ipv4Table t;
  for (uint32_t code = 0; code < 81; ++code) {
    uint32_t lens[4] = {code % 3 + 1, code / 3 % 3 + 1, code / 9 % 3 + 1, code / 27 + 1};
    Ipv4Layout l{};
    uint32_t pos = 0;
    for (uint32_t i = 0; i < 4; ++i) {
      for (uint32_t k = 0; k < 4; ++k) l.shuffle[4 * i + k] = 0x80;  // zero
      for (uint32_t k = 0; k < lens[i]; ++k) {
        l.shuffle[4 * i + 3 - lens[i] + k] = static_cast<uint8_t>(pos + k);
      }
      l.min[i] = lens[i] == 1 ? 0 : lens[i] == 2 ? 10 : 100;
      pos += lens[i];
      l.shape |= 1u << pos;
      ++pos;
    }
    Ipv4Layout& slot = t.slots[ShapeSlot(l.shape)];
    if (slot.shape != 0) t.perfect = false;
    slot = l;
  }
  return t;
}

constexpr Ipv4Table kIpv4Table = MakeIpv4Table();
static_assert(kIpv4Table.perfect, "kShapeHash must map the 81 dotted-quad shapes apart");

// Digit weights per octet lane: 100, 10, 1 for the three digit bytes.
alignas(16) constexpr int8_t kWeights[16] = {100, 10, 1, 0, 100, 10, 1, 0,
                                             100, 10, 1, 0, 100, 10, 1, 0};

constexpr std::array<int8_t, 256> MakeHexTable() {
  std::array<int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<size_t>(c)] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
                                : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
                                : c >= 'A' && c <= 'F' ? static_cast<int8_t>(c - 'A' + 10)
                                                       : int8_t{-1};
  }
  return t;
}

constexpr std::array<int8_t, 256> kHex = MakeHexTable();

}  // namespace

bool HasIpv4Ssse3() {
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("ssse3"));
  return has;
}

__attribute__((target("ssse3"))) bool ParseIpv4Ssse3(const char* p, size_t len, uint32_t* out) {
  if (len - 7 > 8) return false;  // 7..15 bytes
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const uint32_t in = (1u << len) - 1;
  const uint32_t dots =
      static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))) & in;
  const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  const uint32_t digits = static_cast<uint32_t>(_mm_movemask_epi8(
                              _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d))) &
                          in;
  const uint32_t shape = dots | (1u << len);
  const Ipv4Layout& l = kIpv4Table.slots[ShapeSlot(shape)];
  // Every byte a digit or a dot, and the dots where a layout has them (which
  // also rules out empty and four-digit octets, and a count of dots not 3).
  if ((dots | digits) != in || l.shape != shape) return false;
  const __m128i lanes =
      _mm_shuffle_epi8(d, _mm_load_si128(reinterpret_cast<const __m128i*>(l.shuffle)));
  const __m128i pairs =
      _mm_maddubs_epi16(lanes, _mm_load_si128(reinterpret_cast<const __m128i*>(kWeights)));
  const __m128i octets = _mm_madd_epi16(pairs, _mm_set1_epi16(1));
  const __m128i bad = _mm_or_si128(
      _mm_cmpgt_epi32(octets, _mm_set1_epi32(255)),
      _mm_cmplt_epi32(octets, _mm_load_si128(reinterpret_cast<const __m128i*>(l.min))));
  if (_mm_movemask_epi8(bad) != 0) return false;
  // The low byte of each lane, first octet in the high byte.
  const __m128i packed = _mm_shuffle_epi8(
      octets, _mm_setr_epi8(12, 8, 4, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
  *out = static_cast<uint32_t>(_mm_cvtsi128_si32(packed));
  return true;
}

bool ParseIpv6Common(const char* p, size_t len, IpAddress* out) {
  if (len < 2 || len > 39) return false;
  uint16_t groups[8];
  int n = 0;     // groups read
  int gap = -1;  // groups before the "::"
  size_t i = 0;
  if (p[0] == ':') {
    if (p[1] != ':') return false;
    gap = 0;
    i = 2;
  }
  while (i < len) {
    // One group: 1 to 4 hex digits.
    uint32_t v = 0;
    const size_t start = i;
    int8_t h;
    while (i < len && i - start < 4 && (h = kHex[static_cast<unsigned char>(p[i])]) >= 0) {
      v = v * 16 + static_cast<uint32_t>(h);
      ++i;
    }
    if (i == start || n == 8) return false;
    groups[n++] = static_cast<uint16_t>(v);
    if (i == len) break;
    if (p[i] != ':') return false;  // a fifth digit, a dotted quad, anything else
    ++i;
    if (i == len) return false;  // a trailing single ':'
    if (p[i] == ':') {
      if (gap >= 0) return false;  // a second "::"
      gap = n;
      ++i;
    }
  }
  // "::" stands for at least one zero group; without it there are eight.
  if (gap >= 0 ? n > 7 : n != 8) return false;
  const int tail = gap >= 0 ? n - gap : 0;
  const int head = gap >= 0 ? gap : n;
  uint64_t hi = 0, lo = 0;
  for (int k = 0; k < 8; ++k) {
    const uint64_t g = k < head ? groups[k] : k >= 8 - tail ? groups[n - (8 - k)] : 0;
    if (k < 4) {
      hi = (hi << 16) | g;
    } else {
      lo = (lo << 16) | g;
    }
  }
  *out = IpAddress::V6(hi, lo);
  return true;
}

}  // namespace flowlens
