// @ptr tokens: files (source, line) and stored events (group, segment, row)
// round-trip, including ids past what an earlier 12/20-bit packing held.
#include <gtest/gtest.h>

#include "query/scan.h"
#include "query/store_scan.h"

namespace flowlens::query {
namespace {

TEST(Pointer, FileRowsRoundTrip) {
  for (auto [src, row] :
       {std::pair<uint32_t, uint64_t>{0, 1}, {7, 123456789012ULL}, {UINT32_MAX, UINT64_MAX}}) {
    std::string p = MakePointer(src, row);
    EXPECT_EQ(p.size(), 16u);
    uint32_t s2;
    uint64_t r2;
    ASSERT_TRUE(ParsePointer(p, &s2, &r2));
    EXPECT_EQ(s2, src);
    EXPECT_EQ(r2, row);
  }
  uint32_t s;
  uint64_t r;
  EXPECT_FALSE(ParsePointer("short", &s, &r));
  EXPECT_FALSE(ParsePointer("!!!!!!!!!!!!!!!!", &s, &r));
}

TEST(Pointer, StoredEventsRoundTrip) {
  struct Case {
    uint64_t group, segment, row;
  } cases[] = {{1, 0, 0}, {4096, 1048576, 5}, {70000, (1u << 24) - 1, (uint64_t{1} << 40) - 1}};
  for (const Case& c : cases) {
    std::string p = MakeStorePointer(c.group, c.segment, c.row);
    uint64_t g, s, r;
    ASSERT_TRUE(ParseStorePointer(p, &g, &s, &r));
    EXPECT_EQ(g, c.group);
    EXPECT_EQ(s, c.segment);
    EXPECT_EQ(r, c.row);
  }
}

}  // namespace
}  // namespace flowlens::query
