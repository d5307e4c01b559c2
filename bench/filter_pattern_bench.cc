// Events matched per second by FilterPattern::Matches (the inner loop of
// FilterLogEvents and of every metric filter) on generated default-format flow
// log lines: a space-delimited pattern naming all 14 fields, the '...' form,
// term patterns, and a JSON pattern on JSON events.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/generator.h"
#include "server/filter_pattern.h"

namespace flowlens::server {
namespace {

struct Corpus {
  std::string text;
  std::vector<std::string_view> lines;
};

const Corpus& FlowLines() {
  static const Corpus c = [] {
    Corpus c;
    GeneratorOptions o;
    o.records = 100'000;
    o.seed = 7;
    std::string truth;
    if (!GenerateInMemory(o, &c.text, &truth).ok()) std::abort();
    std::string_view rest = c.text;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) nl = rest.size();
      c.lines.push_back(rest.substr(0, nl));
      rest.remove_prefix(nl == rest.size() ? nl : nl + 1);
    }
    return c;
  }();
  return c;
}

void Run(benchmark::State& state, std::string_view pattern,
         const std::vector<std::string_view>& lines) {
  Result<FilterPattern> p = FilterPattern::Parse(pattern);
  if (!p.ok()) {
    state.SkipWithError(p.status().message().c_str());
    return;
  }
  int64_t matched = 0;
  int64_t bytes = 0;
  for (std::string_view l : lines) bytes += static_cast<int64_t>(l.size());
  for (auto _ : state) {
    for (std::string_view l : lines) matched += p->Matches(l);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["matched_pct"] =
      100.0 * static_cast<double>(matched) /
      static_cast<double>(state.iterations() * static_cast<int64_t>(lines.size()));
}

void BM_DelimitedAllFields(benchmark::State& state) {
  Run(state,
      "[version, account, eni, source, destination, srcport, destport=\"22\", protocol=\"6\", "
      "packets, bytes, windowstart, windowend, action=\"REJECT\", flowlogstatus]",
      FlowLines().lines);
}
void BM_DelimitedEllipsis(benchmark::State& state) {
  Run(state, "[..., action=\"REJECT\", status]", FlowLines().lines);
}
void BM_DelimitedNumeric(benchmark::State& state) {
  Run(state, "[v, a, e, src = 10.*, dst, sp, dp = 443 || dp = 80, p, packets, bytes > 10000, ...]",
      FlowLines().lines);
}
void BM_TermOne(benchmark::State& state) {
  Run(state, "REJECT", FlowLines().lines);
}
void BM_TermsOrExclude(benchmark::State& state) {
  Run(state, "?REJECT ?NODATA -SKIPDATA", FlowLines().lines);
}
void BM_TermRegex(benchmark::State& state) {
  Run(state, "%REJECT OK$%", FlowLines().lines);
}

void BM_Json(benchmark::State& state) {
  static const std::vector<std::string> events = [] {
    std::vector<std::string> v;
    for (int i = 0; i < 10'000; ++i) {
      v.push_back("{\"eventType\": \"" + std::string(i % 3 ? "GetObject" : "UpdateTrail") +
                  "\", \"latency\": " + std::to_string(i % 1000) +
                  ", \"user\": {\"id\": " + std::to_string(i) + ", \"tags\": [\"a\", \"b\"]}}");
    }
    return v;
  }();
  static const std::vector<std::string_view> views(events.begin(), events.end());
  Run(state, "{ $.eventType = \"UpdateTrail\" && $.latency > 500 || $.user.tags[1] = x* }", views);
}

BENCHMARK(BM_DelimitedAllFields);
BENCHMARK(BM_DelimitedEllipsis);
BENCHMARK(BM_DelimitedNumeric);
BENCHMARK(BM_TermOne);
BENCHMARK(BM_TermsOrExclude);
BENCHMARK(BM_TermRegex);
BENCHMARK(BM_Json);

}  // namespace
}  // namespace flowlens::server
