// How the workers of a query without stats before its first blocking command
// (sort, limit, dedup; or none) keep the rows that reach it, so that memory
// stays O(rows the answer can use) instead of O(rows matched):
//
// - `sort KEYS | limit N`, and a sort followed only by commands that keep
//   every row (fields, display, parse, lookup) under the result cap: the best
//   N (or cap) rows of the sort's order, ties in input order (RowRef order of
//   CompareInputOrder, operators.h);
// - `limit N`, and a query with no blocking command under the result cap: the
//   N newest rows (@timestamp descending, ties in input order: the order the
//   rows are shown in);
// - `limit any N`: the first N rows to arrive, and the scan stops once N rows
//   have passed the commands before it (ScanCounters::stop);
// - otherwise (dedup, tail, a sort with no bound) every row.
//
// A bounded collector appends batches and, when it holds more than twice the
// bound plus a batch, selects the best `bound` rows (copying their strings,
// so that the batches they came from can go). Once cut, a new row is kept
// only if it beats the worst row kept. Each worker's best rows contain its
// share of the overall best, so the union of the workers' collections sorted
// the same way gives exactly the full sort's answer, whatever the number of
// threads or the order the morsels were read in.
//
// Thread safety: a collector belongs to one thread at a time.
//
//   CollectPlan cp = PlanCollect(plan, options.limit);
//   RowCollector rows(&cp, plan.slot_names.size());
//   rows.Add(std::move(batch), &state);  ...  Batch all = rows.Build(true);
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

// The first key of the order in which rows make a query's answer, when the
// scan can see it as is: @timestamp (newest first for `limit N` and for a
// query with no blocking command; as sorted), or the field a first `sort`
// sorts on first, when no command before it rewrites it. The store scan
// skips segments and row groups whose statistics show every value of the
// key is worse than the worst row kept (ScanCounters::needed_key_from/_to).
struct OrderKey {
  int slot = -1;  // -1: none
  bool descending = true;
};

// The order in which the store reads segments by time (when the order key
// is @timestamp).
enum class TimeOrder : uint8_t { kNone, kNewestFirst, kOldestFirst };

struct CollectPlan {
  enum class Kind : uint8_t { kAll, kSorted, kNewest, kAny };
  Kind kind = Kind::kAll;
  const Stage* sort = nullptr;  // kSorted: the sort stage
  size_t bound = 0;             // rows kept (kSorted, kNewest, kAny)
  int ts_slot = -1;
  // kSorted, kNewest: the first key, when the scan can skip by it.
  OrderKey key;
};

// Index of the first blocking stage (stats, sort, limit, dedup), or
// plan.stages.size() when there is none.
size_t FirstBlockingStage(const Plan& plan);

// The plan's order key (see above); none for queries whose first blocking
// command is stats, dedup, `limit any` or `tail`.
OrderKey PlanOrderKey(const Plan& plan);
TimeOrder PlanTimeOrder(const Plan& plan);

// How the rows reaching the first blocking stage are kept; `cap` is the
// result row cap (QueryOptions::limit, 0 = none).
CollectPlan PlanCollect(const Plan& plan, int64_t cap);

class RowCollector {
 public:
  RowCollector() = default;
  // `plan` outlives the collector.
  RowCollector(const CollectPlan* plan, size_t slot_count) : plan_(plan), slots_(slot_count) {}

  // Takes a batch that passed the stages before the blocking one; `state`
  // evaluates the sort keys.
  void Add(Batch&& batch, EvalState* state);
  // Moves every row of `other` in; `other` is left empty, for more.
  void Merge(RowCollector&& other);
  size_t size() const { return rows_; }
  // The rows held, in no particular order, with the query's slots only.
  // With `consume`, the collector is left empty.
  Batch Build(bool consume);
  // Once a collection with an order key holds its bound: the key of its
  // worst row, when an int or a timestamp. Rows whose key is strictly worse
  // (smaller when descending, larger when ascending; or missing) cannot make
  // the answer.
  std::optional<int64_t> KeyThreshold() const;

 private:
  bool Ranked() const {
    return plan_->kind == CollectPlan::Kind::kSorted || plan_->kind == CollectPlan::Kind::kNewest;
  }
  // Key column `k` of a part: the sort keys follow the slots; kNewest ranks
  // on the timestamp slot.
  size_t KeyColumn(size_t k) const {
    return plan_->kind == CollectPlan::Kind::kNewest ? static_cast<size_t>(plan_->ts_slot)
                                                     : slots_ + k;
  }
  size_t KeyCount() const;
  bool KeyDescending(size_t k) const;
  // < 0 when row a of x ranks before row b of y.
  int Compare(const Batch& x, size_t a, const Batch& y, size_t b) const;
  void MaybeCut();
  void Cut();

  const CollectPlan* plan_ = nullptr;
  size_t slots_ = 0;
  std::vector<Batch> parts_;  // kSorted: the sort keys' columns after the slots
  size_t rows_ = 0;
  // parts_[0] holds exactly `bound` rows, its worst last (a cut's result).
  bool top_ = false;
  std::vector<uint8_t> keep_;  // scratch
};

}  // namespace flowlens::query
