// Address columns (see column_codec.h): IPv4 values as 32-bit bits (a
// dictionary where that is smaller), IPv6 as byte planes of their halves, and
// the decoders that hand them out whole, compact (32-bit with IPv6 ids) or
// lazily at chosen rows.
#include <algorithm>
#include <bit>
#include <cstring>

#include "storage/column_codec.h"
#include "storage/column_codec_internal.h"

namespace flowlens::storage {

using namespace codec;  // NOLINT: the codec's shared pieces (column_codec_internal.h)

void EncodeAddressColumn(std::span<const IpAddress> values, const uint8_t* valid,
                         std::string* out) {
  EncodeValidity(valid, values.size(), out);
  std::vector<const IpAddress*> present;
  size_t v6 = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (valid != nullptr && !valid[i]) continue;
    present.push_back(&values[i]);
    v6 += values[i].v6;
  }
  std::vector<int64_t> v4_bits;
  std::vector<uint64_t> hi, lo;
  if (v6 == 0) {
    out->push_back(static_cast<char>(AddressFamilies::kAllV4));
  } else if (v6 == present.size()) {
    out->push_back(static_cast<char>(AddressFamilies::kAllV6));
  } else {
    out->push_back(static_cast<char>(AddressFamilies::kMixed));
    std::vector<uint8_t> is_v6;
    for (const IpAddress* a : present) is_v6.push_back(a->v6 ? 1 : 0);
    std::string bits((is_v6.size() + 7) / 8, '\0');
    for (size_t i = 0; i < is_v6.size(); ++i) {
      if (is_v6[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
    }
    out->append(bits);
  }
  for (const IpAddress* a : present) {
    if (a->v6) {
      hi.push_back(a->hi);
      lo.push_back(a->lo);
    } else {
      v4_bits.push_back(static_cast<int64_t>(a->v4_bits()));
    }
  }
  PutVarint64(out, v4_bits.size());
  EncodeIntsOrDictionary(v4_bits, out);
  PutVarint64(out, hi.size());
  // High halves then low halves, each as 8 planes: prefixes repeat, zstd finds them.
  PutPlanes(hi, 8, out);
  PutPlanes(lo, 8, out);
}

namespace {

// The 8 bytes at p[at..] of a buffer of `bytes` bytes, little-endian, zeros
// past its end.
uint64_t Load64(const uint8_t* p, size_t bytes, size_t at) {
  uint64_t word = 0;
  if (at + 8 <= bytes) {
    std::memcpy(&word, p + at, 8);
  } else {
    for (size_t j = at; j < bytes; ++j) word |= uint64_t{p[j]} << (8 * (j - at));
  }
  return word;
}

// Bits [64w, 64w + 64) of a bitmap of `bytes` bytes.
uint64_t BitWord(const uint8_t* bits, size_t bytes, size_t w) {
  return Load64(bits, bytes, w * 8);
}

// rank[w] = set bits among the first `n` bits before word w; returns all
// set bits among the first n.
size_t BuildRank(const uint8_t* bits, size_t n, std::vector<uint32_t>* rank) {
  const size_t words = (n + 63) / 64, bytes = (n + 7) / 8;
  rank->resize(words);
  size_t ones = 0;
  for (size_t w = 0; w < words; ++w) {
    (*rank)[w] = static_cast<uint32_t>(ones);
    uint64_t word = BitWord(bits, bytes, w);
    if (n - 64 * w < 64) word &= (uint64_t{1} << (n - 64 * w)) - 1;
    ones += static_cast<size_t>(std::popcount(word));
  }
  return ones;
}

// Whether bit p is set, and the set bits before it.
inline bool RankAt(const uint8_t* bits, size_t n, const std::vector<uint32_t>& rank, size_t p,
                   size_t* before) {
  const uint64_t word = BitWord(bits, (n + 7) / 8, p / 64);
  const uint64_t below = word & ((uint64_t{1} << (p % 64)) - 1);
  *before = rank[p / 64] + static_cast<size_t>(std::popcount(below));
  return (word >> (p % 64)) & 1;
}

}  // namespace

bool DecodeLazyAddressColumn(Decoder* d, size_t n, LazyAddressColumn* out) {
  const Decoder start = *d;
  out->usable = false;
  out->rows = n;
  out->valid_bits = out->v6_bits = nullptr;
  auto other_shape = [&] {
    *d = start;
    return true;
  };
  size_t present = n;
  switch (static_cast<Validity>(d->Byte())) {
    case Validity::kAllValid:
      break;
    case Validity::kBitmap: {
      std::string_view bits = d->Bytes((n + 7) / 8);
      if (d->failed()) return false;
      out->valid_bits = reinterpret_cast<const uint8_t*>(bits.data());
      present = BuildRank(out->valid_bits, n, &out->valid_rank);
      break;
    }
    default:
      return other_shape();  // none present (or malformed: the full decoder says so)
  }
  const auto families = static_cast<AddressFamilies>(d->Byte());
  if (families == AddressFamilies::kMixed) {
    std::string_view bits = d->Bytes((present + 7) / 8);
    if (d->failed()) return false;
    out->v6_bits = reinterpret_cast<const uint8_t*>(bits.data());
  } else if (families != AddressFamilies::kAllV4) {
    return other_shape();
  }
  out->n4 = d->Count(present);
  if (d->failed()) return false;
  if (out->n4 == 0 || static_cast<IntTransform>(d->Peek()) != IntTransform::kDictionary) {
    return other_shape();
  }
  d->Byte();
  const size_t size = d->Count(out->n4);
  if (d->failed() || size == 0 ||
      static_cast<IntTransform>(d->Peek()) == IntTransform::kDictionary ||
      !DecodeInts<uint32_t>(d, size, &out->dict)) {
    return false;
  }
  out->bits = d->Byte();
  if (d->failed() || out->bits > 32 || (size > 1 && BitWidth(size - 1) > out->bits)) return false;
  out->packed_size = (out->n4 * static_cast<size_t>(out->bits) + 7) / 8;
  std::string_view packed = d->Bytes(out->packed_size);
  out->packed = reinterpret_cast<const uint8_t*>(packed.data());
  const size_t n6 = d->Count(present);
  if (d->failed() || out->n4 + n6 != present) return false;
  if (out->v6_bits != nullptr) {
    if (BuildRank(out->v6_bits, present, &out->v6_rank) != n6) return false;
  } else if (n6 != 0) {
    return false;
  }
  out->n6 = n6;
  out->v6_planes = TakePlanes(d, 2 * n6, 8);
  if (out->v6_planes == nullptr) return false;
  out->usable = true;
  return true;
}

bool LazyAddressColumn::At(size_t p, IpAddress* a, bool* present) const {
  *a = IpAddress{};
  size_t q = p;
  if (valid_bits != nullptr && !RankAt(valid_bits, rows, valid_rank, p, &q)) {
    *present = false;
    return true;
  }
  *present = true;
  size_t i4 = q;
  if (v6_bits != nullptr) {
    size_t six;
    if (RankAt(v6_bits, n4 + n6, v6_rank, q, &six)) {
      // DecodeLazyAddressColumn checked the count of IPv6 flags: six < n6.
      uint64_t half[2] = {0, 0};
      for (size_t h = 0; h < 2; ++h) {
        for (size_t b = 0; b < 8; ++b) {
          half[h] |= uint64_t{v6_planes[(8 * h + b) * n6 + six]} << (8 * b);
        }
      }
      *a = IpAddress::V6(half[0], half[1]);
      return true;
    }
    i4 = q - six;
  }
  uint64_t code = 0;
  if (bits > 0) {
    const size_t bit = i4 * static_cast<size_t>(bits);
    const uint64_t word = Load64(packed, packed_size, bit / 8);
    code = (word >> (bit % 8)) & (~uint64_t{0} >> (64 - bits));
  }
  if (code >= dict.size()) return false;
  *a = IpAddress::V4(dict[code]);
  return true;
}

bool DecodeCompactAddressColumn(Decoder* d, size_t n, std::vector<uint32_t>* values,
                                std::vector<uint8_t>* v6, std::vector<IpAddress>* v6s,
                                std::vector<uint8_t>* valid) {
  size_t present = DecodeValidity(d, n, valid);
  auto families = static_cast<AddressFamilies>(d->Byte());
  std::string_view bits;
  if (families == AddressFamilies::kMixed) {
    bits = d->Bytes((present + 7) / 8);
  } else if (families != AddressFamilies::kAllV4 && families != AddressFamilies::kAllV6) {
    return false;
  }
  size_t n4 = d->Count(present);
  if (families == AddressFamilies::kAllV4) {
    // The common case: the bits go straight into *values, 32 bits wide.
    if (d->failed() || n4 != present || !DecodeInts<uint32_t>(d, n4, values)) return false;
    if (d->Count(present) != 0 || d->failed()) return false;
    v6->clear();
    v6s->clear();
    Scatter(*valid, n, values);
    return true;
  }
  thread_local std::vector<uint32_t> v4;  // decoded into again and again (see IntScratch)
  if (d->failed() || !DecodeInts<uint32_t>(d, n4, &v4)) return false;
  size_t n6 = d->Count(present);
  std::vector<uint64_t> hi, lo;
  if (d->failed() || n4 + n6 != present || !GetPlanes(d, n6, 8, &hi) || !GetPlanes(d, n6, 8, &lo)) {
    return false;
  }
  v6s->resize(n6);
  for (size_t i = 0; i < n6; ++i) (*v6s)[i] = IpAddress::V6(hi[i], lo[i]);
  values->resize(present);
  if (n6 == 0) {  // a mixed chunk without IPv6 (not written so, but valid): `v6` stays empty
    if (n4 != present) return false;
    std::copy(v4.begin(), v4.begin() + static_cast<std::ptrdiff_t>(present), values->begin());
    v6->clear();
    Scatter(*valid, n, values);
    return true;
  }
  v6->resize(present);
  uint32_t* out = values->data();
  uint8_t* is6 = v6->data();
  const uint8_t* b = reinterpret_cast<const uint8_t*>(bits.data());
  // Why it is fast: 64 rows at a time; a run of IPv4 rows (most of them
  // when IPv6 is rare) is a copy, not a bit test and a branch per row.
  // Benchmark: bench/segment_bench.cc BM_DecodeAddresses.
  size_t i4 = 0, i6 = 0;
  for (size_t w = 0; w < present; w += 64) {
    const size_t k = std::min<size_t>(64, present - w);
    uint64_t word = ~uint64_t{0};
    if (families == AddressFamilies::kMixed) {
      word = 0;
      for (size_t j = 0; j < (k + 7) / 8; ++j) word |= uint64_t{b[w / 8 + j]} << (8 * j);
    }
    if (k < 64) word &= (uint64_t{1} << k) - 1;
    const size_t six = static_cast<size_t>(std::popcount(word));
    if (i4 + (k - six) > n4 || i6 + six > n6) return false;
    if (word == 0) {
      std::memcpy(out + w, v4.data() + i4, k * sizeof(uint32_t));
      std::memset(is6 + w, 0, k);
      i4 += k;
      continue;
    }
    // IPv6 rows are few (a few percent) but in most words: the IPv4 runs
    // between them are copied whole, one step per IPv6 row, not per row.
    size_t j = 0;
    for (uint64_t rest = word; j < k; rest &= rest - 1) {
      const size_t six_at = rest == 0 ? k : static_cast<size_t>(std::countr_zero(rest));
      std::memcpy(out + w + j, v4.data() + i4, (six_at - j) * sizeof(uint32_t));
      std::memset(is6 + w + j, 0, six_at - j);
      i4 += six_at - j;
      if (six_at == k) break;
      out[w + six_at] = static_cast<uint32_t>(i6++);
      is6[w + six_at] = 1;
      j = six_at + 1;
    }
  }
  Scatter(*valid, n, v6);
  Scatter(*valid, n, values);
  return true;
}
}  // namespace flowlens::storage
