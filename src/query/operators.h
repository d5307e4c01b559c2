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
// are ordered by the `tie_break` slots (ascending), then by their position.
Status ApplySort(const Stage& stage, Batch* batch, EvalState* state, size_t limit,
                 const std::vector<int>& tie_break = {});

// A new batch holding rows `rows` of `src` in that order (strings keep
// pointing into src's buffers, which the new batch keeps alive).
Batch Gather(const Batch& src, const std::vector<uint32_t>& rows);

// Concatenates batches into one (strings copied into the result's arena).
Batch Concatenate(std::vector<Batch>& parts, size_t slot_count);

// Sorts row indices of `batch` by the given key columns (natural order;
// missing values last in either direction), stable.
// With `limit` > 0 only the first `limit` rows are put in order (and kept).
void SortRows(const std::vector<Column>& keys, const std::vector<bool>& descending,
              std::vector<uint32_t>* rows, size_t limit = 0);

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

// Matches a glob parse pattern (literal chunks between the stars) against
// `text`; on success `out` gets one view per star. The first literal may be
// found anywhere; each star takes the shortest text up to the next literal,
// and the last star (when the pattern ends with one) takes the rest.
bool MatchGlob(std::string_view text, const std::vector<std::string>& literals,
               std::vector<std::string_view>* out);

}  // namespace flowlens::query
