// Measures the text-scan path in bytes/s, stage by stage, on generated
// default-format records (the shape `flowlens query -f` reads):
// - BM_ClassifyBlocks/{simd,scalar}: the byte classification kernel alone;
// - BM_CountNewlines: the line count of a morsel, for a query that numbers
//   lines (query/scan.h MorselLines);
// - BM_SplitLines: lines and field offsets (LineSplitter);
// - BM_ParseChunk/<fields>: the whole parse of a chunk into column batches as
//   the executor runs it, for the fields of Q6 (bytes), Q3 (action, srcAddr),
//   Q1 (srcAddr, dstAddr, packets), Q2 (bytes instead of packets) and Q5
//   (srcAddr, dstPort), single-threaded, numbering lines (row ids) as a
//   listing does; BM_ParseChunk/q1_no_row_ids without, as a stats query runs;
// - BM_ParseGlob/{pushdown,stage}: `parse @message "* * ... *"` (14 stars, 4
//   outputs read) with the scan filling the captures from the splitter's
//   offsets (query/scan_captures.h), against the scan making @message and
//   MatchGlob splitting every row again, as the parse stage does.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "flowlog/generator.h"
#include "flowlog/line_splitter.h"
#include "query/operators.h"
#include "query/scan.h"

namespace flowlens {
namespace {

const std::string& Text() {
  static const std::string text = [] {
    GeneratorOptions o;
    o.records = 200'000;
    o.seed = 7;
    std::string records, truth;
    if (!GenerateInMemory(o, &records, &truth).ok()) std::abort();
    return records;
  }();
  return text;
}

void BM_ClassifyBlocks(benchmark::State& state) {
  const std::string& t = Text();
  const size_t blocks = t.size() / 64;
  std::vector<uint64_t> sp(blocks), nl(blocks), ot(blocks);
  for (auto _ : state) {
    if (state.range(0)) {
      ClassifyBlocks(t.data(), blocks, sp.data(), nl.data(), ot.data());
    } else {
      ClassifyBlocksScalar(t.data(), blocks, sp.data(), nl.data(), ot.data());
    }
    benchmark::DoNotOptimize(sp.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(blocks * 64));
  state.SetLabel(state.range(0) ? ClassifyKernelName() : "scalar");
}

void BM_CountNewlines(benchmark::State& state) {
  const std::string& t = Text();
  for (auto _ : state) benchmark::DoNotOptimize(CountNewlines(t));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(t.size()));
}

void BM_SplitLines(benchmark::State& state) {
  const std::string& t = Text();
  for (auto _ : state) {
    LineSplitter split(t);
    SplitLine line;
    uint64_t fields = 0;
    while (split.Next(&line)) fields += line.space_count;
    benchmark::DoNotOptimize(fields);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(t.size()));
}

// Parses the generated text with `request` once per iteration, handing every
// batch to `sink`; counts the text's bytes as processed.
template <typename Sink>
void ScanText(benchmark::State& state, const query::ScanRequest& request, size_t slots, Sink sink) {
  const std::string& t = Text();
  query::ScanProjection projection(request, slots);
  query::ScanInput input{"bench.log", "bench.log", 0, std::nullopt};
  query::Chunk chunk;
  chunk.text = t;
  chunk.input = &input;
  chunk.layout = &Layout::Default();
  query::ScanCounters counters;
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  const std::function<void(query::Batch&)> to_sink = sink;
  for (auto _ : state) projection.ParseChunk(chunk, lo, hi, &counters, to_sink);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(t.size()));
}

void BM_ParseChunk(benchmark::State& state, std::vector<std::string> names,
                   std::vector<query::FieldCondition> conditions = {}, bool row_ids = true) {
  query::ScanRequest request;
  request.row_ids = row_ids;
  request.row_conditions = std::move(conditions);
  request.input_fields.emplace_back("@timestamp", 0);
  for (size_t i = 0; i < names.size(); ++i) {
    request.input_fields.emplace_back(names[i], static_cast<int>(i + 1));
  }
  request.timestamp_slot = 0;
  size_t rows = 0;
  ScanText(state, request, names.size() + 1, [&](query::Batch& b) { rows += b.size; });
  benchmark::DoNotOptimize(rows);
}

void BM_ParseGlob(benchmark::State& state) {
  const bool pushdown = state.range(0) != 0;
  constexpr size_t kStars = 14;
  query::ScanRequest request;
  request.row_ids = false;
  request.input_fields = {{"@timestamp", 0}, {"@message", 1}};
  request.timestamp_slot = 0;
  // Outputs of stars 3, 4, 8 and 12 are read (slots 2..5); the done slot is 6.
  const std::vector<int> slots = {-1, -1, -1, 2, 3, -1, -1, -1, 4, -1, -1, -1, 5, -1};
  if (pushdown) {
    request.parse_pushdown.stage = 0;
    request.parse_pushdown.message_slot = 1;
    request.parse_pushdown.done_slot = 6;
    request.parse_pushdown.slots = slots;
  }
  std::vector<std::string> literals(kStars + 1, " ");
  literals.front().clear();
  literals.back().clear();
  std::vector<std::string_view> parts;
  size_t bytes = 0;
  ScanText(state, request, 7, [&](query::Batch& b) {
    if (pushdown) {
      for (size_t r = 0; r < b.size; ++r) bytes += b.columns[4].strings[r].size();
      return;
    }
    // What the parse stage does per row (ApplyGlobParse), minus its columns.
    const query::Column& m = b.columns[1];
    for (size_t r = 0; r < b.size; ++r) {
      if (query::MatchGlob(m.strings[r], literals, &parts)) bytes += parts[8].size();
    }
  });
  benchmark::DoNotOptimize(bytes);
  state.SetLabel(pushdown ? "pushdown" : "stage");
}

BENCHMARK(BM_ClassifyBlocks)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CountNewlines)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitLines)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseGlob)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseChunk, q6_bytes, {"bytes"})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseChunk, q3_action_srcaddr, {"action", "srcAddr"})
    ->Unit(benchmark::kMillisecond);
// Q3 with its row condition (action = "REJECT"): only REJECT lines are parsed.
BENCHMARK_CAPTURE(BM_ParseChunk, q3_with_row_condition, {"action", "srcAddr"},
                  [] {
                    query::FieldCondition c;
                    c.field_id = static_cast<int>(fields::kAction);
                    c.kind = query::FieldCondition::Kind::kText;
                    c.texts = {"REJECT"};
                    return std::vector<query::FieldCondition>{c};
                  }())
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseChunk, q1_addrs_packets, {"srcAddr", "dstAddr", "packets"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseChunk, q1_no_row_ids, {"srcAddr", "dstAddr", "packets"}, {}, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseChunk, q2_addrs_bytes, {"srcAddr", "dstAddr", "bytes"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseChunk, q5_srcaddr_dstport, {"srcAddr", "dstPort"})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowlens
