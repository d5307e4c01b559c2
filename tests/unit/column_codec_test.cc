// Column encodings (storage/column_codec.h): ints of every byte width, by
// frame of reference and by delta, and address columns (all IPv4, all IPv6,
// mixed) round-trip with missing rows anywhere, at sizes around the 64-row
// words the address decoder works in; malformed input is refused.
#include "storage/column_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace flowlens::storage {
namespace {

const size_t kSizes[] = {0, 1, 7, 63, 64, 65, 127, 128, 129, 4095, 4096, 4097, 65536};

std::vector<uint8_t> Validity(size_t n, int pattern, std::mt19937_64* rng) {
  std::vector<uint8_t> v(n, 1);
  for (size_t i = 0; i < n; ++i) {
    if (pattern == 1) v[i] = 0;                            // none present
    if (pattern == 2) v[i] = (*rng)() % 5 != 0;            // scattered missing rows
    if (pattern == 3) v[i] = i % 64 != 0 && i % 64 != 63;  // at every word's edges
  }
  return v;
}

TEST(ColumnCodec, IntsOfEveryWidthRoundTrip) {
  std::mt19937_64 rng(7);
  for (int width = 0; width <= 8; ++width) {
    for (bool sorted : {false, true}) {  // sorted: deltas are narrower, so delta coding
      for (size_t n : kSizes) {
        for (int pattern = 0; pattern < 4; ++pattern) {
          const uint64_t mask = width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
          std::vector<int64_t> v(n);
          for (size_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>((rng() & mask) - mask / 3);
          if (sorted) std::sort(v.begin(), v.end());
          std::vector<uint8_t> valid = Validity(n, pattern, &rng);
          for (size_t i = 0; i < n; ++i) {
            if (!valid[i]) v[i] = 0;
          }
          std::string enc;
          EncodeIntColumn(v, valid.data(), &enc);
          Decoder d(enc);
          std::vector<int64_t> got = {1, 2, 3};  // decoded over, as a reused buffer is
          std::vector<uint8_t> got_valid;
          ASSERT_TRUE(DecodeIntColumn(&d, n, &got, &got_valid)) << width << " " << n;
          EXPECT_TRUE(d.done());
          EXPECT_EQ(got, v) << "width " << width << " n " << n << " pattern " << pattern;
          for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(got_valid.empty() || got_valid[i], valid[i] != 0) << i;
          }
        }
      }
    }
  }
}

// What a compact address column says about row i.
IpAddress CompactAt(const std::vector<uint32_t>& values, const std::vector<uint8_t>& v6,
                    const std::vector<IpAddress>& v6s, size_t i) {
  if (!v6.empty() && v6[i]) return v6s.at(values[i]);
  return IpAddress::V4(values[i]);
}

TEST(ColumnCodec, AddressColumnsRoundTripCompact) {
  std::mt19937_64 rng(11);
  // The share of IPv6 rows: none, a few (most 64-row words all IPv4), half, all.
  for (int six_in : {0, 40, 2, 1}) {
    for (int bytes = 1; bytes <= 4; ++bytes) {  // IPv4 bits of every plane width
      for (size_t n : kSizes) {
        for (int pattern = 0; pattern < 4; ++pattern) {
          std::vector<uint8_t> valid = Validity(n, pattern, &rng);
          std::vector<IpAddress> a(n);
          for (size_t i = 0; i < n; ++i) {
            if (!valid[i]) continue;
            if (six_in == 1 || (six_in > 1 && rng() % six_in == 0)) {
              a[i] = IpAddress::V6(0x20010db800000000ULL | (rng() & 0xffff), rng());
            } else {
              a[i] = IpAddress::V4(static_cast<uint32_t>(rng() >> (64 - 8 * bytes)));
            }
          }
          std::string enc;
          EncodeAddressColumn(a, valid.data(), &enc);
          Decoder d(enc);
          std::vector<uint32_t> values(5, 9);
          std::vector<uint8_t> v6(3, 1), got_valid;
          std::vector<IpAddress> v6s;
          ASSERT_TRUE(DecodeCompactAddressColumn(&d, n, &values, &v6, &v6s, &got_valid))
              << six_in << " " << n << " " << pattern;
          EXPECT_TRUE(d.done());
          ASSERT_EQ(values.size(), n);
          size_t sixes = 0;
          for (size_t i = 0; i < n; ++i) {
            const bool present = got_valid.empty() || got_valid[i];
            ASSERT_EQ(present, valid[i] != 0) << i;
            ASSERT_EQ(CompactAt(values, v6, v6s, i), a[i]) << "row " << i << " of " << n;
            sixes += a[i].v6;
          }
          EXPECT_EQ(v6.empty(), sixes == 0);  // the contract: empty when no value is IPv6
          EXPECT_EQ(v6s.size(), sixes);
        }
      }
    }
  }
}

TEST(ColumnCodec, TruncatedAddressColumnsAreRefused) {
  std::vector<IpAddress> a;
  for (uint32_t i = 0; i < 300; ++i) {
    a.push_back(i % 3 ? IpAddress::V4(0x0a000000 + i) : IpAddress::V6(1, i));
  }
  std::string enc;
  EncodeAddressColumn(a, nullptr, &enc);
  for (size_t len = 0; len < enc.size(); ++len) {
    Decoder d(std::string_view(enc).substr(0, len));
    std::vector<uint32_t> values;
    std::vector<uint8_t> v6, valid;
    std::vector<IpAddress> v6s;
    bool ok = DecodeCompactAddressColumn(&d, a.size(), &values, &v6, &v6s, &valid);
    EXPECT_FALSE(ok && d.done()) << len;
  }
  // A family bitmap claiming more IPv6 rows than stored: refused, not read past.
  std::string bad = enc;
  const size_t bitmap = 2;  // validity byte, family byte, then the bitmap
  for (size_t i = 0; i < 300 / 8; ++i) bad[bitmap + i] = static_cast<char>(0xff);
  Decoder d(bad);
  std::vector<uint32_t> values;
  std::vector<uint8_t> v6, valid;
  std::vector<IpAddress> v6s;
  EXPECT_FALSE(DecodeCompactAddressColumn(&d, a.size(), &values, &v6, &v6s, &valid));
}

}  // namespace
}  // namespace flowlens::storage
