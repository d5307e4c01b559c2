// The bulk loader's encoders: the int encoder writes the bytes the format
// spells out (checked against a plain reference written here), the other
// fast overloads the very bytes of the general encoders (the on-disk format
// does not depend on the path), and the segment builder's IPv4-only address columns (passed as
// 32-bit RowGroupColumns::v4_addrs) give the same segment file as the text writer.
#include <gtest/gtest.h>

#include <algorithm>
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

// The int chunk bytes as docs/formats/segment.md spells them, written the
// plain way (a value at a time, a plane at a time): the reference that the
// one int encoder (EncodeIntColumn = EncodeIntColumnFast) must match.
std::string ReferenceIntColumn(const std::vector<int64_t>& v, const uint8_t* valid) {
  std::string out;
  std::vector<int64_t> p;
  for (size_t i = 0; i < v.size(); ++i) {
    if (valid == nullptr || valid[i]) p.push_back(v[i]);
  }
  if (p.size() == v.size()) {
    out.push_back(0);  // all valid
  } else if (p.empty()) {
    out.push_back(1);  // none valid
  } else {
    out.push_back(2);
    std::string bits((v.size() + 7) / 8, '\0');
    for (size_t i = 0; i < v.size(); ++i) {
      if (valid[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
    }
    out += bits;
  }
  if (p.empty()) return out;
  auto width = [](uint64_t range) {
    int w = 0;
    for (; range != 0; range >>= 8) ++w;
    return w;
  };
  auto planes = [&](const std::vector<uint64_t>& x, int w) {
    for (int b = 0; b < w; ++b) {
      for (uint64_t y : x) out.push_back(static_cast<char>(y >> (8 * b)));
    }
  };
  const int64_t lo = *std::min_element(p.begin(), p.end());
  const int64_t hi = *std::max_element(p.begin(), p.end());
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (p.size() >= 64 && range == 1) {  // two values: dictionary {lo, hi}, one bit a value
    out.push_back(2);
    out.push_back(2);
    out.push_back(1);  // the dictionary {lo, lo + 1} by delta (narrower): lo, delta 1, width 0
    PutSigned(&out, lo);
    PutSigned(&out, 1);
    out.push_back(0);
    out.push_back(1);  // bits
    std::string bits((p.size() + 7) / 8, '\0');
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] == hi) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
    }
    return out + bits;
  }
  std::vector<uint64_t> deltas;
  for (size_t i = 1; i < p.size(); ++i) {
    deltas.push_back(static_cast<uint64_t>(p[i]) - static_cast<uint64_t>(p[i - 1]));
  }
  int64_t dlo = 0, dhi = 0;
  for (size_t i = 0; i < deltas.size(); ++i) {
    const auto d = static_cast<int64_t>(deltas[i]);
    dlo = i == 0 ? d : std::min(dlo, d);
    dhi = i == 0 ? d : std::max(dhi, d);
  }
  const int dw = width(static_cast<uint64_t>(dhi) - static_cast<uint64_t>(dlo));
  if (p.size() > 1 && dw < width(range)) {
    out.push_back(1);
    PutSigned(&out, p[0]);
    PutSigned(&out, dlo);
    out.push_back(static_cast<char>(dw));
    for (uint64_t& d : deltas) d -= static_cast<uint64_t>(dlo);
    planes(deltas, dw);
  } else {
    out.push_back(0);
    PutSigned(&out, lo);
    out.push_back(static_cast<char>(width(range)));
    std::vector<uint64_t> x;
    for (int64_t y : p) x.push_back(static_cast<uint64_t>(y) - static_cast<uint64_t>(lo));
    planes(x, width(range));
  }
  return out;
}

TEST(FastEncoders, IntColumnBytesAreTheFormatsBytes) {
  std::mt19937 rng(1);
  std::vector<std::vector<int64_t>> cases = IntCases();
  for (int64_t base : {int64_t{0}, int64_t{-5}, std::numeric_limits<int64_t>::max() - 1}) {
    std::vector<int64_t> two(200, base);  // two adjacent values: the one-bit dictionary
    for (size_t i = 0; i < two.size(); ++i) two[i] += static_cast<int64_t>(rng() % 3 == 0);
    cases.push_back(two);
    cases.push_back(std::vector<int64_t>(63, base + 1));
    cases.back()[7] = base;  // 63 values: still planes
  }
  for (const std::vector<int64_t>& v : cases) {
    for (int kind = -1; kind < 3; ++kind) {  // -1: no flags; 0 none, 1 some, 2 all present
      std::vector<uint8_t> f = Flags(v.size(), kind, &rng);
      const uint8_t* valid = kind < 0 ? nullptr : f.data();
      std::string want, got = "prefix";
      EncodeIntColumn(v, valid, &want);
      EncodeIntColumnFast(v, valid, &got);
      EXPECT_EQ(got, "prefix" + want) << v.size() << " values, flags " << kind;
      EXPECT_EQ(want, ReferenceIntColumn(v, valid)) << v.size() << " values, flags " << kind;
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
