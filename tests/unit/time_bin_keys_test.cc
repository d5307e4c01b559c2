// The time-bin group path: TimeBinKeys against FloorToPeriod row by row
// (every period unit, bin edges, negative and extreme timestamps, missing
// ones, ordered and shuffled rows), GroupTable keyed by bin() against the
// same table keyed by the pre-computed bin column (the general fixed-key
// path), and the run paths of count/sum/avg (Accumulator::AddRun) against
// Add row by row, through int64 overflow to double.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "query/aggregate.h"
#include "query/ast.h"
#include "query/evaluator.h"
#include "query/functions/scalar_function.h"
#include "query/group_accumulators.h"
#include "query/time_bin_keys.h"

namespace flowlens::query {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

int Unit(PeriodUnit u) {
  return static_cast<int>(u);
}

struct Period {
  int64_t amount;
  PeriodUnit unit;
  int64_t approx_ms;  // for making edge values
};

const Period kPeriods[] = {
    {1, PeriodUnit::kMillisecond, 1},      {7, PeriodUnit::kMillisecond, 7},
    {1, PeriodUnit::kSecond, 1000},        {5, PeriodUnit::kMinute, 300000},
    {1, PeriodUnit::kHour, 3600000},       {1, PeriodUnit::kDay, 86400000},
    {1, PeriodUnit::kWeek, 604800000},     {1, PeriodUnit::kMonth, 2592000000},
    {1, PeriodUnit::kQuarter, 7776000000}, {3, PeriodUnit::kMonth, 7776000000},
    {1, PeriodUnit::kYear, 31536000000},   {1000000, PeriodUnit::kDay, 86400000000000},
};

// Timestamps: ordered runs across bin edges, edge values (k*period - 1, k*period,
// k*period + 1), negative times, the int64 extremes and near +-2^61, 2^62.
std::vector<int64_t> Timestamps(const Period& p) {
  std::vector<int64_t> t;
  for (int64_t i = 0; i < 3000; ++i) t.push_back(1700000000000 + i * (p.approx_ms / 50 + 1));
  for (int64_t k = -5; k <= 5; ++k) {
    const int64_t edge = FloorToPeriod(1700000000000 + k * p.approx_ms, p.amount, Unit(p.unit));
    for (int64_t d : {-1, 0, 0, 1, 0}) t.push_back(edge + d);
    const int64_t neg = FloorToPeriod(-1700000000000 + k * p.approx_ms, p.amount, Unit(p.unit));
    for (int64_t d : {-1, 0, 1}) t.push_back(neg + d);
  }
  for (int64_t v :
       {kMin, kMin + 1, kMin + 2, kMax, kMax - 1, kMax, int64_t{0}, int64_t{-1}, int64_t{1} << 61,
        (int64_t{1} << 61) - 1, -(int64_t{1} << 61), int64_t{1} << 62, (int64_t{1} << 62) - 1,
        -(int64_t{1} << 62), -(int64_t{1} << 62) - 1, kMin + 300000, kMax - 300000}) {
    t.push_back(v);
    t.push_back(v);
  }
  uint64_t x = 7;
  for (int i = 0; i < 500; ++i) {  // shuffled
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    t.push_back(static_cast<int64_t>(x >> 1) - (int64_t{1} << 62));
  }
  return t;
}

TEST(TimeBinKeys, MatchesFloorToPeriodForEveryUnit) {
  for (const Period& p : kPeriods) {
    SCOPED_TRACE(std::to_string(p.amount) + " unit " + std::to_string(Unit(p.unit)));
    const std::vector<int64_t> all = Timestamps(p);
    TimeBinKeys keys(p.amount, Unit(p.unit));
    NarrowKeyIndex index;
    std::vector<GroupRun> runs;
    // Batches of 1000, every 9th row missing in odd batches, the column an
    // int column in every third batch.
    for (size_t off = 0, b = 0; off < all.size(); off += 1000, ++b) {
      Column ts;
      ts.kind = b % 3 == 2 ? ColumnKind::kInt : ColumnKind::kTimestamp;
      const size_t n = std::min<size_t>(1000, all.size() - off);
      ts.ints.assign(all.begin() + static_cast<long>(off),
                     all.begin() + static_cast<long>(off + n));
      if (b % 2) {
        ts.valid.assign(n, 1);
        for (size_t r = 0; r < n; r += 9) ts.valid[r] = 0;
      }
      std::vector<uint32_t> ids(n);
      keys.Assign(ts, n, &index, ids.data(), &runs);
      const std::vector<FixedKey> by_id = index.KeysById();
      for (size_t r = 0; r < n; ++r) {
        const FixedKey want =
            ts.IsValid(r)
                ? FixedKey{static_cast<uint64_t>(FloorToPeriod(ts.ints[r], p.amount, Unit(p.unit))),
                           0, 0}
                : FixedKey{0, 0, 1};
        ASSERT_EQ(by_id[ids[r]], want) << "row " << off + r << " ts " << ts.ints[r];
      }
      // The runs cover the batch in order, each of one id.
      ASSERT_FALSE(runs.empty());
      EXPECT_EQ(runs[0].begin, 0u);
      for (size_t i = 0; i < runs.size(); ++i) {
        const size_t end = i + 1 < runs.size() ? runs[i + 1].begin : n;
        ASSERT_LT(runs[i].begin, end);
        for (size_t r = runs[i].begin; r < end; ++r) ASSERT_EQ(ids[r], runs[i].group);
      }
    }
  }
}

TEST(TimeBinKeys, EmptyBatchGivesNoRuns) {
  TimeBinKeys keys(5, Unit(PeriodUnit::kMinute));
  NarrowKeyIndex index;
  std::vector<GroupRun> runs{{0, 0}};
  Column ts;
  ts.kind = ColumnKind::kTimestamp;
  keys.Assign(ts, 0, &index, nullptr, &runs);
  EXPECT_TRUE(runs.empty());
  EXPECT_EQ(index.size(), 0u);
}

BoundExprPtr Slot(int slot) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kSlot;
  e->slot = slot;
  return e;
}

// Columns: 0 ts, 1 bin(ts) computed here, 2 value (int), 3 value (double);
// results at 4.. (sum int, count(*), avg int, sum double, count(value), min).
Stage BinStage(bool by_bin_expr, const Period& p) {
  Stage stage;
  stage.kind = CommandKind::kStats;
  if (by_bin_expr) {
    auto e = std::make_unique<BoundExpr>();
    e->kind = BoundKind::kBin;
    e->slot = 0;
    e->period_amount = p.amount;
    e->period_unit = Unit(p.unit);
    stage.group_exprs.push_back(std::move(e));
  } else {
    stage.group_exprs.push_back(Slot(1));
  }
  stage.group_slots.push_back(1);
  const std::pair<AggKind, int> aggs[] = {{AggKind::kSum, 2},   {AggKind::kCountStar, -1},
                                          {AggKind::kAvg, 2},   {AggKind::kSum, 3},
                                          {AggKind::kCount, 2}, {AggKind::kMin, 2}};
  int slot = 4;
  for (auto [kind, arg] : aggs) {
    AggSpec a;
    a.kind = kind;
    if (arg >= 0) a.arg = Slot(arg);
    a.result_slot = slot++;
    stage.aggregates.push_back(std::move(a));
  }
  return stage;
}
constexpr int kBinSlots = 10;

// Ordered timestamps in runs with missing ones; int values small (the
// vectorized run sum), then huge so sums overflow to double, with nulls in
// some batches; a batch whose ts column is mixed (the evaluator path).
std::vector<Batch> BinBatches(const Period& p, bool huge_values) {
  std::vector<Batch> out;
  uint64_t x = 3;
  for (int b = 0; b < 30; ++b) {
    Batch batch;
    batch.size = 700;
    batch.columns.resize(kBinSlots);
    Column& ts = batch.columns[0];
    Column& bin = batch.columns[1];
    Column& v = batch.columns[2];
    Column& d = batch.columns[3];
    ts.kind = b % 7 == 3 ? ColumnKind::kInt : ColumnKind::kTimestamp;
    bin.kind = ColumnKind::kTimestamp;
    v.kind = ColumnKind::kInt;
    d.kind = ColumnKind::kDouble;
    const bool ts_nulls = b % 4 == 1, v_nulls = b % 5 == 2;
    if (ts_nulls) ts.valid.assign(batch.size, 1);
    if (v_nulls) v.valid.assign(batch.size, 1);
    for (size_t r = 0; r < batch.size; ++r) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const int64_t t = 1700000000000 + (b * 700 + static_cast<int64_t>(r)) * (p.approx_ms / 300);
      ts.ints.push_back(t);
      bin.ints.push_back(FloorToPeriod(t, p.amount, Unit(p.unit)));
      int64_t value = static_cast<int64_t>((x >> 20) % 100000) - 1000;
      if (huge_values && b >= 10) value = (x >> 40) % 3 == 0 ? kMax - 5 : (kMin + 7);
      if (huge_values && b >= 20) value = static_cast<int64_t>(x >> 2) >> (b % 20);
      v.ints.push_back(value);
      d.doubles.push_back(static_cast<double>((x >> 30) % 1000) / 8.0);
      if (ts_nulls && (x >> 50) % 6 == 0) {
        ts.valid[r] = 0;
        bin.valid.resize(batch.size, 1);
        bin.valid[r] = 0;
        bin.ints[r] = 0;
      }
      if (v_nulls && (x >> 45) % 3 == 0) v.valid[r] = 0;
    }
    if (!ts.valid.empty() && bin.valid.empty()) bin.valid.assign(batch.size, 1);
    if (b == 13) {  // a mixed timestamp column: the evaluator computes bin()
      Column mixed;
      mixed.kind = ColumnKind::kMixed;
      for (size_t r = 0; r < batch.size; ++r) mixed.values.push_back(ts.Get(r));
      mixed.values[5] = Value::Int(ts.ints[5]);  // an int among timestamps
      if (!bin.valid.empty()) bin.valid[5] = 1;
      bin.ints[5] = FloorToPeriod(ts.ints[5], p.amount, Unit(p.unit));
      ts = std::move(mixed);
    }
    out.push_back(std::move(batch));
  }
  return out;
}

std::vector<std::string> Render(const Batch& out) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < out.size; ++r) {
    std::string row;
    for (int slot = 1; slot < kBinSlots; ++slot) {
      if (slot == 2 || slot == 3) continue;
      Value v = out.columns[slot].Get(r);
      row += (v.is_null() ? "NULL" : ValueToText(v)) + (v.type == ValueType::kDouble ? "d " : " ");
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> RunBinStage(bool by_bin_expr, const Period& p,
                                     const std::vector<Batch>& batches, bool merge) {
  Stage stage = BinStage(by_bin_expr, p);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  GroupTable one(stage, 0, &eval), two(stage, 0, &eval);
  for (size_t i = 0; i < batches.size(); ++i) (merge && i % 2 ? two : one).Add(batches[i]);
  if (merge) one.Merge(std::move(two));
  return Render(one.Finish(kBinSlots, &eval, true));
}

TEST(GroupTable, ByTimeBinMatchesTheBinColumnPath) {
  for (const Period& p : kPeriods) {
    if (p.approx_ms < 300) continue;  // runs of one row: covered by TimeBinKeys above
    for (bool huge : {false, true}) {
      for (bool merge : {false, true}) {
        SCOPED_TRACE(std::to_string(p.amount) + " unit " + std::to_string(Unit(p.unit)) +
                     (huge ? " huge" : "") + (merge ? " merged" : ""));
        std::vector<Batch> batches = BinBatches(p, huge);
        std::vector<std::string> got = RunBinStage(true, p, batches, merge);
        std::vector<std::string> want = RunBinStage(false, p, batches, merge);
        EXPECT_EQ(got, want);
        EXPECT_GT(got.size(), 0u);
      }
    }
  }
}

TEST(GroupTable, ByTimeBinOfNoRowsIsEmpty) {
  const Period& p = kPeriods[3];
  EXPECT_TRUE(RunBinStage(true, p, {}, false).empty());
  EXPECT_TRUE(RunBinStage(true, p, {}, true).empty());
}

// Accumulator::AddRun against Add row by row on the same runs.
void CheckRuns(AggKind kind, const Column& arg, const std::vector<GroupRun>& runs, size_t groups) {
  AggSpec spec;
  spec.kind = kind;
  auto by_run = MakeAccumulator(spec), by_row = MakeAccumulator(spec);
  by_run->Resize(groups);
  by_row->Resize(groups);
  const size_t n = arg.kind == ColumnKind::kDouble ? arg.doubles.size() : arg.ints.size();
  std::vector<uint32_t> ids(n);
  Batch batch;
  batch.size = n;
  for (size_t i = 0; i < runs.size(); ++i) {
    const size_t end = i + 1 < runs.size() ? runs[i + 1].begin : n;
    ASSERT_TRUE(by_run->AddRun(runs[i].group, runs[i].begin, end, arg));
    for (size_t r = runs[i].begin; r < end; ++r) ids[r] = runs[i].group;
  }
  by_row->Add(ids.data(), n, arg, batch, nullptr);
  for (uint32_t g = 0; g < groups; ++g) {
    Value a = by_run->Final(g), b = by_row->Final(g);
    EXPECT_EQ(a.type, b.type) << g;
    EXPECT_EQ(a.is_null() ? "NULL" : ValueToText(a), b.is_null() ? "NULL" : ValueToText(b)) << g;
  }
}

TEST(Accumulators, RunsAddLikeRows) {
  const int64_t edge = int64_t{1} << 50;
  const std::vector<std::vector<int64_t>> value_sets = {
      {1, 2, 3, -4, 1000000},
      {edge - 1, -edge, edge - 1, -edge},  // the run-sum bounds, inside
      {edge, 1, 2},                        // just outside: row by row
      {kMax, 1, -1},                       // overflows at once
      {kMax - 10, 5, 5, 5, -100},          // overflows midway, then back
      {kMin, -1, 1},                       // overflows downwards
      {int64_t{1} << 61, int64_t{1} << 61, int64_t{1} << 61, int64_t{1} << 61, -5},
  };
  for (size_t s = 0; s < value_sets.size(); ++s) {
    SCOPED_TRACE(s);
    Column c;
    c.kind = ColumnKind::kInt;
    for (int rep = 0; rep < 3000; ++rep)
      c.ints.push_back(value_sets[s][rep % value_sets[s].size()]);
    // Runs: one long, two groups alternating, single rows, a group coming back.
    std::vector<GroupRun> runs = {{0, 0}, {1000, 1}, {1001, 2}, {1500, 0}, {1501, 1}, {2999, 2}};
    for (AggKind k : {AggKind::kSum, AggKind::kAvg, AggKind::kCount, AggKind::kCountStar}) {
      CheckRuns(k, c, runs, 3);
      Column with_nulls = c;
      with_nulls.valid.assign(c.ints.size(), 1);
      for (size_t r = 0; r < c.ints.size(); r += 3) with_nulls.valid[r] = 0;
      CheckRuns(k, with_nulls, runs, 3);
      CheckRuns(k, c, {{0, 1}}, 3);  // one run; groups 0 and 2 stay empty
    }
  }
  Column d;
  d.kind = ColumnKind::kDouble;
  for (int r = 0; r < 2000; ++r) d.doubles.push_back(r % 7 == 0 ? 1e300 : 0.1 * r);
  d.valid.assign(2000, 1);
  d.valid[3] = 0;
  CheckRuns(AggKind::kSum, d, {{0, 0}, {700, 1}}, 2);
  CheckRuns(AggKind::kAvg, d, {{0, 0}, {700, 1}}, 2);
}

TEST(Accumulators, RunPathDeclinesOtherInputs) {
  AggSpec sum;
  sum.kind = AggKind::kSum;
  auto acc = MakeAccumulator(sum);
  acc->Resize(1);
  Column text;
  text.kind = ColumnKind::kString;
  text.strings = {"1", "2"};
  EXPECT_FALSE(acc->AddRun(0, 0, 2, text));
  EXPECT_TRUE(acc->Final(0).is_null());  // nothing added
  AggSpec min;
  min.kind = AggKind::kMin;
  Column ints;
  ints.kind = ColumnKind::kInt;
  ints.ints = {1, 2};
  auto m = MakeAccumulator(min);
  m->Resize(1);
  EXPECT_FALSE(m->AddRun(0, 0, 2, ints));
}

}  // namespace
}  // namespace flowlens::query
