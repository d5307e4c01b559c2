// Measures ParseRecord on realistic generated lines (default 14-field and a 19-field custom
// format): every text scan and every ingest parses each line once, so this bounds both.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/generator.h"
#include "flowlog/ip_token.h"
#include "flowlog/layout.h"
#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"

namespace flowlens {
namespace {

constexpr char kCustom19[] =
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} "
    "${subnet-id} ${instance-id} ${tcp-flags} ${type}";

struct Corpus {
  std::string text;
  std::vector<std::string_view> lines;
  Layout layout;
};

Corpus MakeCorpus(const std::string& format, uint64_t records) {
  Corpus c;
  GeneratorOptions o;
  o.records = records;
  o.seed = 7;
  o.format = format;
  std::string truth;
  auto s = GenerateInMemory(o, &c.text, &truth);
  if (!s.ok()) std::abort();
  auto layout = format.empty() ? Result<Layout>(Layout::Default()) : Layout::FromFormat(format);
  if (!layout.ok()) std::abort();
  c.layout = *layout;
  std::string_view rest = c.text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) nl = rest.size();
    c.lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl == rest.size() ? nl : nl + 1);
  }
  return c;
}

const Corpus& DefaultCorpus() {
  static const Corpus c = MakeCorpus("", 100'000);
  return c;
}
const Corpus& CustomCorpus() {
  static const Corpus c = MakeCorpus(kCustom19, 100'000);
  return c;
}

void RunParse(benchmark::State& state, const Corpus& c) {
  FlowRecord rec(c.layout);
  RecordError err;
  int64_t bytes = 0;
  for (std::string_view l : c.lines) bytes += static_cast<int64_t>(l.size()) + 1;
  for (auto _ : state) {
    for (std::string_view l : c.lines) {
      bool ok = ParseRecord(l, c.layout, &rec, &err);
      benchmark::DoNotOptimize(ok);
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.lines.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_ParseDefaultFormat(benchmark::State& state) {
  RunParse(state, DefaultCorpus());
}
void BM_ParseCustom19Fields(benchmark::State& state) {
  RunParse(state, CustomCorpus());
}

// The fast path the text scan takes: LineSplitter offsets + SplitRecordParser,
// validating every field and keeping all of them (the most it ever does).
// With `exact`, the bulk loader's parse: each line's round-trip decision
// (ParseExact) on top, which replaced writing every record back.
// With `keep_few`, only positions 3 and 8 (srcaddr, packets: what Q1 reads)
// are kept: the other integers are only validated (the text scan's case).
void RunSplitParse(benchmark::State& state, const Corpus& c, bool exact = false,
                   bool keep_few = false) {
  std::vector<bool> keep(c.layout.size(), !keep_few);
  if (keep_few) keep[3] = keep[8] = true;
  const SplitRecordParser fast(c.layout, keep);
  FlowRecord rec(c.layout);
  RecordError err;
  const char* end = c.text.data() + c.text.size();
  for (auto _ : state) {
    LineSplitter split(c.text);
    SplitLine line;
    size_t ok = 0;
    while (split.Next(&line)) {
      bool ex = false;
      ok += (exact ? fast.ParseExact(line, c.text.data(), end, &rec, &ex)
                   : fast.Parse(line, c.text.data(), end, &rec)) ||
            ParseRecord(line.text, c.layout, &rec, &err);
      ok += ex;
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(c.text.size()));
}

void BM_SplitParseDefaultFormat(benchmark::State& state) {
  RunSplitParse(state, DefaultCorpus());
}
void BM_SplitParseCustom19Fields(benchmark::State& state) {
  RunSplitParse(state, CustomCorpus());
}
void BM_SplitParseDefaultFormatKeepTwo(benchmark::State& state) {
  RunSplitParse(state, DefaultCorpus(), false, true);
}

void BM_SplitParseExactDefaultFormat(benchmark::State& state) {
  RunSplitParse(state, DefaultCorpus(), true);
}
void BM_SplitParseExactCustom19Fields(benchmark::State& state) {
  RunSplitParse(state, CustomCorpus(), true);
}

// Address and integer token kernels on the corpus's srcaddr/bytes tokens.
std::vector<std::string_view> Tokens(size_t field) {
  const Corpus& c = DefaultCorpus();
  std::vector<std::string_view> out;
  for (std::string_view l : c.lines) {
    for (size_t i = 0; i < field; ++i) l.remove_prefix(l.find(' ') + 1);
    out.push_back(l.substr(0, l.find(' ')));
  }
  return out;
}

void BM_Ipv4(benchmark::State& state) {
  if (state.range(0) == 2 && !HasIpv4Ssse3()) {
    state.SkipWithError("no SSSE3 on this CPU");
    return;
  }
  static const std::vector<std::string_view> toks = Tokens(3);
  const char* end = DefaultCorpus().text.data() + DefaultCorpus().text.size();
  for (auto _ : state) {
    uint32_t sum = 0, bits = 0;
    for (std::string_view t : toks) {
      bool ok = false;
      switch (state.range(0)) {
        case 0:
          ok = IpAddress::ParseV4(t).has_value();
          break;
        case 1:
          ok = ParseIpv4Fast(t.data(), t.size(), &bits);
          break;
        default:
          ok = end - t.data() >= 16 ? ParseIpv4Ssse3(t.data(), t.size(), &bits)
                                    : ParseIpv4Fast(t.data(), t.size(), &bits);
      }
      sum += ok + bits;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(toks.size()));
  state.SetLabel(state.range(0) == 0   ? "IpAddress::ParseV4"
                 : state.range(0) == 1 ? "scalar"
                                       : "ssse3 shuffle table");
}

// The corpus's IPv6 source addresses (about 3% of its lines): the generic
// parser against ParseIpv6Common (ip_token.h).
void BM_Ipv6(benchmark::State& state) {
  static const std::vector<std::string_view> toks = [] {
    std::vector<std::string_view> v6;
    for (std::string_view t : Tokens(3)) {
      if (t.find(':') != std::string_view::npos) v6.push_back(t);
    }
    return v6;
  }();
  for (auto _ : state) {
    uint64_t sum = 0;
    for (std::string_view t : toks) {
      IpAddress a;
      if (state.range(0)) {
        if (!ParseIpv6Common(t.data(), t.size(), &a)) a = IpAddress::Parse(t).value_or(a);
      } else {
        a = IpAddress::Parse(t).value_or(a);
      }
      sum += a.hi ^ a.lo;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(toks.size()));
  state.SetLabel(state.range(0) ? "ParseIpv6Common" : "IpAddress::Parse");
}

void BM_Digits(benchmark::State& state) {
  static const std::vector<std::string_view> toks = Tokens(9);
  const char* end = DefaultCorpus().text.data() + DefaultCorpus().text.size();
  for (auto _ : state) {
    uint64_t sum = 0, v = 0;
    for (std::string_view t : toks) {
      bool ok =
          state.range(0) ? ParseDigitsFast(t.data(), t.size(), end, &v) : ParseUnsigned(t, &v);
      sum += ok + v;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(toks.size()));
  state.SetLabel(state.range(0) ? "swar" : "ParseUnsigned");
}

BENCHMARK(BM_Ipv4)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ipv6)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Digits)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The writer is the other half of the round trip the segment writer checks per row.
void BM_WriteDefaultFormat(benchmark::State& state) {
  const Corpus& c = DefaultCorpus();
  std::vector<FlowRecord> recs;
  recs.reserve(10'000);
  RecordError err;
  int64_t bytes = 0;
  for (size_t i = 0; i < 10'000 && i < c.lines.size(); ++i) {
    recs.emplace_back(c.layout);
    if (!ParseRecord(c.lines[i], c.layout, &recs.back(), &err)) std::abort();
    bytes += static_cast<int64_t>(c.lines[i].size()) + 1;
  }
  std::string out;
  for (auto _ : state) {
    for (const FlowRecord& r : recs) {
      out.clear();
      WriteRecord(c.layout, r, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(recs.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
}

BENCHMARK(BM_ParseDefaultFormat)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseCustom19Fields)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitParseDefaultFormat)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitParseCustom19Fields)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitParseDefaultFormatKeepTwo)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteDefaultFormat)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitParseExactDefaultFormat)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitParseExactCustom19Fields)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowlens
