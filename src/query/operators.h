// The query commands as operations on a batch: filter, fields/display,
// parse, sort, limit, dedup, unnest. The executor applies them to each scanned
// batch (streaming commands) or to the materialized rows after a blocking
// command (stats, sort, limit, dedup).
//
// Thread safety: each call works on the batch it is given.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

// Applies one non-stats stage to the batch in place.
Status ApplyStage(const Stage& stage, Batch* batch, EvalState* state);

// Sorts the batch by the stage's keys; with `limit` > 0 keeps only the first
// `limit` rows (a top-N, for sort followed by limit). Rows equal on every key
// are ordered by the `tie_break` slots (ascending), then, with
// `by_input_order`, in input order (InputOrderLess), then by their position.
Status ApplySort(const Stage& stage, Batch* batch, EvalState* state, size_t limit,
                 const std::vector<int>& tie_break = {}, bool by_input_order = false);

// A new batch holding rows `rows` of `src` in that order (strings keep
// pointing into src's buffers, which the new batch keeps alive).
Batch Gather(const Batch& src, const std::vector<uint32_t>& rows);

// One row of one of several batches.
struct RowRef {
  uint32_t part;
  uint32_t row;
};

// A new batch of the first `column_count` columns of the rows `rows` of
// `parts`, in that order. A column whose parts are all of one typed kind (or
// missing) is appended array by array; other columns go value by value.
// With `own_strings`, strings are copied into the new batch's arena, so that
// it keeps none of the parts' buffers alive (unless a JSON value needs
// them): a few rows picked out of many batches then hold only their own
// bytes. Without, strings keep pointing into the parts' buffers, which the
// new batch keeps alive (only when it has such strings: a concatenation of
// numbers and addresses lets the parts' input chunks go).
Batch GatherRows(const std::vector<const Batch*>& parts, const std::vector<RowRef>& rows,
                 size_t column_count, bool own_strings);

// Concatenates batches into one (GatherRows of every row, strings shared).
Batch Concatenate(const std::vector<Batch>& parts, size_t slot_count);

// Input order: by source (file, log group), then by row within it (line,
// segment and row). The order of the events of one thread reading the
// inputs in order, whichever worker read which morsel.
inline int CompareInputOrder(const Batch& x, size_t a, const Batch& y, size_t b) {
  const uint32_t sa = x.source_ids.empty() ? 0 : x.source_ids[a];
  const uint32_t sb = y.source_ids.empty() ? 0 : y.source_ids[b];
  if (sa != sb) return sa < sb ? -1 : 1;
  const uint64_t ra = x.row_ids.empty() ? 0 : x.row_ids[a];
  const uint64_t rb = y.row_ids.empty() ? 0 : y.row_ids[b];
  return ra < rb ? -1 : (ra > rb ? 1 : 0);
}

// Sorts row indices of `batch` by the given key columns (natural order;
// missing values last in either direction), then, when `input_order` is
// given, in the input order of its rows, then by index (stable).
// With `limit` > 0 only the first `limit` rows are put in order (and kept).
void SortRows(const std::vector<const Column*>& keys, const std::vector<bool>& descending,
              std::vector<uint32_t>* rows, size_t limit = 0, const Batch* input_order = nullptr);

// Reorders the rows newest first (by `ts_slot`, missing last), then in
// input order: the order of the events of a query without sort.
void OrderNewestFirst(Batch* batch, int ts_slot);

// Reorders the rows in input order.
void OrderByInput(Batch* batch);

// NaturalCompare with the common same-type cases (numbers, timestamps, IPv4
// addresses) decided without looking at text; the same order.
inline int OrderCompare(const Value& a, const Value& b) {
  if (a.type == b.type) {
    switch (a.type) {
      case ValueType::kInt:
      case ValueType::kTimestamp:
      case ValueType::kBool:
        return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
      case ValueType::kDouble:
        if (a.d != a.d || b.d != b.d) break;  // NaN: NaturalCompare puts it after numbers
        return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
      case ValueType::kAddress:
        if (!a.ip.v6 && !b.ip.v6) return a.ip < b.ip ? -1 : (b.ip < a.ip ? 1 : 0);
        break;
      default:
        break;
    }
  }
  return NaturalCompare(a, b);
}

// Where row `a` of key column `x` goes relative to row `b` of `y` in a sort
// on that key: < 0 first, > 0 after, 0 equal. Missing values go last in
// either direction. Int and timestamp columns of the same kind compare their
// arrays without making Values (the same order as OrderCompare).
inline int CompareKey(const Column& x, size_t a, const Column& y, size_t b, bool descending) {
  if (x.kind == y.kind && (x.kind == ColumnKind::kInt || x.kind == ColumnKind::kTimestamp)) {
    const bool va = x.IsValid(a), vb = y.IsValid(b);
    if (!va || !vb) return va == vb ? 0 : (va ? -1 : 1);
    const int64_t p = x.ints[a], q = y.ints[b];
    if (p == q) return 0;
    return (p < q) != descending ? -1 : 1;
  }
  Value p = x.Get(a), q = y.Get(b);
  if (p.is_null() || q.is_null()) {
    if (p.is_null() && q.is_null()) return 0;
    return p.is_null() ? 1 : -1;
  }
  const int c = OrderCompare(p, q);
  return descending ? -c : c;
}

// Matches a glob parse pattern (literal chunks between the stars) against
// `text`; on success `out` gets one view per star. The first literal may be
// found anywhere; each star takes the shortest text up to the next literal,
// and the last star (when the pattern ends with one) takes the rest.
bool MatchGlob(std::string_view text, const std::vector<std::string>& literals,
               std::vector<std::string_view>* out);

}  // namespace flowlens::query
