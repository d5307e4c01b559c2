#include "flowlog/split_record.h"

#include <cstring>

namespace flowlens {
namespace {

constexpr uint64_t kZeros = 0x3030303030303030ULL;

// The 8 bytes at p as digits: the first `len` are the number, the rest is
// whatever follows it. Shifting the number to the high bytes and filling the
// low ones with '0' gives leading zeros, so one SWAR check and conversion
// serve every length from 1 to 8.
[[gnu::always_inline]] inline bool EightDigits(const char* p, size_t len, uint64_t* out) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  const unsigned shift = static_cast<unsigned>(8 * (8 - len));
  if (shift) w = (w << shift) | (kZeros >> (64 - shift));
  // Every byte in '0'..'9': high nibble 3, and adding 6 keeps it 3.
  if (((w & 0xF0F0F0F0F0F0F0F0ULL) |
       (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) != 0x3333333333333333ULL) {
    return false;
  }
  w -= kZeros;
  w = (w * 10) + (w >> 8);  // pairs
  w = (((w & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
       (((w >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
      32;
  *out = w;
  return true;
}

[[gnu::always_inline]] inline bool DigitsInline(const char* p, size_t len, const char* end,
                                                uint64_t* out) {
  if (len - 1 < 8 && end - p >= 8) return EightDigits(p, len, out);
  if (len - 9 < 8 && end - p >= 16) {
    uint64_t hi, lo;
    if (!EightDigits(p, len - 8, &hi)) return false;
    if (!EightDigits(p + len - 8, 8, &lo)) return false;  // the last 8 digits
    *out = hi * 100000000ULL + lo;
    return true;
  }
  return ParseUnsigned(std::string_view(p, len), out);
}

}  // namespace

bool ParseDigitsFast(const char* p, size_t len, const char* end, uint64_t* out) {
  return DigitsInline(p, len, end, out);
}

namespace {

[[gnu::always_inline]] inline bool Ipv4Inline(const char* p, size_t len, uint32_t* out) {
  if (len < 7 || len > 15) return false;
  const char* e = p + len;
  uint32_t bits = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (p == e) return false;
    uint32_t v = static_cast<unsigned char>(*p) - '0';
    if (v > 9) return false;
    ++p;
    if (p != e && static_cast<unsigned>(static_cast<unsigned char>(*p) - '0') <= 9) {
      if (v == 0) return false;  // no leading zero
      v = v * 10 + static_cast<uint32_t>(*p++ - '0');
      if (p != e && static_cast<unsigned>(static_cast<unsigned char>(*p) - '0') <= 9) {
        v = v * 10 + static_cast<uint32_t>(*p++ - '0');
        if (v > 255) return false;
      }
    }
    bits = (bits << 8) | v;
    if (octet < 3) {
      if (p == e || *p != '.') return false;
      ++p;
    }
  }
  if (p != e) return false;
  *out = bits;
  return true;
}

}  // namespace

bool ParseIpv4Fast(const char* p, size_t len, uint32_t* out) {
  return Ipv4Inline(p, len, out);
}

SplitRecordParser::SplitRecordParser(const Layout& layout, const std::vector<bool>& keep) {
  ops_.reserve(layout.size());
  for (size_t pos = 0; pos < layout.size(); ++pos) {
    const FieldInfo& f = layout.field(pos);
    ops_.push_back({f.kind, pos < keep.size() && keep[pos], static_cast<uint64_t>(f.max_value)});
  }
}

bool SplitRecordParser::Parse(const SplitLine& line, const char* base, const char* end,
                              FlowRecord* out) const {
  if (!line.simple || line.space_count + 1 != ops_.size()) return false;
  for (uint32_t pos = 0; pos < ops_.size(); ++pos) {
    const FieldOp& op = ops_[pos];
    const std::string_view tok = line.field(base, pos);
    if (tok.size() == 1 && tok[0] == '-') {
      out->set_missing(pos);
      continue;
    }
    switch (op.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime: {
        uint64_t v;
        if (!DigitsInline(tok.data(), tok.size(), end, &v) || v > op.max_value) return false;
        if (op.keep) out->set_int(pos, static_cast<int64_t>(v));
        break;
      }
      case ValueKind::kAddress: {
        uint32_t bits;
        if (Ipv4Inline(tok.data(), tok.size(), &bits)) {
          if (op.keep) out->set_addr(pos, IpAddress::V4(bits));
        } else {
          std::optional<IpAddress> a = IpAddress::Parse(tok);  // IPv6
          if (!a) return false;
          if (op.keep) out->set_addr(pos, *a);
        }
        break;
      }
      case ValueKind::kString:
        if (op.keep) out->set_str(pos, tok);
        break;
    }
  }
  return true;
}

}  // namespace flowlens
