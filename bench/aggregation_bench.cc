// Measures stats hash aggregation end to end (RunQueryOnFiles on a generated file in the page
// cache) at low (action: 3), middle (dstPort: ~30k) and high (srcAddr x dstAddr: ~180k)
// group counts of 500k default-format records: GroupTable
// lookups dominate stats queries, and high-cardinality keys are where its hashing and key
// encoding cost shows.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "flowlog/generator.h"
#include "query/executor.h"

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
void BM_CountAll(benchmark::State& s) { RunStats(s, "stats count(*)"); }
void BM_CountByDstPort(benchmark::State& s) { RunStats(s, "stats count(*) by dstPort"); }
void BM_SumByAction(benchmark::State& s) { RunStats(s, "stats sum(bytes) by action"); }
void BM_SumBySrcDst(benchmark::State& s) {
  RunStats(s, "stats sum(bytes) by srcAddr, dstAddr");
}
void BM_ManyAggsBySrcDst(benchmark::State& s) {
  RunStats(s,
           "stats sum(bytes), sum(packets), count(*), max(bytes) by srcAddr, dstAddr");
}

BENCHMARK(BM_CountAll)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CountByDstPort)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SumByAction)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SumBySrcDst)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ManyAggsBySrcDst)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace flowlens::query
