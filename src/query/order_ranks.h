// OrderRanks: a column's values replaced by their dense rank in the natural
// order (NaturalCompare, docs/compat.md "sort"), so a sort over several key
// columns compares small integers instead of values.
//
// Why it is fast: sorting N groups by text keys compares values O(N log N)
// times per key, and each NaturalCompare of two strings parses both as
// numbers first. Ranking parses each distinct value once, sorts the
// distinct values only (identical strings are folded by a hash map first),
// and leaves the sort of the groups comparing uint32s. Benchmark:
// bench/aggregation_bench.cc (BM_GroupOrderText).
//
// Contract: for present rows a and b, ranks[a] < ranks[b] exactly when
// NaturalCompare(a, b) < 0 and ranks[a] == ranks[b] exactly when it is 0;
// missing rows (and a kNull column) rank kMissingRank, after every value.
//
//   std::vector<uint32_t> r = OrderRanks(column, rows);
//
// Thread safety: a pure function of its arguments.
#pragma once

#include <cstdint>
#include <vector>

#include "query/column.h"

namespace flowlens::query {

inline constexpr uint32_t kMissingRank = UINT32_MAX;

// Ranks of rows 0..rows-1 of `c`.
std::vector<uint32_t> OrderRanks(const Column& c, size_t rows);

// True when comparing `c`'s values directly (ints, IPv4 addresses) is as
// cheap as comparing ranks, so ranking would only add work.
bool ComparesDirectly(const Column& c);

}  // namespace flowlens::query
