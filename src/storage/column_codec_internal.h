// The pieces the column codec's files share (column_codec.cc: validity and
// integers; column_codec_address.cc: addresses). Internal to src/storage: the
// public contract is column_codec.h, the byte layout docs/formats/segment.md.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "storage/coding.h"
#include "storage/format.h"

namespace flowlens::storage::codec {

using format::AddressFamilies;
using format::ChunkCodec;
using format::IntTransform;
using format::Validity;

// A validity byte, then a bitmap when some but not all of the n rows are
// present; DecodeValidity fills *valid (empty: all present) and returns the
// number of present rows.
void EncodeValidity(const uint8_t* valid, size_t n, std::string* out);
size_t DecodeValidity(Decoder* d, size_t n, std::vector<uint8_t>* valid);

// Integers as byte planes (delta or frame of reference), or as a sorted
// dictionary with bit-packed indices when that is clearly smaller.
void EncodeIntsOrDictionary(std::span<const int64_t> v, std::string* out);
// The n values into *out as T (uint64_t for int64 values, uint32_t for IPv4
// bits); false on malformed input. Defined in column_codec.cc, where other
// files may use its std::vector<uint32_t> instantiation.
template <typename T, typename Vec>
bool DecodeInts(Decoder* d, size_t n, Vec* out);

// The low `width` bytes of each value, plane by plane; TakePlanes returns the
// start of n such values (nullptr when the input is short or width > 8), and
// GetPlanes rebuilds them.
void PutPlanes(std::span<const uint64_t> v, int width, std::string* out);
const uint8_t* TakePlanes(Decoder* d, size_t n, int width);
bool GetPlanes(Decoder* d, size_t n, int width, std::vector<uint64_t>* v);

// Bits needed for x (0 for 0).
int BitWidth(uint64_t x);

// Spreads the `present` values at the front of v[0..n) (or of *values,
// which grows to n) over the rows whose flag f[i] is set, in place from the
// back (a value never moves left).
// Why it is fast: missing rows are rare, so eight flags are read at once and
// eight present rows move as a block; once every row left is in place (no
// missing row before it) the pass stops.
template <typename T>
void Scatter(const uint8_t* f, size_t n, size_t present, T* v) {
  size_t j = present;
  constexpr uint64_t kAllPresent = 0x0101010101010101ULL;
  size_t i = n;
  while (i > j) {  // i == j: rows [0, i) are all present and already in place
    uint64_t eight = 0;
    if (i >= 8) std::memcpy(&eight, f + i - 8, 8);
    if (eight == kAllPresent && j >= 8) {
      i -= 8;
      j -= 8;
      for (size_t k = 8; k-- > 0;) v[i + k] = v[j + k];  // j < i: from the back is safe
    } else {
      --i;
      v[i] = f[i] ? v[--j] : T{};
    }
  }
}
template <typename T>
void Scatter(const std::vector<uint8_t>& valid, size_t n, std::vector<T>* values) {
  if (valid.empty()) return;
  const size_t present = values->size();
  values->resize(n);
  Scatter(valid.data(), n, present, values->data());
}

}  // namespace flowlens::storage::codec
