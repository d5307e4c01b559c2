#include "flowlog/split_record.h"

#include <emmintrin.h>

#include "flowlog/ip_token.h"

#include <algorithm>
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

// Validate-only for an integer field the caller does not keep: true when the
// token is 1..`safe` digits, which can never exceed the field's largest value
// (`safe` is one fewer digit than that value has, at most 16). One 16-byte
// compare, no conversion. False is "not decided": '-', longer tokens (leading
// zeros included) and bad ones take the full parse, so the verdict is the
// same. Needs 16 readable bytes at p, checked against `end`.
[[gnu::always_inline]] inline bool ShortDigits(const char* p, size_t len, size_t safe,
                                               const char* end) {
  if (len - 1 >= safe || end - p < 16) return false;
  const __m128i d =
      _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('0'));
  const uint32_t digits = static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)));
  const uint32_t in = (1u << len) - 1;
  return (digits & in) == in;
}

}  // namespace

bool ParseIpv4Fast(const char* p, size_t len, uint32_t* out) {
  return Ipv4Inline(p, len, out);
}

namespace {

// Whether addresses take ParseIpv4Ssse3 (decided once per process).
const bool kUseSsse3 = HasIpv4Ssse3();

// One field: false when the token is not certainly valid. `Kind` is a
// template argument so that the default layout's parse is straight-line code.
// With `kExact`, *canonical is cleared when WriteRecord would not write the
// token back as it is: an integer with a leading zero, an IPv6 address not in
// RFC 5952 form. (Dotted quads the IPv4 kernels accept are canonical: they
// refuse leading zeros and octets above 255; '-' and strings are written as
// read.)
template <ValueKind Kind, bool kExact>
[[gnu::always_inline]] inline bool ParseField(std::string_view tok, bool keep, uint64_t max_value,
                                              uint32_t safe, uint32_t pos, const char* end,
                                              FlowRecord* out, bool* canonical) {
  if constexpr (Kind == ValueKind::kString) {
    if (!keep) return true;  // any text is a valid string
  }
  if constexpr (!kExact && (Kind == ValueKind::kInt || Kind == ValueKind::kTime)) {
    if (!keep && ShortDigits(tok.data(), tok.size(), safe, end)) return true;
  }
  if (tok.size() == 1 && tok[0] == '-') {
    out->set_missing(pos);
    return true;
  }
  if constexpr (Kind == ValueKind::kInt || Kind == ValueKind::kTime) {
    uint64_t v;
    if (!DigitsInline(tok.data(), tok.size(), end, &v) || v > max_value) return false;
    if constexpr (kExact) *canonical &= tok.size() == 1 || tok[0] != '0';
    out->set_int(pos, static_cast<int64_t>(v));
  } else if constexpr (Kind == ValueKind::kAddress) {
    uint32_t bits;
    // The shuffle-table kernel (ip_token.h) where the CPU has SSSE3 and 16
    // bytes can be read, else the scalar one (bench/record_parser_bench.cc
    // BM_Ipv4).
    const bool v4 = kUseSsse3 && end - tok.data() >= 16
                        ? ParseIpv4Ssse3(tok.data(), tok.size(), &bits)
                        : Ipv4Inline(tok.data(), tok.size(), &bits);
    if (v4) {
      out->set_addr(pos, IpAddress::V4(bits));
    } else {
      IpAddress a;
      if (!ParseIpv6Common(tok.data(), tok.size(), &a)) {
        // Embedded dotted quads and malformed text: the generic parser.
        std::optional<IpAddress> slow = IpAddress::Parse(tok);
        if (!slow) return false;
        a = *slow;
      }
      if constexpr (kExact) {
        char text[IpAddress::kMaxTextLength];
        *canonical &= std::string_view(text, a.Format(text)) == tok;
      }
      out->set_addr(pos, a);
    }
  } else {
    out->set_str(pos, tok);
  }
  return true;
}

constexpr ValueKind kDefaultKinds[] = {ValueKind::kInt,     ValueKind::kString,  ValueKind::kString,
                                       ValueKind::kAddress, ValueKind::kAddress, ValueKind::kInt,
                                       ValueKind::kInt,     ValueKind::kInt,     ValueKind::kInt,
                                       ValueKind::kInt,     ValueKind::kTime,    ValueKind::kTime,
                                       ValueKind::kString,  ValueKind::kString};
constexpr uint32_t kDefaultFields = sizeof(kDefaultKinds) / sizeof(kDefaultKinds[0]);

template <uint32_t I>
[[gnu::always_inline]] inline std::string_view FixedField(const SplitLine& line, const char* base) {
  const char* b = I == 0 ? line.text.data() : base + line.spaces[I - 1] + 1;
  const char* e =
      I + 1 == kDefaultFields ? line.text.data() + line.text.size() : base + line.spaces[I];
  return std::string_view(b, static_cast<size_t>(e - b));
}

}  // namespace

SplitRecordParser::SplitRecordParser(const Layout& layout, const std::vector<bool>& keep) {
  ops_.reserve(layout.size());
  for (size_t pos = 0; pos < layout.size(); ++pos) {
    const FieldInfo& f = layout.field(pos);
    // Digits that can never exceed max_value: one fewer than it has.
    uint32_t digits = 0;
    for (uint64_t m = static_cast<uint64_t>(f.max_value); m; m /= 10) ++digits;
    const uint32_t safe = digits > 1 ? std::min<uint32_t>(digits - 1, 16) : 0;
    ops_.push_back(
        {f.kind, pos < keep.size() && keep[pos], safe, static_cast<uint64_t>(f.max_value)});
  }
  default_layout_ = layout.size() == kDefaultFields;
  for (size_t pos = 0; default_layout_ && pos < layout.size(); ++pos) {
    default_layout_ = layout.field(pos).kind == kDefaultKinds[pos];
  }
}

// The default layout, unrolled: no per-field dispatch on the field's kind.
template <bool kExact, uint32_t... I>
bool SplitRecordParser::ParseDefault(std::integer_sequence<uint32_t, I...>, const SplitLine& line,
                                     const char* base, const char* end, FlowRecord* out,
                                     bool* canonical) const {
  return (ParseField<kDefaultKinds[I], kExact>(FixedField<I>(line, base), ops_[I].keep,
                                               ops_[I].max_value, ops_[I].safe_digits, I, end, out,
                                               canonical) &&
          ...);
}

template <bool kExact>
bool SplitRecordParser::ParseAny(const SplitLine& line, const char* base, const char* end,
                                 FlowRecord* out, bool* canonical) const {
  // An empty line is no record (ParseRecord: "has 0 fields"), even where a
  // one-field layout would take it for one empty field.
  if (!line.simple || line.space_count + 1 != ops_.size() || line.text.empty()) return false;
  if (default_layout_) {
    return ParseDefault<kExact>(std::make_integer_sequence<uint32_t, kDefaultFields>(), line, base,
                                end, out, canonical);
  }
  for (uint32_t pos = 0; pos < ops_.size(); ++pos) {
    const FieldOp& op = ops_[pos];
    const std::string_view tok = line.field(base, pos);
    bool ok = false;
    switch (op.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        ok = ParseField<ValueKind::kInt, kExact>(tok, op.keep, op.max_value, op.safe_digits, pos,
                                                 end, out, canonical);
        break;
      case ValueKind::kAddress:
        ok = ParseField<ValueKind::kAddress, kExact>(tok, op.keep, op.max_value, op.safe_digits,
                                                     pos, end, out, canonical);
        break;
      case ValueKind::kString:
        ok = ParseField<ValueKind::kString, kExact>(tok, op.keep, op.max_value, op.safe_digits, pos,
                                                    end, out, canonical);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

bool SplitRecordParser::Parse(const SplitLine& line, const char* base, const char* end,
                              FlowRecord* out) const {
  bool unused = true;
  return ParseAny<false>(line, base, end, out, &unused);
}

bool SplitRecordParser::ParseExact(const SplitLine& line, const char* base, const char* end,
                                   FlowRecord* out, bool* exact) const {
  // A simple line has single spaces between fields and no blanks around
  // them, as WriteRecord writes; what is left to check is each field's text.
  *exact = true;
  return ParseAny<true>(line, base, end, out, exact);
}

}  // namespace flowlens
