// The bulk loader's encoders: column_codec.h's fast overloads write the very
// bytes of the general encoders (the on-disk format does not depend on the
// path), and the segment builder's IPv4-only address columns (passed as 32-bit
// RowGroupColumns::v4_addrs) give the same segment file as the text writer.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "storage/column_codec.h"

namespace flowlens::storage {
namespace {

// Value sets that pick each transform and width: constants, small ranges,
// sorted runs (delta), wide and extreme values (wrapping differences).
std::vector<std::vector<int64_t>> IntCases() {
  std::mt19937_64 rng(3);
  std::vector<std::vector<int64_t>> cases = {{}, {5}, {-7, -7}, {0, 1}, {1, 0}};
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  cases.push_back({kMin, kMax, 0, kMin, kMax});
  cases.push_back({kMax, kMin});
  for (int width = 0; width <= 8; ++width) {
    for (int sorted = 0; sorted < 2; ++sorted) {
      std::vector<int64_t> v(1000 + static_cast<size_t>(width) * 77);
      const uint64_t mask = width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
      uint64_t base = rng() >> 8;  // wrapping arithmetic, as the encoder's
      for (size_t i = 0; i < v.size(); ++i) {
        const uint64_t r = rng() & mask;
        v[i] = static_cast<int64_t>(sorted ? (base += r & 0xff) : base + r);
      }
      cases.push_back(v);
    }
  }
  return cases;
}

std::vector<uint8_t> Flags(size_t n, int kind, std::mt19937* rng) {
  std::vector<uint8_t> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = kind == 0 ? 0 : kind == 1 ? ((*rng)() % 10 != 0) : 1;
  return f;
}

TEST(FastEncoders, IntColumnSameBytesAsEncodeIntColumn) {
  std::mt19937 rng(1);
  for (const std::vector<int64_t>& v : IntCases()) {
    for (int kind = -1; kind < 3; ++kind) {  // -1: no flags; 0 none, 1 some, 2 all present
      std::vector<uint8_t> f = Flags(v.size(), kind, &rng);
      const uint8_t* valid = kind < 0 ? nullptr : f.data();
      std::string want, got = "prefix";
      EncodeIntColumn(v, valid, &want);
      EncodeIntColumnFast(v, valid, &got);
      EXPECT_EQ(got, "prefix" + want) << v.size() << " values, flags " << kind;
    }
  }
}

TEST(FastEncoders, V4AddressColumnSameBytesAsEncodeAddressColumn) {
  std::mt19937 rng(2);
  for (const std::vector<int64_t>& ints : IntCases()) {
    std::vector<uint32_t> bits;
    std::vector<IpAddress> addrs;
    for (int64_t x : ints) {
      bits.push_back(static_cast<uint32_t>(x));
      addrs.push_back(IpAddress::V4(static_cast<uint32_t>(x)));
    }
    for (int kind = -1; kind < 3; ++kind) {
      std::vector<uint8_t> f = Flags(bits.size(), kind, &rng);
      const uint8_t* valid = kind < 0 ? nullptr : f.data();
      std::string want, got;
      EncodeAddressColumn(addrs, valid, &want);
      EncodeV4AddressColumn(bits, valid, &got);
      EXPECT_EQ(got, want) << bits.size() << " values, flags " << kind;
    }
  }
}

TEST(FastEncoders, StringCodesSameBytesAsEncodeStringCodes) {
  std::mt19937 rng(4);
  const std::vector<std::string_view> dict = {"ACCEPT", "REJECT", "", "eni-0123456789abcdef0"};
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{999}, size_t{70000}}) {
    for (int kind = -1; kind < 3; ++kind) {
      std::vector<uint8_t> f = Flags(n, kind, &rng);
      const uint8_t* valid = kind < 0 ? nullptr : f.data();
      std::vector<int64_t> ids64;
      std::vector<uint32_t> ids32;
      for (size_t i = 0; i < n; ++i) {
        if (valid != nullptr && !valid[i]) continue;
        const uint32_t id = n == 70000 ? static_cast<uint32_t>(i / 1000 % dict.size())
                                       : static_cast<uint32_t>(rng() % dict.size());
        ids64.push_back(id);
        ids32.push_back(id);
      }
      std::string want, got;
      EncodeStringCodes(dict, ids64, valid, n, &want);
      EncodeStringCodesFast(dict, ids32, valid, n, &got);
      EXPECT_EQ(got, want) << n << " rows, flags " << kind;
    }
  }
}

}  // namespace
}  // namespace flowlens::storage
