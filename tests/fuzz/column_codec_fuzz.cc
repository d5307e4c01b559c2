// Fuzzes the column chunk decoders (storage/column_codec.h) on the bytes a
// segment file holds: whatever the payload, DecodeIntColumn,
// DecodeFlagColumn, DecodeCompactAddressColumn, DecodeStringCodes and
// DecodeRawColumn never crash or read outside it (ASan), and what they
// accept is whole: n values, n flags, every IPv6 index and dictionary code in
// range. DecompressChunk likewise on the stored form. Input: 2 bytes of row
// count (little-endian), then the payload. Seeds: tests/fuzz/seeds/column_codec_fuzz
// (chunks as the writer makes them, including a dictionary-coded address chunk).
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
  return 0;
}
