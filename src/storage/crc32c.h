// CRC32C (Castagnoli, polynomial 0x1EDC6F41 reflected 0x82F63B78), computed
// slice-by-8 in portable C++, as used by every checksum in the store.
//
// Mask() is applied to checksums that are stored next to the data they cover
// (as LevelDB does): the CRC of a string that itself contains CRCs is then
// not trivially related to them.
//
//   uint32_t c = crc32c::Value(data, n);
//   c = crc32c::Extend(c, more, m);
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flowlens::storage::crc32c {

// The CRC of data[0, n) continued from `crc` (the CRC of what came before).
uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) {
  return Extend(0, data, n);
}
inline uint32_t Value(std::string_view s) {
  return Extend(0, s.data(), s.size());
}

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace flowlens::storage::crc32c
