// ZeroedArray (huge_page_allocator.h): new elements read as zero through
// growth from a calloc'ed buffer to huge-page mappings and between mappings
// (mremap), contents survive every growth, and a shrink zeroes what it drops.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "query/huge_page_allocator.h"

namespace flowlens::query {
namespace {

struct Pair {
  uint64_t a = 0, b = 0;
};

TEST(ZeroedArray, GrowsKeepingElementsAndZeroingNewOnes) {
  ZeroedArray<Pair> v;
  EXPECT_TRUE(v.empty());
  // 16-byte elements: 256k elements (4 MB) cross to a mapping; 2M (32 MB)
  // take several mapping-to-mapping growths.
  size_t size = 0;
  for (size_t target : {size_t{3}, size_t{1000}, size_t{200000}, size_t{300000},
                        size_t{1} << 20, (size_t{1} << 21) + 5}) {
    v.resize(target);
    ASSERT_EQ(v.size(), target);
    ASSERT_GE(v.capacity(), target);
    for (size_t i = 0; i < size; i += 997) ASSERT_EQ(v[i].a, i * 3 + 1) << i;
    for (size_t i = size; i < target; ++i) {
      ASSERT_EQ(v[i].a, 0u) << i;
      ASSERT_EQ(v[i].b, 0u) << i;
      v[i] = Pair{i * 3 + 1, i};
    }
    size = target;
  }
  // A shrink zeroes the dropped elements: growing again shows zeros.
  v.resize(10);
  v.resize(1000);
  EXPECT_EQ(v[9].a, 9u * 3 + 1);
  EXPECT_EQ(v[10].a, 0u);
  EXPECT_EQ(v[999].b, 0u);
}

TEST(ZeroedArray, PushBackReserveAndMove) {
  ZeroedArray<uint64_t> v;
  v.reserve(5);
  for (uint64_t i = 0; i < 1000000; ++i) v.push_back(i * 7);  // 8 MB: past the threshold
  ASSERT_EQ(v.size(), 1000000u);
  for (uint64_t i = 0; i < 1000000; i += 4099) ASSERT_EQ(v[i], i * 7);
  ZeroedArray<uint64_t> w = std::move(v);
  EXPECT_EQ(v.size(), 0u);
  EXPECT_EQ(w.size(), 1000000u);
  EXPECT_EQ(w[999999], 999999u * 7);
  v = std::move(w);
  EXPECT_EQ(v[12345], 12345u * 7);
  uint64_t sum = 0;
  for (uint64_t x : v) sum += x;
  EXPECT_EQ(sum, 7 * (999999ull * 1000000ull / 2));
}

}  // namespace
}  // namespace flowlens::query
