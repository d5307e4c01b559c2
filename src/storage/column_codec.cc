#include "storage/column_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "storage/column_codec_internal.h"
#include "storage/format.h"

namespace flowlens::storage {
namespace codec {

int ByteWidth(uint64_t range) {
  int w = 0;
  while (range != 0) {
    ++w;
    range >>= 8;
  }
  return w;
}

// Appends the low `width` bytes of each value, plane by plane.
void PutPlanes(std::span<const uint64_t> v, int width, std::string* out) {
  size_t start = out->size();
  out->resize(start + v.size() * static_cast<size_t>(width));
  char* p = out->data() + start;
  for (int b = 0; b < width; ++b) {
    for (size_t i = 0; i < v.size(); ++i) *p++ = static_cast<char>(v[i] >> (8 * b));
  }
}

// Rebuilds n values of `width` bytes from their planes (plane b holds byte b
// of every value) plus `add`, into out[0..n), wrapping in T (uint64_t, or
// uint32_t for IPv4 bits). Why it is fast: one pass over the output with the
// width fixed at compile time, so the inner loop over the planes unrolls and
// vectorizes and the values go straight to their destination (no zero-filled
// temporary, no read-modify-write per plane); the width picks the loop from a
// table, once per chunk. Benchmark: bench/segment_bench.cc BM_DecodeInts,
// BM_DecodeAddresses, BM_ReadColumn.
// Planes are `stride` bytes apart (the chunk's value count): a reader may
// rebuild a run of values from the middle (PlanarInts::Get).
template <int W, typename T>
void UnplaneW(const uint8_t* p, size_t stride, size_t n, uint64_t add, T* out) {
  for (size_t i = 0; i < n; ++i) {
    uint64_t v = 0;
    for (int b = 0; b < W; ++b) v |= uint64_t{p[static_cast<size_t>(b) * stride + i]} << (8 * b);
    out[i] = static_cast<T>(v + add);
  }
}

template <typename T>
using UnplaneFn = void (*)(const uint8_t*, size_t, size_t, uint64_t, T*);

template <typename T, int... W>
constexpr std::array<UnplaneFn<T>, sizeof...(W)> UnplaneTable(std::integer_sequence<int, W...>) {
  return {&UnplaneW<W, T>...};
}

// `width` is 0..8 (TakePlanes checks it); values [first, first + n) of planes
// `stride` values long.
template <typename T>
void Unplane(const uint8_t* p, size_t stride, size_t first, size_t n, int width, uint64_t add,
             T* out) {
  static constexpr auto kTable = UnplaneTable<T>(std::make_integer_sequence<int, 9>());
  kTable[static_cast<size_t>(width)](p + first, stride, n, add, out);
}
template <typename T>
void Unplane(const uint8_t* p, size_t n, int width, uint64_t add, T* out) {
  Unplane(p, n, 0, n, width, add, out);
}

// The planes of n values of `width` bytes from `d`, or null when they are not there.
const uint8_t* TakePlanes(Decoder* d, size_t n, int width) {
  if (width < 0 || width > 8) return d->Fail(), nullptr;
  std::string_view planes = d->Bytes(n * static_cast<size_t>(width));
  if (d->failed()) return nullptr;
  return reinterpret_cast<const uint8_t*>(planes.data());
}

bool GetPlanes(Decoder* d, size_t n, int width, std::vector<uint64_t>* v) {
  const uint8_t* p = TakePlanes(d, n, width);
  if (p == nullptr) return false;
  v->resize(n);
  Unplane<uint64_t>(p, n, width, 0, v->data());
  return true;
}

void EncodeValidity(const uint8_t* valid, size_t n, std::string* out) {
  size_t present = valid == nullptr ? n : static_cast<size_t>(std::count(valid, valid + n, 1));
  if (present == n) return out->push_back(static_cast<char>(Validity::kAllValid));
  if (present == 0) return out->push_back(static_cast<char>(Validity::kNoneValid));
  out->push_back(static_cast<char>(Validity::kBitmap));
  std::string bits((n + 7) / 8, '\0');
  for (size_t i = 0; i < n; ++i) {
    if (valid[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  }
  out->append(bits);
}

// Byte b of kExpandBits[x] is bit b of x: eight validity flags per lookup.
constexpr std::array<uint64_t, 256> kExpandBits = [] {
  std::array<uint64_t, 256> t{};
  for (int x = 0; x < 256; ++x) {
    for (int b = 0; b < 8; ++b) t[x] |= uint64_t((x >> b) & 1) << (8 * b);
  }
  return t;
}();

constexpr std::array<uint8_t, 256> kBitCount = [] {
  std::array<uint8_t, 256> t{};
  for (int x = 0; x < 256; ++x)
    t[x] = static_cast<uint8_t>(std::popcount(static_cast<unsigned>(x)));
  return t;
}();

// The first n bits of `bits` (LSB first) as n 0/1 bytes into out[0..n);
// returns how many are set.
size_t ExpandBits(const uint8_t* bits, size_t n, uint8_t* out) {
  size_t ones = 0;
  const size_t whole = n / 8;
  for (size_t j = 0; j < whole; ++j) {
    std::memcpy(out + 8 * j, &kExpandBits[bits[j]], 8);
    ones += kBitCount[bits[j]];
  }
  for (size_t i = whole * 8; i < n; ++i) {
    out[i] = (bits[i / 8] >> (i % 8)) & 1;
    ones += out[i];
  }
  return ones;
}

// Fills `valid` (n flags, or empty when all are present); returns the present count.
size_t DecodeValidity(Decoder* d, size_t n, std::vector<uint8_t>* valid) {
  switch (static_cast<Validity>(d->Byte())) {
    case Validity::kAllValid:
      valid->clear();
      return n;
    case Validity::kNoneValid:
      valid->assign(n, 0);
      return 0;
    case Validity::kBitmap: {
      std::string_view bits = d->Bytes((n + 7) / 8);
      if (d->failed()) return 0;
      valid->resize(n);  // every flag is written below: a reused vector is not cleared first
      return ExpandBits(reinterpret_cast<const uint8_t*>(bits.data()), n, valid->data());
    }
  }
  d->Fail();
  return 0;
}

// Appends code(i) for i in [0, n), `bits` (1..32) wide, packed LSB first
// into ceil(n * bits / 8) bytes.
template <typename X>
void PackBits(size_t n, int bits, const X& code, std::string* out) {
  const size_t bytes = (n * static_cast<size_t>(bits) + 7) / 8;
  const size_t start = out->size();
  out->resize(start + bytes + 8);  // 8 spare bytes: whole-word stores, cut below
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data() + start);
  std::memset(p, 0, bytes + 8);
  for (size_t i = 0; i < n; ++i) {
    const size_t bit = i * static_cast<size_t>(bits);
    uint64_t word;
    std::memcpy(&word, p + bit / 8, 8);
    word |= code(i) << (bit % 8);
    std::memcpy(p + bit / 8, &word, 8);
  }
  out->resize(start + bytes);
}

// Writes the low W bytes of x(i) for i in [0, n), plane by plane (plane b at
// out + b*n holds byte b of every value), in one pass over the values.
template <int W, typename X>
void PutPlanesW(size_t n, const X& x, char* out) {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = x(i);
    for (int b = 0; b < W; ++b)
      out[static_cast<size_t>(b) * n + i] = static_cast<char>(v >> (8 * b));
  }
}

template <typename X>
void PutPlanesFast(size_t n, int width, const X& x, std::string* out) {
  const size_t start = out->size();
  out->resize(start + n * static_cast<size_t>(width));
  char* p = out->data() + start;
  switch (width) {
    case 0:
      return;
    case 1:
      return PutPlanesW<1>(n, x, p);
    case 2:
      return PutPlanesW<2>(n, x, p);
    case 3:
      return PutPlanesW<3>(n, x, p);
    case 4:
      return PutPlanesW<4>(n, x, p);
    case 5:
      return PutPlanesW<5>(n, x, p);
    case 6:
      return PutPlanesW<6>(n, x, p);
    case 7:
      return PutPlanesW<7>(n, x, p);
    default:
      return PutPlanesW<8>(n, x, p);
  }
}

// The values v[0..n), read as int64_t: frame of reference or delta,
// whichever is narrower, as byte planes; or, for two adjacent values (reply
// flags, the codes of a two-valued string column), a dictionary of the two
// and one bit a value (segment version 4 readers read it: the dictionary
// transform). Every int encoder goes through here, so one piece of code
// decides the bytes. Why it is fast: one pass finds both transforms'
// ranges, and the planes are written straight from the values, all of a
// value's bytes at once with the width fixed at compile time. Benchmark:
// bench/ingest_bench.cc BM_EncodeIntColumn.
template <typename T>
void EncodeIntsFast(const T* v, size_t n, std::string* out) {
  if (n == 0) return;
  auto at = [v](size_t i) { return static_cast<int64_t>(v[i]); };
  int64_t lo = at(0), hi = at(0);
  uint64_t dlo = 0, dhi = 0;  // as int64_t bits; compared signed below
  int64_t sdlo = 0, sdhi = 0;
  if (n > 1) {
    sdlo = sdhi = static_cast<int64_t>(static_cast<uint64_t>(at(1)) - static_cast<uint64_t>(at(0)));
  }
  for (size_t i = 1; i < n; ++i) {
    const int64_t x = at(i);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    const auto d =
        static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(at(i - 1)));
    sdlo = std::min(sdlo, d);
    sdhi = std::max(sdhi, d);
  }
  dlo = static_cast<uint64_t>(sdlo);
  dhi = static_cast<uint64_t>(sdhi);
  if (n >= 64 && static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) == 1) {
    out->push_back(static_cast<char>(IntTransform::kDictionary));
    PutVarint64(out, 2);
    const int64_t both[2] = {lo, hi};
    EncodeIntsFast(both, 2, out);
    out->push_back(1);
    PackBits(
        n, 1, [&](size_t i) { return static_cast<uint64_t>(at(i) != lo); }, out);
    return;
  }
  const int for_width = ByteWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
  const int delta_width = ByteWidth(dhi - dlo);
  if (n > 1 && delta_width < for_width) {
    out->push_back(static_cast<char>(IntTransform::kDelta));
    PutSigned(out, at(0));
    PutSigned(out, sdlo);
    out->push_back(static_cast<char>(delta_width));
    PutPlanesFast(
        n - 1, delta_width,
        [&](size_t i) {
          return static_cast<uint64_t>(at(i + 1)) - static_cast<uint64_t>(at(i)) - dlo;
        },
        out);
  } else {
    out->push_back(static_cast<char>(IntTransform::kFrameOfReference));
    PutSigned(out, lo);
    out->push_back(static_cast<char>(for_width));
    const auto ulo = static_cast<uint64_t>(lo);
    PutPlanesFast(
        n, for_width, [&](size_t i) { return static_cast<uint64_t>(at(i)) - ulo; }, out);
  }
}

void EncodeInts(std::span<const int64_t> v, std::string* out) {
  EncodeIntsFast(v.data(), v.size(), out);
}

int BitWidth(uint64_t x) {
  return x == 0 ? 0 : 64 - std::countl_zero(x);
}

// Appends v (not empty) as IntTransform::kDictionary when that is clearly
// smaller than its byte planes (IPv4 addresses of a row group: a few
// thousand distinct ones in tens of thousands of rows, their low bytes
// nearly random, so that zstd gains little on the planes), else as planes.
// The dictionary is sorted (its deltas are narrow planes) and the indices
// are bit-packed; decoding them needs no zstd work (see DecodeInts).
void EncodeIntsOrDictionary(std::span<const int64_t> v, std::string* out) {
  if (v.size() < 64) return EncodeInts(v, out);
  // One scratch set per thread: an open-addressing table of indices into
  // `dict` (no allocation per chunk once grown).
  thread_local std::vector<int32_t> slots;
  thread_local std::vector<int64_t> dict;
  thread_local std::vector<uint32_t> codes, order;
  int log = 1;
  while ((size_t{1} << log) < 2 * v.size()) ++log;
  slots.assign(size_t{1} << log, -1);
  dict.clear();
  codes.resize(v.size());
  const size_t mask = (size_t{1} << log) - 1;
  const size_t max_dict = v.size() / 2;  // more distinct values than that: planes
  for (size_t i = 0; i < v.size(); ++i) {
    const uint64_t x = static_cast<uint64_t>(v[i]);
    size_t h = static_cast<size_t>((x * 0x9E3779B97F4A7C15ULL) >> (64 - log));
    while (slots[h] >= 0 && dict[static_cast<size_t>(slots[h])] != v[i]) h = (h + 1) & mask;
    if (slots[h] < 0) {
      if (dict.size() == max_dict) return EncodeInts(v, out);
      slots[h] = static_cast<int32_t>(dict.size());
      dict.push_back(v[i]);
    }
    codes[i] = static_cast<uint32_t>(slots[h]);
  }
  // Sort the dictionary; codes follow through the permutation.
  order.resize(dict.size());
  for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return dict[a] < dict[b]; });
  thread_local std::vector<int64_t> sorted;
  thread_local std::vector<uint32_t> rank;
  thread_local std::string dict_bytes;
  sorted.resize(dict.size());
  rank.resize(dict.size());
  for (uint32_t k = 0; k < order.size(); ++k) {
    sorted[k] = dict[order[k]];
    rank[order[k]] = k;
  }
  const int bits = BitWidth(sorted.size() - 1);
  const size_t code_bytes = (v.size() * static_cast<size_t>(bits) + 7) / 8;
  dict_bytes.clear();
  EncodeInts(sorted, &dict_bytes);
  const uint64_t range = static_cast<uint64_t>(sorted.back()) - static_cast<uint64_t>(sorted[0]);
  const size_t plane_bytes = v.size() * static_cast<size_t>(ByteWidth(range));
  // Planes lose less to zstd than they seem to: the dictionary must win by
  // a quarter (measured on the generated day, docs/formats/segment.md).
  if (4 * (dict_bytes.size() + code_bytes) > 3 * plane_bytes) return EncodeInts(v, out);
  out->push_back(static_cast<char>(IntTransform::kDictionary));
  PutVarint64(out, sorted.size());
  out->append(dict_bytes);
  out->push_back(static_cast<char>(bits));
  PackBits(
      v.size(), bits, [&](size_t i) { return uint64_t{rank[codes[i]]}; }, out);
}

// The n bit-packed indices (`bits` wide, LSB first) of `packed` looked up
// in dict[0..size) into out[0..n); false if one is outside it. Why it is
// fast: the dictionary is first narrowed to T (IPv4 bits: 4 bytes a value,
// a few thousand of them stay in L1) and, for indices up to 16 bits, padded
// to every index the width can hold, so the loop is one unaligned 64-bit
// load, a shift, a mask and a lookup per value with no clamp (an index past
// `size` is only counted, and refused after the loop); no zstd work and
// nothing per byte. The last few values, whose 8-byte load would pass the
// end, go bit by bit. Benchmark: bench/segment_bench.cc BM_DecodeAddressChunk.
template <typename T>
bool Unpack(const uint8_t* packed, size_t packed_size, int bits, size_t n,
            const std::vector<uint64_t>& dict, T* out) {
  const size_t size = dict.size();
  if (bits == 0) {  // one value (the encoder writes none such, but it is valid)
    std::fill(out, out + n, static_cast<T>(dict[0]));
    return true;
  }
  if (bits == 1) {
    // One bit a value (two-valued columns: reply flags, ACCEPT/REJECT codes):
    // eight values a byte through kExpandBits, no 64-bit load per value.
    const T pair[2] = {static_cast<T>(dict[0]), static_cast<T>(size > 1 ? dict[1] : 0)};
    uint64_t any = 0;
    for (size_t j = 0; j < n / 8; ++j) {
      const uint64_t e = kExpandBits[packed[j]];
      any |= e;
      for (size_t k = 0; k < 8; ++k) out[8 * j + k] = pair[(e >> (8 * k)) & 1];
    }
    for (size_t i = n / 8 * 8; i < n; ++i) {
      const uint64_t b = (packed[i / 8] >> (i % 8)) & 1u;
      any |= b;
      out[i] = pair[b];
    }
    return size > 1 || any == 0;  // with one value, every index must be 0
  }
  thread_local std::vector<T> narrow;
  const bool padded = bits <= 16;
  narrow.resize(padded ? size_t{1} << bits : size);
  for (size_t k = 0; k < size; ++k) narrow[k] = static_cast<T>(dict[k]);
  std::fill(narrow.begin() + static_cast<std::ptrdiff_t>(size), narrow.end(), T{});
  const T* lookup = narrow.data();
  const uint64_t mask = ~uint64_t{0} >> (64 - bits);
  size_t fast = 0;  // values whose 8-byte load stays inside `packed`
  if (packed_size >= 8) fast = std::min(n, ((packed_size - 8) * 8) / static_cast<size_t>(bits) + 1);
  uint64_t bad = 0;
  size_t bit = 0;
  if (padded) {
    for (size_t i = 0; i < fast; ++i, bit += static_cast<size_t>(bits)) {
      uint64_t word;
      std::memcpy(&word, packed + bit / 8, 8);
      const uint64_t code = (word >> (bit % 8)) & mask;
      bad |= code >= size;
      out[i] = lookup[code];
    }
  } else {
    for (size_t i = 0; i < fast; ++i, bit += static_cast<size_t>(bits)) {
      uint64_t word;
      std::memcpy(&word, packed + bit / 8, 8);
      const uint64_t code = (word >> (bit % 8)) & mask;
      bad |= code >= size;
      out[i] = lookup[code < size ? code : 0];
    }
  }
  for (size_t i = fast; i < n; ++i) {
    uint64_t code = 0;
    for (int b = 0; b < bits; ++b) {
      const size_t at = i * static_cast<size_t>(bits) + static_cast<size_t>(b);
      code |= uint64_t{(packed[at / 8] >> (at % 8)) & 1u} << b;
    }
    bad |= code >= size;
    out[i] = lookup[code < size ? code : 0];
  }
  return bad == 0;
}

// The n values into *out, as T: int64 values as uint64_t, IPv4 bits as
// uint32_t (modulo 2^32, as a cast of the 64-bit value would give).
template <typename T, typename Vec>
bool DecodeInts(Decoder* d, size_t n, Vec* out) {
  if (n == 0) {
    out->clear();
    return !d->failed();
  }
  auto transform = static_cast<IntTransform>(d->Byte());
  if (transform == IntTransform::kDelta) {
    int64_t first = d->Signed();
    int64_t dlo = d->Signed();
    int width = d->Byte();
    const uint8_t* p = TakePlanes(d, n - 1, width);
    if (p == nullptr) return false;
    out->resize(n);
    T* o = reinterpret_cast<T*>(out->data());
    o[0] = static_cast<T>(first);
    Unplane(p, n - 1, width, static_cast<uint64_t>(dlo), o + 1);
    for (size_t i = 1; i < n; ++i) o[i] += o[i - 1];  // deltas to values (wrapping, as encoded)
  } else if (transform == IntTransform::kFrameOfReference) {
    int64_t lo = d->Signed();
    int width = d->Byte();
    const uint8_t* p = TakePlanes(d, n, width);
    if (p == nullptr) return false;
    out->resize(n);
    Unplane(p, n, width, static_cast<uint64_t>(lo), reinterpret_cast<T*>(out->data()));
  } else if (transform == IntTransform::kDictionary) {
    // The dictionary's own values are planes (never a dictionary again).
    thread_local std::vector<uint64_t> dict;
    const size_t size = d->Count(n);
    if (d->failed() || size == 0 || static_cast<IntTransform>(d->Peek()) == transform ||
        !DecodeInts<uint64_t>(d, size, &dict)) {
      return false;
    }
    const int bits = d->Byte();
    if (d->failed() || bits > 32 || (size > 1 && BitWidth(size - 1) > bits)) return false;
    const size_t bytes = (n * static_cast<size_t>(bits) + 7) / 8;
    std::string_view packed = d->Bytes(bytes);
    if (d->failed()) return false;
    out->resize(n);
    if (!Unpack(reinterpret_cast<const uint8_t*>(packed.data()), bytes, bits, n, dict,
                reinterpret_cast<T*>(out->data()))) {
      return false;
    }
  } else {
    return false;
  }
  return !d->failed();
}

bool DecodeInts(Decoder* d, size_t n, std::vector<int64_t>* out) {
  return DecodeInts<uint64_t>(d, n, out);
}

// The values a decoder turns into codes or address bits: one vector per
// thread, decoded into again and again (a fresh 64K-row vector would cost an
// allocation, page faults and a zero-fill per chunk).
std::vector<int64_t>& IntScratch() {
  thread_local std::vector<int64_t> v;
  return v;
}

template bool DecodeInts<uint32_t>(Decoder* d, size_t n, std::vector<uint32_t>* out);

}  // namespace codec

using namespace codec;  // NOLINT: the codec's shared pieces (column_codec_internal.h)

void EncodeIntColumn(std::span<const int64_t> values, const uint8_t* valid, std::string* out) {
  EncodeIntColumnFast(values, valid, out);  // one encoder: the same bytes by construction
}

namespace {

// EncodeValidity's bytes, eight 0/1 flags turned into a bitmap byte by one
// multiply (each flag byte lands on its bit of the top byte; no two terms
// collide, so nothing carries into it).
void EncodeValidityFast(const uint8_t* valid, size_t n, std::string* out) {
  if (valid == nullptr) return out->push_back(static_cast<char>(Validity::kAllValid));
  const auto present = static_cast<size_t>(std::count(valid, valid + n, 1));
  if (present == n) return out->push_back(static_cast<char>(Validity::kAllValid));
  if (present == 0) return out->push_back(static_cast<char>(Validity::kNoneValid));
  out->push_back(static_cast<char>(Validity::kBitmap));
  const size_t start = out->size();
  out->resize(start + (n + 7) / 8);
  char* bits = out->data() + start;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, valid + i, 8);
    if ((w & ~0x0101010101010101ULL) != 0) break;  // not 0/1 flags: the general loop
    bits[i / 8] = static_cast<char>((w * 0x0102040810204080ULL) >> 56);
  }
  for (; i < n; ++i) {
    if (i % 8 == 0) bits[i / 8] = 0;
    if (valid[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  }
}

// The present values of v[0..n) (all when `valid` is null), contiguous: `v`
// itself when all are present, else copied into a per-thread vector.
template <typename T>
const T* PresentValues(const T* v, size_t n, const uint8_t* valid, size_t* count) {
  if (valid == nullptr) {
    *count = n;
    return v;
  }
  thread_local std::vector<T> present;
  present.resize(n);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    present[k] = v[i];
    k += valid[i] != 0;
  }
  *count = k;
  return present.data();
}

}  // namespace

void EncodeIntColumnFast(std::span<const int64_t> values, const uint8_t* valid, std::string* out) {
  EncodeValidityFast(valid, values.size(), out);
  size_t n = 0;
  const int64_t* v = PresentValues(values.data(), values.size(), valid, &n);
  EncodeIntsFast(v, n, out);
}

void EncodeV4AddressColumn(std::span<const uint32_t> bits, const uint8_t* valid, std::string* out) {
  EncodeValidityFast(valid, bits.size(), out);
  size_t n = 0;
  const uint32_t* v = PresentValues(bits.data(), bits.size(), valid, &n);
  out->push_back(static_cast<char>(AddressFamilies::kAllV4));
  PutVarint64(out, n);
  // The bits as EncodeAddressColumn passes them (a dictionary or planes).
  thread_local std::vector<int64_t> wide;
  wide.assign(v, v + n);
  EncodeIntsOrDictionary(wide, out);
  PutVarint64(out, 0);  // no IPv6 values
}

void EncodeStringCodesFast(std::span<const std::string_view> dict, std::span<const uint32_t> ids,
                           const uint8_t* valid, size_t n, std::string* out) {
  EncodeValidityFast(valid, n, out);
  PutVarint64(out, dict.size());
  for (std::string_view s : dict) PutString(out, s);
  EncodeIntsFast(ids.data(), ids.size(), out);
}

bool DecodeIntColumn(Decoder* d, size_t n, std::vector<int64_t>* values,
                     std::vector<uint8_t>* valid) {
  size_t present = DecodeValidity(d, n, valid);
  if (d->failed() || !DecodeInts(d, present, values)) return false;
  Scatter(*valid, n, values);
  return true;
}

bool DecodePlanarIntColumn(Decoder* d, size_t n, PlanarInts* out, std::vector<uint8_t>* valid) {
  out->usable = false;
  Decoder probe = *d;
  const size_t present = DecodeValidity(&probe, n, valid);
  if (probe.failed()) return false;
  if (present == 0 || static_cast<IntTransform>(probe.Peek()) != IntTransform::kFrameOfReference) {
    return true;  // (no transform follows when no value is present)
  }
  probe.Byte();
  const int64_t lo = probe.Signed();
  const int width = probe.Byte();
  const uint8_t* planes = TakePlanes(&probe, present, width);
  if (planes == nullptr) return false;
  *d = probe;
  out->usable = true;
  out->rows = n;
  out->planes = planes;
  out->present = present;
  out->width = width;
  out->lo = static_cast<uint64_t>(lo);
  out->rank.clear();
  if (!valid->empty()) {
    out->rank.resize(n / 64 + 1);
    const uint8_t* f = valid->data();
    uint32_t before = 0;
    for (size_t w = 0; w < n / 64; ++w) {
      out->rank[w] = before;
      uint32_t ones = 0;
      for (size_t k = 0; k < 64; ++k) ones += f[64 * w + k];
      before += ones;
    }
    out->rank[n / 64] = before;
  }
  return true;
}

void PlanarInts::Get(size_t r, size_t m, const std::vector<uint8_t>& valid, int64_t* out) const {
  auto* o = reinterpret_cast<uint64_t*>(out);
  if (valid.empty()) return Unplane(planes, present, r, m, width, lo, o);
  const uint8_t* f = valid.data();
  auto before = [&](size_t row) {  // present rows before `row`
    size_t k = rank[row / 64];
    for (size_t i = row / 64 * 64; i < row; ++i) k += f[i];
    return k;
  };
  const size_t first = before(r), k = before(r + m) - first;
  Unplane(planes, present, first, k, width, lo, o);
  Scatter(f + r, m, k, out);
}

bool DecodeFlagColumn(Decoder* d, size_t n, std::vector<uint8_t>* flags,
                      std::vector<uint8_t>* valid) {
  const size_t present = DecodeValidity(d, n, valid);
  if (d->failed()) return false;
  flags->resize(present);
  uint8_t* f = flags->data();
  // Why it is fast: a frame-of-reference chunk of width 0 or 1 (how flags
  // are written) is its one byte plane: one vectorized pass over the bytes,
  // no 64-bit value per row. Other chunks take the general path.
  Decoder probe = *d;
  if (present > 0 && static_cast<IntTransform>(probe.Byte()) == IntTransform::kFrameOfReference) {
    const uint64_t lo = static_cast<uint64_t>(probe.Signed());
    const int width = probe.Byte();
    if (!probe.failed() && width <= 1) {
      *d = probe;
      const uint8_t* p = TakePlanes(d, present, width);
      if (p == nullptr) return false;
      for (size_t i = 0; i < present; ++i) {
        f[i] = static_cast<uint8_t>(lo + (width == 0 ? 0 : p[i]) != 0);
      }
      Scatter(*valid, n, flags);
      return true;
    }
  }
  // Flags as written since one-bit dictionaries: {0, 1} and a bit a row,
  // which are the flags themselves.
  probe = *d;
  if (present > 0 && static_cast<IntTransform>(probe.Byte()) == IntTransform::kDictionary &&
      probe.Count(present) == 2) {
    thread_local std::vector<uint64_t> pair;
    // (A dictionary of a dictionary is malformed: DecodeInts below refuses it.)
    if (static_cast<IntTransform>(probe.Peek()) != IntTransform::kDictionary &&
        DecodeInts<uint64_t>(&probe, 2, &pair) && pair[0] == 0 && pair[1] == 1 &&
        probe.Byte() == 1) {
      std::string_view bits = probe.Bytes((present + 7) / 8);
      if (!probe.failed()) {
        *d = probe;
        ExpandBits(reinterpret_cast<const uint8_t*>(bits.data()), present, f);
        Scatter(*valid, n, flags);
        return true;
      }
    }
  }
  std::vector<int64_t>& v = IntScratch();
  if (!DecodeInts(d, present, &v)) return false;
  for (size_t i = 0; i < present; ++i) f[i] = static_cast<uint8_t>(v[i] != 0);
  Scatter(*valid, n, flags);
  return true;
}

void EncodeStringColumn(std::span<const std::string_view> values, const uint8_t* valid,
                        std::string* out) {
  EncodeValidity(valid, values.size(), out);
  std::unordered_map<std::string_view, int64_t> index;
  std::vector<std::string_view> dict;
  std::vector<int64_t> ids;
  for (size_t i = 0; i < values.size(); ++i) {
    if (valid != nullptr && !valid[i]) continue;
    auto [it, inserted] = index.try_emplace(values[i], static_cast<int64_t>(dict.size()));
    if (inserted) dict.push_back(values[i]);
    ids.push_back(it->second);
  }
  PutVarint64(out, dict.size());
  for (std::string_view s : dict) PutString(out, s);
  EncodeInts(ids, out);
}

bool DecodeStringColumn(Decoder* d, size_t n, std::vector<std::string_view>* values,
                        std::vector<uint8_t>* valid) {
  size_t present = DecodeValidity(d, n, valid);
  size_t dict_size = d->Count(present);
  std::vector<std::string_view> dict;
  dict.reserve(dict_size);
  for (size_t i = 0; i < dict_size && !d->failed(); ++i) dict.push_back(d->String());
  std::vector<int64_t> ids;
  if (d->failed() || !DecodeInts(d, present, &ids)) return false;
  values->resize(present);
  std::string_view* out = values->data();
  for (size_t i = 0; i < present; ++i) {
    uint64_t id = static_cast<uint64_t>(ids[i]);
    if (id >= dict.size()) return false;
    out[i] = dict[id];
  }
  Scatter(*valid, n, values);
  return true;
}

bool DecodeStringCodes(Decoder* d, size_t n, std::vector<std::string_view>* dict,
                       std::vector<uint32_t>* codes, std::vector<uint8_t>* valid) {
  size_t present = DecodeValidity(d, n, valid);
  size_t dict_size = d->Count(present);
  dict->clear();
  dict->reserve(dict_size + 1);
  for (size_t i = 0; i < dict_size && !d->failed(); ++i) dict->push_back(d->String());
  std::vector<int64_t>& ids = IntScratch();
  if (d->failed() || !DecodeInts(d, present, &ids)) return false;
  codes->resize(present);
  uint32_t* out = codes->data();
  for (size_t i = 0; i < present; ++i) {
    uint64_t id = static_cast<uint64_t>(ids[i]);
    if (id >= dict->size()) return false;
    out[i] = static_cast<uint32_t>(id);
  }
  if (dict->empty()) dict->emplace_back();
  Scatter(*valid, n, codes);
  return true;
}

void EncodeRawColumn(std::span<const std::string_view> values, const uint8_t* valid,
                     std::string* out) {
  EncodeValidity(valid, values.size(), out);
  for (size_t i = 0; i < values.size(); ++i) {
    if (valid == nullptr || valid[i]) PutString(out, values[i]);
  }
}

bool DecodeRawColumn(Decoder* d, size_t n, std::vector<std::string_view>* values,
                     std::vector<uint8_t>* valid) {
  size_t present = DecodeValidity(d, n, valid);
  values->clear();
  values->reserve(n);
  for (size_t i = 0; i < present && !d->failed(); ++i) values->push_back(d->String());
  if (d->failed()) return false;
  Scatter(*valid, n, values);
  return true;
}

void EncodeStringCodes(std::span<const std::string_view> dict, std::span<const int64_t> ids,
                       const uint8_t* valid, size_t n, std::string* out) {
  EncodeValidity(valid, n, out);
  PutVarint64(out, dict.size());
  for (std::string_view s : dict) PutString(out, s);
  EncodeInts(ids, out);
}

}  // namespace flowlens::storage
