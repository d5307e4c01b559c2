// Measures stats hash aggregation end to end (RunQueryOnFiles on a generated file in the page
// cache) at low (action: 3), middle (dstPort: ~30k) and high (srcAddr x dstAddr: ~180k)
// group counts of 500k default-format records: GroupTable
// lookups dominate stats queries, and high-cardinality keys are where its hashing and key
// encoding cost shows. Then the kernels alone on prepared batches: the group
// table with 1 and 2 fixed-width keys at 10 to 2M groups under count(*), sum
// and count_distinct, the merge of two workers' tables, a time-bin key in
// runs, the finish of a big table (top-N, text keys in natural order), and
// the filter predicates of the benchmark queries.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <map>
#include <memory>
#include <vector>

#include "flowlog/generator.h"
#include "query/aggregate.h"
#include "query/ast.h"
#include "query/evaluator.h"
#include "query/executor.h"
#include "query/operators.h"

namespace flowlens::query {
namespace {

constexpr uint64_t kRecords = 500'000;

struct Data {
  std::string dir, path;
  int64_t bytes = 0;
  Data() {
    char tmpl[] = "/tmp/flowlens-aggbench-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/flows.log";
    GeneratorOptions o;
    o.records = kRecords;
    o.seed = 11;
    std::string text, truth;
    if (!GenerateInMemory(o, &text, &truth).ok()) std::abort();
    std::ofstream(path, std::ios::binary) << text;
    bytes = static_cast<int64_t>(text.size());
  }
  ~Data() { std::filesystem::remove_all(dir); }
};

const Data& TheData() {
  static const Data d;
  return d;
}

void RunStats(benchmark::State& state, const char* query) {
  const Data& d = TheData();
  QueryOptions opts;
  opts.threads = static_cast<int>(state.range(0));
  opts.limit = 0;  // every group, so the result size is the group count
  size_t groups = 0;
  for (auto _ : state) {
    ScanInput in;
    in.path = d.path;
    in.display_name = "flows.log";
    auto r = RunQueryOnFiles(query, {in}, opts);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    groups = r->rows.size();
    benchmark::DoNotOptimize(r->rows.data());
  }
  state.counters["groups"] = static_cast<double>(groups);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRecords));
  state.SetBytesProcessed(state.iterations() * d.bytes);
}

// Baseline: the same scan with a single group, so the difference is the hash table.
void BM_CountAll(benchmark::State& s) {
  RunStats(s, "stats count(*)");
}
void BM_CountByDstPort(benchmark::State& s) {
  RunStats(s, "stats count(*) by dstPort");
}
void BM_SumByAction(benchmark::State& s) {
  RunStats(s, "stats sum(bytes) by action");
}
void BM_SumBySrcDst(benchmark::State& s) {
  RunStats(s, "stats sum(bytes) by srcAddr, dstAddr");
}
void BM_ManyAggsBySrcDst(benchmark::State& s) {
  RunStats(s, "stats sum(bytes), sum(packets), count(*), max(bytes) by srcAddr, dstAddr");
}

BENCHMARK(BM_CountAll)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CountByDstPort)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SumByAction)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SumBySrcDst)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ManyAggsBySrcDst)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- Kernels on prepared batches (no scan): the group table and the filter
// predicates alone, CPU time per row. Rows draw keys from `groups` distinct
// values (1 key: an int like dstPort; 2 keys: an IPv4 pair like srcAddr,
// dstAddr), with a few missing values.

constexpr size_t kKernelRows = 2'000'000;

// The kernel data's random numbers (xorshift64), the same on every run.
struct XorShift {
  uint64_t x = 88172645463325252ull;
  uint64_t operator()() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
};

struct KernelData {
  std::vector<Batch> batches;
  explicit KernelData(uint64_t groups) {
    XorShift next;
    for (size_t done = 0; done < kKernelRows; done += kBatchSize) {
      Batch b;
      b.size = std::min(kBatchSize, kKernelRows - done);
      b.columns.resize(6);
      Column& src = b.columns[0];
      Column& dst = b.columns[1];
      Column& port = b.columns[2];
      Column& bytes = b.columns[3];
      Column& action = b.columns[4];
      src.kind = dst.kind = ColumnKind::kAddress;
      port.kind = bytes.kind = ColumnKind::kInt;
      action.kind = ColumnKind::kString;
      port.valid.assign(b.size, 1);
      for (size_t r = 0; r < b.size; ++r) {
        uint64_t g = next() % groups;
        // The pair (src, dst) takes `groups` values; so does the port.
        src.addrs.push_back(IpAddress::V4(0x0A000000u + static_cast<uint32_t>(g % 65521)));
        dst.addrs.push_back(IpAddress::V4(0x0A100000u + static_cast<uint32_t>(g / 65521)));
        port.ints.push_back(static_cast<int64_t>(g));
        if (r % 97 == 0) port.valid[r] = 0;
        bytes.ints.push_back(static_cast<int64_t>(next() % 100000));
        action.strings.push_back(next() % 10 == 0 ? "REJECT" : "ACCEPT");
      }
      batches.push_back(std::move(b));
    }
  }
};

const KernelData& Kernels(uint64_t groups) {
  static std::map<uint64_t, std::unique_ptr<KernelData>> cache;
  auto& d = cache[groups];
  if (!d) d = std::make_unique<KernelData>(groups);
  return *d;
}

BoundExprPtr SlotExpr(int slot) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kSlot;
  e->slot = slot;
  return e;
}

// A stats stage keyed by the given slots of the kernel data with one
// aggregate of slot 3 (bytes) at slot 5.
Stage KernelStage(std::vector<int> keys, AggKind kind) {
  Stage stage;
  stage.kind = CommandKind::kStats;
  for (int k : keys) {
    stage.group_exprs.push_back(SlotExpr(k));
    stage.group_slots.push_back(k);
  }
  AggSpec spec;
  spec.kind = kind;
  if (kind != AggKind::kCountStar) spec.arg = SlotExpr(3);
  spec.result_slot = 5;
  stage.aggregates.push_back(std::move(spec));
  return stage;
}

// Times one group table fed `batches` (kKernelRows rows) and finished.
void TimeTable(benchmark::State& state, const Stage& stage, const std::vector<Batch>& batches) {
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  size_t groups = 0;
  for (auto _ : state) {
    GroupTable table(stage, -1, &eval);
    for (const Batch& b : batches) table.Add(b);
    Batch out = table.Finish(6, &eval, false);
    groups = out.size;
    benchmark::DoNotOptimize(out.columns.data());
  }
  state.counters["groups"] = static_cast<double>(groups);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kKernelRows));
}

// range(0): groups; range(1): 0 count(*), 1 sum(bytes), 2 count_distinct(bytes).
void RunGroupBy(benchmark::State& state, bool two_keys) {
  const KernelData& d = Kernels(static_cast<uint64_t>(state.range(0)));
  Stage stage = KernelStage(two_keys ? std::vector<int>{0, 1} : std::vector<int>{2},
                            state.range(1) == 0   ? AggKind::kCountStar
                            : state.range(1) == 1 ? AggKind::kSum
                                                  : AggKind::kCountDistinct);
  TimeTable(state, stage, d.batches);
}

void BM_FixedKeys1(benchmark::State& s) {
  RunGroupBy(s, false);
}
void BM_FixedKeys2(benchmark::State& s) {
  RunGroupBy(s, true);
}

void GroupArgs(benchmark::internal::Benchmark* b) {
  for (int64_t agg : {0, 1, 2}) {
    for (int64_t g : {10, 1000, 200000, 2000000}) b->Args({g, agg});
  }
}
BENCHMARK(BM_FixedKeys1)->Apply(GroupArgs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FixedKeys2)->Apply(GroupArgs)->Unit(benchmark::kMillisecond);

// Two workers' tables of the IPv4-pair kernel data merged into one, as at
// the end of a two-thread query (`range(0)` groups, sum(bytes)): the merge
// alone is timed.
// range(1): 1 sum(bytes), 2 count_distinct(bytes) (the pair sets merge too:
// DistinctPairSet inserts and its growth). The table merged into may fill
// to 3/4 (FixedKeyIndex::AllowDenserLoad), so at 2M groups it does not grow.
void BM_MergeTables(benchmark::State& state) {
  const KernelData& d = Kernels(static_cast<uint64_t>(state.range(0)));
  Stage stage = KernelStage({0, 1}, state.range(1) == 2 ? AggKind::kCountDistinct : AggKind::kSum);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  size_t groups = 0;
  for (auto _ : state) {
    state.PauseTiming();
    GroupTable one(stage, -1, &eval), two(stage, -1, &eval);
    for (size_t i = 0; i < d.batches.size(); ++i) (i % 2 ? two : one).Add(d.batches[i]);
    state.ResumeTiming();
    one.Merge(std::move(two));
    groups = one.group_count();
  }
  state.counters["groups"] = static_cast<double>(groups);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(groups));
}
BENCHMARK(BM_MergeTables)
    ->Args({200000, 1})
    ->Args({2000000, 1})
    ->Args({200000, 2})
    ->Args({2000000, 2})
    ->Unit(benchmark::kMillisecond);

// `stats count_distinct(dstPort) by srcAddr` shaped like store Q5: 70% of
// the rows from 40 scanning sources spread over all 65536 ports (their
// groups get port bitmaps, DistinctAccumulator), the rest from 20000
// sources with a few ports each (pairs in the DistinctPairSet).
// range(0): 0 one table fed and finished; 1 two workers' tables (even and
// odd batches, filled outside the timing) merged: bitmap ORs and pair inserts.
void BM_CountDistinctPorts(benchmark::State& state) {
  static const std::vector<Batch> batches = [] {
    std::vector<Batch> out;
    XorShift next;
    for (size_t done = 0; done < kKernelRows; done += kBatchSize) {
      Batch b;
      b.size = std::min(kBatchSize, kKernelRows - done);
      b.columns.resize(6);
      b.columns[0].kind = ColumnKind::kAddress;
      b.columns[2].kind = ColumnKind::kInt;
      for (size_t r = 0; r < b.size; ++r) {
        const bool scan = next() % 10 < 7;
        const uint32_t src = scan ? static_cast<uint32_t>(next() % 40)
                                  : 1000 + static_cast<uint32_t>(next() % 20000);
        const int64_t port = scan ? static_cast<int64_t>(next() % 65536)
                                  : static_cast<int64_t>((src * 7 + next() % 6) % 1024);
        b.columns[0].addrs.push_back(IpAddress::V4(0xC0000000u + src));
        b.columns[2].ints.push_back(port);
      }
      out.push_back(std::move(b));
    }
    return out;
  }();
  Stage stage;
  stage.kind = CommandKind::kStats;
  stage.group_exprs.push_back(SlotExpr(0));
  stage.group_slots.push_back(0);
  AggSpec spec;
  spec.kind = AggKind::kCountDistinct;
  spec.arg = SlotExpr(2);
  spec.result_slot = 5;
  stage.aggregates.push_back(std::move(spec));
  if (state.range(0) == 0) {
    TimeTable(state, stage, batches);
    return;
  }
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  for (auto _ : state) {
    state.PauseTiming();
    GroupTable one(stage, -1, &eval), two(stage, -1, &eval);
    for (size_t i = 0; i < batches.size(); ++i) (i % 2 ? two : one).Add(batches[i]);
    state.ResumeTiming();
    one.Merge(std::move(two));
    benchmark::DoNotOptimize(one.group_count());
  }
}
BENCHMARK(BM_CountDistinctPorts)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Finish of a 2M-row table of IPv4 pairs (`range(0)` groups, sum(bytes)) then
// `sort sum desc | limit 15`, as store Q1 ends: range(1) 0 builds every
// group's row and sorts them, 1 the top-N finish (the keys of the candidate
// groups only, looked up by id: FixedKeyIndex::KeyOf, no walk of the slots).
// The table is filled outside the timing.
void BM_FinishTopN(benchmark::State& state) {
  const KernelData& d = Kernels(static_cast<uint64_t>(state.range(0)));
  Stage stage = KernelStage({0, 1}, AggKind::kSum);
  Stage sort;
  sort.kind = CommandKind::kSort;
  sort.sort_keys.emplace_back(SlotExpr(5), true);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  GroupTable::TopN top;
  if (state.range(1)) top = {&sort, 15};
  for (auto _ : state) {
    state.PauseTiming();
    GroupTable table(stage, -1, &eval);
    for (const Batch& b : d.batches) table.Add(b);
    state.ResumeTiming();
    Batch out = table.Finish(6, &eval, false, top);
    if (!ApplySort(sort, &out, &eval, 15, stage.group_slots).ok()) std::abort();
    benchmark::DoNotOptimize(out.columns.data());
  }
}
BENCHMARK(BM_FinishTopN)
    ->Args({200000, 0})
    ->Args({200000, 1})
    ->Args({2000000, 0})
    ->Args({2000000, 1})
    ->Unit(benchmark::kMillisecond);

// Finish in key order of `range(0)` groups keyed by two text columns shaped
// like Q8's parsed addresses ("10.0.x.y"): the natural-order sort of the
// groups (OrderRanks), with the table filled outside the timing.
void BM_GroupOrderText(benchmark::State& state) {
  const size_t groups = static_cast<size_t>(state.range(0));
  std::vector<std::string> text;
  for (size_t i = 0; i < 4096; ++i) {
    text.push_back("10." + std::to_string(i % 7) + "." + std::to_string(i / 7 % 256) + "." +
                   std::to_string(i % 251));
  }
  Batch batch;
  batch.size = groups;
  batch.columns.resize(6);
  for (int k : {0, 1}) batch.columns[k].kind = ColumnKind::kString;
  batch.columns[3].kind = ColumnKind::kInt;
  for (size_t r = 0; r < groups; ++r) {
    batch.columns[0].strings.push_back(text[r % text.size()]);
    batch.columns[1].strings.push_back(text[(r / text.size() * 31 + r) % text.size()]);
    batch.columns[3].ints.push_back(static_cast<int64_t>(r));
  }
  Stage stage = KernelStage({0, 1}, AggKind::kSum);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  size_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    GroupTable table(stage, -1, &eval);
    table.Add(batch);
    state.ResumeTiming();
    Batch out = table.Finish(6, &eval, true);
    rows = out.size;
    benchmark::DoNotOptimize(out.columns.data());
  }
  state.counters["groups"] = static_cast<double>(rows);
}
BENCHMARK(BM_GroupOrderText)->Arg(16600)->Unit(benchmark::kMillisecond);

// The kernel data's bytes (slot 3) with a timestamp column (slot 2) of
// ts(row), missing in every `missing_every`-th row (0: none).
template <typename F>
std::vector<Batch> TimeBatches(F&& ts_of_row, size_t missing_every) {
  std::vector<Batch> batches;
  size_t row = 0;
  for (const Batch& b : Kernels(1000).batches) {
    Batch t;
    t.size = b.size;
    t.columns.resize(6);
    t.columns[3] = b.columns[3];
    Column& ts = t.columns[2];
    ts.kind = ColumnKind::kTimestamp;
    if (missing_every) ts.valid.assign(b.size, 1);
    for (size_t r = 0; r < b.size; ++r, ++row) {
      ts.ints.push_back(ts_of_row(row));
      if (missing_every && row % missing_every == 0) ts.valid[r] = 0;
    }
    batches.push_back(std::move(t));
  }
  return batches;
}

// sum(bytes) by a timestamp key in runs of `range(0)` equal rows, as
// `stats sum(bytes) by bin(5m)` sees time-ordered records (a handful of bins
// a batch).
void BM_SumByTimeBin(benchmark::State& state) {
  const int64_t run = state.range(0);
  std::vector<Batch> batches = TimeBatches(
      [run](size_t row) { return 1700000000000 + static_cast<int64_t>(row) / run * 300000; }, 0);
  Stage stage = KernelStage({2}, AggKind::kSum);
  TimeTable(state, stage, batches);
}
BENCHMARK(BM_SumByTimeBin)->Arg(1)->Arg(1000)->Unit(benchmark::kMillisecond);

// `stats sum(bytes) by bin(5m)` as the query runs it: the key is the bin()
// expression over raw timestamps, so this times TimeBinKeys and the run path
// of the sum (AddRun). range(0): 0 records in time order (35k rows a bin, as
// a day of 10M records), 1 shuffled timestamps within a day (a fresh bin
// almost every row: the slow side of the kernel); range(1): 1 with every
// 50th timestamp missing.
void BM_SumByBinExpr(benchmark::State& state) {
  uint64_t x = 12345;
  const bool shuffled = state.range(0) != 0;
  std::vector<Batch> batches = TimeBatches(
      [&x, shuffled](size_t row) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return 1700000000000 + (shuffled ? static_cast<int64_t>((x >> 20) % 86400000)
                                         : static_cast<int64_t>(row) * 9);
      },
      state.range(1) ? 50 : 0);
  Stage stage = KernelStage({2}, AggKind::kSum);
  stage.group_exprs[0]->kind = BoundKind::kBin;
  stage.group_exprs[0]->period_amount = 5;
  stage.group_exprs[0]->period_unit = static_cast<int>(PeriodUnit::kMinute);
  TimeTable(state, stage, batches);
}
BENCHMARK(BM_SumByBinExpr)->Args({0, 0})->Args({0, 1})->Args({1, 0})->Unit(benchmark::kMillisecond);

// `stats sum(bytes), count(*)` with no `by`: one run per batch (AddRun).
void BM_SumNoKeys(benchmark::State& state) {
  const KernelData& d = Kernels(1000);
  Stage stage = KernelStage({}, AggKind::kSum);
  AggSpec count;
  count.kind = AggKind::kCountStar;
  count.result_slot = 4;
  stage.aggregates.push_back(std::move(count));
  TimeTable(state, stage, d.batches);
}
BENCHMARK(BM_SumNoKeys)->Unit(benchmark::kMillisecond);

// Filters of the benchmark queries: action = "REJECT" (0), dstPort = 22 or
// dstPort = 3389 (1), isIpv4InSubnet(srcAddr, "10.0.1.0/24") (2).
void BM_FilterKernel(benchmark::State& state) {
  const KernelData& d = Kernels(1000);
  auto constant = [](Value v, std::string text = {}) {
    auto e = std::make_unique<BoundExpr>();
    e->kind = BoundKind::kConstant;
    e->constant_text = std::move(text);
    e->constant = v;
    if (v.type == ValueType::kString) e->constant.s = e->constant_text;
    return e;
  };
  auto compare = [&](int slot, BoundExprPtr k) {
    auto e = std::make_unique<BoundExpr>();
    e->kind = BoundKind::kBinary;
    e->op = Op::kEq;
    e->children.push_back(SlotExpr(slot));
    e->children.push_back(std::move(k));
    return e;
  };
  BoundExprPtr pred;
  Plan plan;
  if (state.range(0) == 0) {
    pred = compare(4, constant(Value::String(""), "REJECT"));
  } else if (state.range(0) == 1) {
    pred = std::make_unique<BoundExpr>();
    pred->kind = BoundKind::kBinary;
    pred->op = Op::kOr;
    pred->children.push_back(compare(2, constant(Value::Int(22))));
    pred->children.push_back(compare(2, constant(Value::Int(3389))));
  } else {
    pred = std::make_unique<BoundExpr>();
    pred->kind = BoundKind::kCall;
    pred->function = FindScalarFunction("isipv4insubnet");
    pred->call_site = 0;
    plan.call_sites = 1;
    pred->children.push_back(SlotExpr(0));
    pred->children.push_back(constant(Value::String(""), "10.0.1.0/24"));
  }
  QueryTimes times;
  EvalState eval(plan, &times);
  std::vector<uint8_t> keep;
  size_t kept = 0;
  for (auto _ : state) {
    kept = 0;
    for (const Batch& b : d.batches) {
      EvaluatePredicate(*pred, b, eval, &keep);
      for (uint8_t k : keep) kept += k;
    }
  }
  state.counters["kept"] = static_cast<double>(kept);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kKernelRows));
}
BENCHMARK(BM_FilterKernel)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowlens::query
