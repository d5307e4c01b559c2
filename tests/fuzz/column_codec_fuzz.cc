// Fuzzes the column chunk decoders (storage/column_codec.h) on the bytes a
// segment file holds: whatever the payload, DecodeIntColumn,
// DecodeFlagColumn, DecodeCompactAddressColumn, DecodeStringCodes and
// DecodeRawColumn never crash or read outside it (ASan), and what they
// accept is whole: n values, n flags, every IPv6 index and dictionary code in
// range; an address chunk opened lazily (DecodeLazyAddressColumn) gives every
// row the value the whole decoder gives, and an int chunk opened as its
// planes (DecodePlanarIntColumn) every run of rows likewise. DecompressChunk likewise on the
// stored form, into a string or a ChunkBuffer alike. Input: 2 bytes of row
// count (little-endian), then the payload. Seeds: tests/fuzz/seeds/column_codec_fuzz
// (chunks as the writer makes them, including dictionary-coded address chunks,
// one with IPv6 and missing rows, and one-bit flags).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/column_codec.h"

using namespace flowlens;
using namespace flowlens::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t n = data[0] | (size_t{data[1]} << 8);
  std::string_view payload(reinterpret_cast<const char*>(data + 2), size - 2);
  std::vector<uint8_t> valid;
  {
    Decoder d(payload);
    std::vector<int64_t> ints;
    if (DecodeIntColumn(&d, n, &ints, &valid) && ints.size() != n) __builtin_trap();
  }
  {
    // Opened as planes: where it opens, the whole decoder accepts the same
    // bytes and every run of rows is what it gives.
    Decoder d(payload);
    PlanarInts planar;
    std::vector<uint8_t> planar_valid;
    if (DecodePlanarIntColumn(&d, n, &planar, &planar_valid) && planar.usable) {
      Decoder w(payload);
      std::vector<int64_t> ints;
      std::vector<uint8_t> whole_valid;
      if (!DecodeIntColumn(&w, n, &ints, &whole_valid) || w.remaining() != d.remaining() ||
          whole_valid != planar_valid) {
        __builtin_trap();
      }
      std::vector<int64_t> run(n);
      for (size_t r = 0; r < n; r += 1 + r / 3) {
        const size_t m = std::min(n - r, 1 + r % 97);
        planar.Get(r, m, planar_valid, run.data());
        for (size_t i = 0; i < m; ++i) {
          if (run[i] != ints[r + i]) __builtin_trap();
        }
      }
    }
  }
  {
    Decoder d(payload);
    std::vector<uint8_t> flags;
    if (DecodeFlagColumn(&d, n, &flags, &valid)) {
      if (flags.size() != n) __builtin_trap();
      for (uint8_t f : flags) {
        if (f > 1) __builtin_trap();
      }
    }
  }
  {
    Decoder d(payload);
    std::vector<uint32_t> values;
    std::vector<uint8_t> v6;
    std::vector<IpAddress> v6s;
    if (DecodeCompactAddressColumn(&d, n, &values, &v6, &v6s, &valid)) {
      if (values.size() != n || (!v6.empty() && v6.size() != n)) __builtin_trap();
      for (size_t i = 0; i < v6.size(); ++i) {
        if (v6[i] && values[i] >= v6s.size()) __builtin_trap();
      }
    }
  }
  {
    // Opened lazily: where the whole decoder accepts the same bytes, every
    // row found through the ranks is its value.
    Decoder d(payload);
    LazyAddressColumn lazy;
    if (DecodeLazyAddressColumn(&d, n, &lazy) && lazy.usable) {
      Decoder w(payload);
      std::vector<uint32_t> values;
      std::vector<uint8_t> v6;
      std::vector<IpAddress> v6s;
      const bool whole = DecodeCompactAddressColumn(&w, n, &values, &v6, &v6s, &valid) &&
                         w.remaining() == d.remaining();
      for (size_t i = 0; i < n; ++i) {
        IpAddress a;
        bool present;
        const bool ok = lazy.At(i, &a, &present);
        if (!whole) continue;
        const IpAddress want = !v6.empty() && v6[i] ? v6s[values[i]] : IpAddress::V4(values[i]);
        if (!ok || present != (valid.empty() || valid[i] != 0) || a != want) __builtin_trap();
      }
    }
  }
  {
    Decoder d(payload);
    std::vector<std::string_view> dict;
    std::vector<uint32_t> codes;
    if (DecodeStringCodes(&d, n, &dict, &codes, &valid)) {
      if (codes.size() != n) __builtin_trap();
      for (uint32_t c : codes) {
        if (c >= dict.size()) __builtin_trap();
      }
    }
  }
  {
    Decoder d(payload);
    std::vector<std::string_view> raw;
    if (DecodeRawColumn(&d, n, &raw, &valid) && raw.size() != n) __builtin_trap();
  }
  std::string out;
  (void)DecompressChunk(payload, &out);
  ChunkBuffer buffer;
  std::string_view view;
  if (DecompressChunk(payload, &buffer, &view).ok() && view != out) __builtin_trap();
  return 0;
}
