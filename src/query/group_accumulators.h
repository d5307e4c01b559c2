// Accumulators: the state of one stats aggregate for every group of a group
// table, in flat arrays indexed by group id.
//
// The group table turns each batch into one group id per row; then each
// accumulator takes the whole batch in one call (one virtual call per batch,
// not per row) and updates its states in a tight loop over the typed argument
// column: count and count(*) bump an int64 per group, sum/avg add int64s with
// an overflow check (the sum of ints stays an exact int until it overflows,
// then turns double), count_distinct inserts (group, value) pairs into shared
// sets: a DistinctPairSet per type (fixed-width values whose bits fit 32:
// ports, IPv4), a FixedKeyIndex (wider ints, timestamps) or a KeyIndex (text
// and others). Big state arrays sit on huge pages (huge_page_allocator.h).
// Untyped or rare inputs take a Value-per-row path with the same rules
// (value.h, docs/compat.md). count, sum and avg also add a run of rows of one
// group at a time (AddRun), keeping the state in registers. min, max, pct, stddev,
// earliest, latest, sortsFirst and sortsLast keep a Value-based state.
//
//   auto acc = MakeAccumulator(spec);
//   acc->Resize(groups); acc->Add(ids, n, arg_column, batch, ts_column);
//   Value v = acc->Final(g);
//
// Thread safety: one accumulator per worker; Merge takes another's states.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

class Accumulator {
 public:
  virtual ~Accumulator() = default;
  // Makes room for groups 0..groups-1 (new groups start empty).
  virtual void Resize(size_t groups) = 0;
  // Adds row r of `arg` to group ids[r], for r in 0..n-1. `batch` and
  // `timestamps` (may be null) give earliest/latest the order of rows.
  virtual void Add(const uint32_t* ids, size_t n, const Column& arg, const Batch& batch,
                   const Column* timestamps) = 0;
  // Adds rows begin..end-1 of `arg`, all of group `group`, when this
  // aggregate has a run path for `arg` (count, sum, avg of typed columns):
  // the same result as Add with those ids, without a state access per row.
  // False (and nothing added) otherwise: call Add.
  virtual bool AddRun(uint32_t group, size_t begin, size_t end, const Column& arg) {
    (void)group, (void)begin, (void)end, (void)arg;
    return false;
  }
  // Folds in `other` (same aggregate): its group g goes to group map[g].
  virtual void Merge(Accumulator&& other, const uint32_t* map) = 0;
  // The aggregate's value for a group (may reorder pct's samples).
  virtual Value Final(uint32_t group) = 0;
  // Final() of groups 0..groups-1 as one column (typed where it can be).
  virtual Column FinalColumn(size_t groups);
  // Bytes held, for the memory budget.
  virtual size_t bytes() const = 0;
};

std::unique_ptr<Accumulator> MakeAccumulator(const AggSpec& spec);

// Appends the key encoding of a value (used for group keys and count_distinct):
// a type tag, then a fixed-width payload or a length-prefixed text. Numeric
// text and integral doubles encode as the int they stand for.
void EncodeKey(const Value& v, std::string* out);
// Decodes one value at *pos and advances; strings point into `key`.
Value DecodeKey(std::string_view key, size_t* pos);

}  // namespace flowlens::query
