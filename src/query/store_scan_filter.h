// Filter kernels of the store scan that test a block's rows where their
// values lie, in the segment reader's decoded compact chunks
// (SegmentReader::ColumnView), instead of copying the column out first: an
// int test reads the decoded ints, an IPv4 range the 32-bit address bits, a
// string conjunct (evaluated once per dictionary value) the dictionary codes.
// A mirrored column (a reply row takes its counterpart's value of the row
// before) is read through its positions, again without expanding it.
//
// Why it is fast: no per-row copy into a RowBlock (24-byte IpAddress per row
// for an address test), one branch-free loop per test that the compiler
// vectorizes for plain chunks, and the columns the query wants after the
// filter are then copied for the passing rows only (store_scan.cc).
// Benchmark: bench/segment_bench.cc BM_FilterOnView, benchmark Q3, Q4, Q7.
//
//   if (!TestOnView(cond, view, keep.data())) ... test it on rows read instead
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "query/row_conditions.h"
#include "storage/segment_reader.h"

namespace flowlens::query {

// Clears keep[i] (i < view.rows) for the rows whose value fails `c`; a
// missing value fails. False, leaving `keep` alone, when the view cannot
// answer `c` (no compact form, or a condition on text).
bool TestOnView(const FieldCondition& c, const storage::SegmentReader::ColumnView& view,
                uint8_t* keep);

// For a dictionary-coded view: keep[i] &= pass[code of row i], or `missing`
// where the row has no value. False, leaving `keep` alone, for another form.
bool CodesOnView(const storage::SegmentReader::ColumnView& view, const uint8_t* pass,
                 uint8_t missing, uint8_t* keep);

}  // namespace flowlens::query
