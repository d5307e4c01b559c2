// TimeBinKeys: the group ids of `stats ... by bin(period)` straight from the
// typed @timestamp column, for a group table keyed by that one bin.
//
// Why it is fast: flow-log records arrive roughly in time order (a 5-minute
// bin of a busy VPC spans tens of thousands of rows), so a row almost always
// falls in the bin of the row before. The keyer remembers that bin as the
// range [start, end) and its group id: a row inside it takes the id with one
// subtract and one compare, with no 64-bit division for the bin and no hash
// probe; only a row outside it computes its bin (PeriodFloor, the same
// arithmetic as bin() in the evaluator) and looks the bin up in the index.
// Rows come out as runs of one group, so the accumulators can add a run at a
// time (Accumulator::AddRun). Benchmark: bench/aggregation_bench.cc
// (BM_SumByTimeBin).
//
// The keys it inserts are the ones GroupTable::BuildFixedKeys makes from the
// evaluated bin() column (a narrow key: the bin's ms in lane a; a missing
// timestamp: lane 0 and null bit 0), so a table may mix both paths.
//
//   TimeBinKeys keys(amount, unit);
//   keys.Assign(ts_column, n, &index, ids, &runs);
//
// Thread safety: none; one per group table. The remembered bin stays valid
// as long as the index only grows (ids never change).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "query/column.h"
#include "query/fixed_key_index.h"
#include "query/functions/scalar_function.h"

namespace flowlens::query {

// Rows [begin, next run's begin or the batch end) all go to `group`.
struct GroupRun {
  uint32_t begin;
  uint32_t group;
};

class TimeBinKeys {
 public:
  TimeBinKeys(int64_t amount, int unit) : floor_(amount, unit), amount_(amount), unit_(unit) {}

  // True for the timestamp columns Assign takes (typed ints or timestamps).
  static bool Takes(const Column& ts) {
    return ts.kind == ColumnKind::kTimestamp || ts.kind == ColumnKind::kInt;
  }

  // ids[r] = the group of bin(ts[r]) (of the null key where ts is missing)
  // for r in 0..n-1, inserting new bins into `index`; `runs` gets the runs of
  // equal ids in row order.
  void Assign(const Column& ts, size_t n, NarrowKeyIndex* index, uint32_t* ids,
              std::vector<GroupRun>* runs);

 private:
  // Looks up the bin of `ms` and makes it the remembered one.
  uint32_t Enter(int64_t ms, NarrowKeyIndex* index);

  PeriodFloor floor_;
  int64_t amount_;
  int unit_;
  // The remembered bin: rows with (ms - start_) < width_ (unsigned) are in it.
  uint64_t start_ = 0;
  uint64_t width_ = 0;  // 0: none yet
  uint32_t id_ = 0;
};

}  // namespace flowlens::query
