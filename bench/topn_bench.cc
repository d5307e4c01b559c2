// Row queries that keep only what they can return (query/row_collector.h):
// a bounded top-N collection of 1M rows in batches (`sort v desc | limit N`,
// the admission test against the worst row kept, and cuts) against keeping
// every row and sorting them at the end (what a sort without a bound does);
// and the typed concatenation of batches (GatherRows) of int, string and
// constant columns.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "query/analyzer.h"
#include "query/evaluator.h"
#include "query/operators.h"
#include "query/parser.h"
#include "query/row_collector.h"

namespace flowlens::query {
namespace {

constexpr size_t kBatches = 256;  // 1M rows

struct Setup {
  Plan plan;
  int v = -1, s = -1;
  explicit Setup(const std::string& query) {
    auto parsed = ParseQuery(query);
    if (!parsed.ok()) std::abort();
    auto planned = Analyze(*parsed);
    if (!planned.ok()) std::abort();
    plan = std::move(*planned);
    for (size_t i = 0; i < plan.slot_names.size(); ++i) {
      if (plan.slot_names[i] == "v") v = static_cast<int>(i);
      if (plan.slot_names[i] == "s") s = static_cast<int>(i);
    }
  }
  // Batch b: v pseudo-random ints, s a short string, a constant elsewhere.
  Batch Make(size_t b) const {
    Batch batch;
    batch.size = kBatchSize;
    batch.columns.resize(plan.slot_names.size(), Column::Constant(Value::String("/vpc/flows")));
    Column& vc = batch.columns[static_cast<size_t>(v)];
    vc = Column();
    vc.kind = ColumnKind::kInt;
    Column& sc = batch.columns[static_cast<size_t>(s)];
    sc = Column();
    sc.kind = ColumnKind::kString;
    static const char kText[] = "2 123456789010 eni-1 10.0.0.1 10.1.0.1 40000 443 6 2 100";
    for (size_t r = 0; r < kBatchSize; ++r) {
      vc.ints.push_back(static_cast<int64_t>(((b * kBatchSize + r) * 2654435761u) % 1000003));
      sc.strings.emplace_back(kText, 20 + r % 30);
      batch.source_ids.push_back(0);
      batch.row_ids.push_back(b * kBatchSize + r);
    }
    return batch;
  }
};

void BM_TopNCollector(benchmark::State& state) {
  Setup setup("fields v, s, c | sort v desc | limit " + std::to_string(state.range(0)));
  std::vector<Batch> batches;
  for (size_t b = 0; b < kBatches; ++b) batches.push_back(setup.Make(b));
  const CollectPlan cp = PlanCollect(setup.plan, 0);
  QueryTimes times;
  EvalState eval(setup.plan, &times);
  for (auto _ : state) {
    RowCollector rows(&cp, setup.plan.slot_names.size());
    for (const Batch& b : batches) rows.Add(Batch(b), &eval);
    Batch out = rows.Build(true);
    benchmark::DoNotOptimize(out.size);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatches * kBatchSize));
}
BENCHMARK(BM_TopNCollector)->Arg(20)->Arg(10000)->Unit(benchmark::kMillisecond);

// The same rows kept whole, concatenated and top-N sorted at the end.
void BM_KeepAllThenSort(benchmark::State& state) {
  Setup setup("fields v, s, c | sort v desc | limit 20");
  std::vector<Batch> batches;
  for (size_t b = 0; b < kBatches; ++b) batches.push_back(setup.Make(b));
  QueryTimes times;
  EvalState eval(setup.plan, &times);
  const Stage* sort = nullptr;
  for (const Stage& st : setup.plan.stages) {
    if (st.kind == CommandKind::kSort) sort = &st;
  }
  for (auto _ : state) {
    std::vector<Batch> kept;
    for (const Batch& b : batches) kept.push_back(b);
    Batch all = Concatenate(kept, setup.plan.slot_names.size());
    if (!ApplySort(*sort, &all, &eval, 20, {}, true).ok()) std::abort();
    benchmark::DoNotOptimize(all.size);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatches * kBatchSize));
}
BENCHMARK(BM_KeepAllThenSort)->Unit(benchmark::kMillisecond);

// Typed concatenation: arrays appended, strings shared, constants kept.
void BM_Concatenate(benchmark::State& state) {
  Setup setup("fields v, s, c");
  std::vector<Batch> batches;
  for (size_t b = 0; b < kBatches; ++b) batches.push_back(setup.Make(b));
  for (auto _ : state) {
    Batch all = Concatenate(batches, setup.plan.slot_names.size());
    benchmark::DoNotOptimize(all.size);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatches * kBatchSize));
}
BENCHMARK(BM_Concatenate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowlens::query
