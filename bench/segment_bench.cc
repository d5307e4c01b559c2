// Measures the store's columnar segments through the storage API: writing one (what every
// flush pays, at the store's zstd level 9 and at level 3) and reading/decoding a few columns
// versus every column and the rebuilt @message, since a query on the store costs exactly that;
// then the pieces a store query's scan is made of: reading the rows a filter passed, the int
// decoder and the chunk checksum.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/generator.h"
#include "flowlog/layout.h"
#include "flowlog/record.h"
#include "query/executor.h"
#include "query/row_conditions.h"
#include "query/store_scan.h"
#include "query/store_scan_filter.h"
#include "storage/column_codec.h"
#include "storage/crc32c.h"
#include "storage/file_system.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "storage/store.h"

namespace flowlens::storage {
namespace {

constexpr uint64_t kRows = 262'144;  // four row groups of format::kRowGroupRows

struct Data {
  std::string dir, text;
  std::vector<std::string> streams;
  std::vector<SegmentRow> rows;  // in generator order; copied before each write (it sorts)
  std::string written;           // a segment of all rows at level 9, for the read benchmarks
  Data() {
    char tmpl[] = "/tmp/flowlens-segbench-XXXXXX";
    dir = mkdtemp(tmpl);
    GeneratorOptions o;
    o.records = kRows;
    o.seed = 5;
    std::string truth;
    if (!GenerateInMemory(o, &text, &truth).ok()) std::abort();
    const Layout& layout = Layout::Default();
    FlowRecord rec(layout);
    RecordError err;
    std::map<std::string, uint32_t, std::less<>> stream_ids;
    const int eni = layout.PositionOf(fields::kInterfaceId);
    const int start = layout.PositionOf(fields::kStart);
    std::string_view rest = text;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (!ParseRecord(line, layout, &rec, &err)) std::abort();
      auto [it, added] = stream_ids.try_emplace(std::string(rec.str_at(eni)),
                                                static_cast<uint32_t>(stream_ids.size()));
      if (added) streams.push_back(it->first);
      int64_t ts = rec.int_at(start) * 1000;
      rows.push_back({ts, ts + 60'000, it->second, line});
    }
    written = dir + "/read.seg";
    if (!Write(written, 9).ok()) std::abort();
  }
  ~Data() { std::filesystem::remove_all(dir); }

  Result<SegmentFooter> Write(const std::string& path, int level) const {
    SegmentInput in;
    in.segment_id = 1;
    in.group_id = 1;
    in.layout = &Layout::Default();
    in.streams = streams;
    in.rows = rows;
    in.zstd_level = level;
    auto file = DefaultFileSystem()->NewWritableFile(path);
    if (!file.ok()) return file.status();
    auto footer = WriteSegment(&in, file->get());
    Status closed = (*file)->Close();
    if (footer.ok() && !closed.ok()) return closed;
    return footer;
  }
};

const Data& TheData() {
  static const Data d;
  return d;
}

void BM_WriteSegment(benchmark::State& state) {
  const Data& d = TheData();
  const std::string path = d.dir + "/write.seg";
  uint64_t size = 0;
  for (auto _ : state) {
    auto footer = d.Write(path, static_cast<int>(state.range(0)));
    if (!footer.ok()) {
      state.SkipWithError(footer.status().ToString().c_str());
      return;
    }
    size = std::filesystem::file_size(path);
  }
  state.counters["bytes_per_row"] = static_cast<double>(size) / kRows;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(d.text.size()));
}

void ReadAll(benchmark::State& state, const ColumnRequest& req) {
  const Data& d = TheData();
  auto fs = DefaultFileSystem();
  RowBlock block;
  for (auto _ : state) {
    auto reader = SegmentReader::Open(fs.get(), d.written);
    if (!reader.ok()) {
      state.SkipWithError(reader.status().ToString().c_str());
      return;
    }
    for (size_t b = 0; b < (*reader)->num_blocks(); ++b) {
      Status s = (*reader)->ReadBlock(req, b, &block);
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        return;
      }
      benchmark::DoNotOptimize(block.size);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
}

// srcAddr, dstAddr and bytes: the columns of a typical "top talkers" stats query.
void BM_ReadThreeColumns(benchmark::State& state) {
  ReadAll(state, {.fields = {fields::kSrcAddr, fields::kDstAddr, fields::kBytes}});
}
void BM_ReadOneIntColumn(benchmark::State& state) {
  ReadAll(state, {.fields = {fields::kDstPort}});
}
void BM_ReadAllColumns(benchmark::State& state) {
  ColumnRequest req;
  for (size_t i = 0; i < Layout::Default().size(); ++i) {
    req.fields.push_back(static_cast<int>(Layout::Default().field(i).id));
  }
  req.timestamp = req.ingestion_time = req.log_stream = true;
  ReadAll(state, req);
}
// Each layout column alone (arg: catalog field id), to see which decoder a regression is in;
// mirrored columns (addresses, ports) also decode their counterpart's stored rows.
void BM_ReadColumn(benchmark::State& state) {
  int id = static_cast<int>(state.range(0));
  state.SetLabel(std::string(Catalog()[static_cast<size_t>(id)].name));
  ReadAll(state, {.fields = {id}});
}
void ColumnArgs(benchmark::internal::Benchmark* b) {
  for (size_t i = 0; i < Layout::Default().size(); ++i) {
    b->Arg(static_cast<int>(Layout::Default().field(i).id));
  }
}

// What a query without stats (or one that reads @message) pays: rows rebuilt as text.
void BM_ReadMessages(benchmark::State& state) {
  ColumnRequest req;
  req.timestamp = req.message = true;
  ReadAll(state, req);
}

// Late materialization: a filter passed one row in `range(0)` of each block
// (as action = "REJECT" or a port filter leaves; 256: Q4's 0.4%), and field
// `range(1)` is handed out for those rows only (a mirrored column finds each
// row's value on its own side or its counterpart's, nothing is expanded; an
// address chunk with dictionary-coded IPv4 values stays lazy when at most an
// eighth of a block's rows are handed out, and is decoded whole otherwise). With range(2), strings come as
// dictionary codes (what the store scan's prefilter reads).
void BM_ReadSelected(benchmark::State& state) {
  const Data& d = TheData();
  auto fs = DefaultFileSystem();
  const int field = static_cast<int>(state.range(1));
  state.SetLabel(std::string(Catalog()[static_cast<size_t>(field)].name));
  const ColumnRequest req{.fields = {field}, .codes = state.range(2) != 0};
  std::vector<uint8_t> keep(format::kReadBlockRows, 0);
  for (size_t i = 0; i < keep.size(); i += static_cast<size_t>(state.range(0))) keep[i] = 1;
  RowBlock block;
  for (auto _ : state) {
    auto reader = SegmentReader::Open(fs.get(), d.written);
    if (!reader.ok()) return state.SkipWithError(reader.status().ToString().c_str());
    for (size_t b = 0; b < (*reader)->num_blocks(); ++b) {
      Status s = (*reader)->ReadBlock(req, b, &block, keep.data());
      if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
      benchmark::DoNotOptimize(block.size);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
}

// A store query's typed filter on every row of each block: `dstPort = 22 or
// dstPort = 3389` (range(0) = 0) or isIpv4InSubnet(srcAddr, "10.0.0.0/8")
// (1), both mirrored columns. range(1) = 1 tests the values where they lie in
// the decoded chunk (query/store_scan_filter.h); 0 copies the column out
// first, as ReadBlock hands it, and tests the copies (the fallback path).
void BM_FilterOnView(benchmark::State& state) {
  const Data& d = TheData();
  auto fs = DefaultFileSystem();
  query::FieldCondition c;
  if (state.range(0) == 0) {
    c.field_id = fields::kDstPort;
    c.kind = query::FieldCondition::Kind::kIntSet;
    c.ints = {22, 3389};
  } else {
    c.field_id = fields::kSrcAddr;
    c.kind = query::FieldCondition::Kind::kAddressRange;
    c.alo = IpAddress::V4(10u << 24);
    c.ahi = IpAddress::V4((10u << 24) | 0xffffffu);
  }
  const bool in_place = state.range(1) != 0;
  state.SetLabel(in_place ? "in place" : "copied");
  const ColumnRequest req{.fields = {c.field_id}};
  std::vector<uint8_t> keep;
  RowBlock block;
  SegmentReader::ColumnView view;
  size_t passed = 0;
  for (auto _ : state) {
    auto reader = SegmentReader::Open(fs.get(), d.written);
    if (!reader.ok()) return state.SkipWithError(reader.status().ToString().c_str());
    for (size_t b = 0; b < (*reader)->num_blocks(); ++b) {
      keep.assign((*reader)->block_rows(b), 1);
      Status s = in_place ? (*reader)->View(b, static_cast<uint16_t>(c.field_id), &view)
                          : (*reader)->ReadBlock(req, b, &block);
      if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
      if (in_place) {
        if (!query::TestOnView(c, view, keep.data())) return state.SkipWithError("no view");
      } else {
        const FieldColumn& f = block.fields[0];
        for (size_t r = 0; r < keep.size(); ++r) {
          const bool ok = f.IsValid(r);
          if (c.kind == query::FieldCondition::Kind::kIntSet) {
            keep[r] = ok && (f.ints[r] == 22 || f.ints[r] == 3389);
          } else {
            keep[r] = ok && !(f.addrs[r] < c.alo) && !(c.ahi < f.addrs[r]);
          }
        }
      }
      for (uint8_t k : keep) passed += k;
    }
  }
  benchmark::DoNotOptimize(passed);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
}

// The int decoder alone on one row group of values `range(0)` bytes wide
// (byte planes rebuilt by a width-specialised loop), without zstd or the file.
void BM_DecodeInts(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  std::vector<int64_t> values(format::kRowGroupRows);
  uint64_t x = 88172645463325252ULL;
  for (int64_t& v : values) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v = static_cast<int64_t>(width == 8 ? x : x & ((1ULL << (8 * width)) - 1));
  }
  std::string payload;
  EncodeIntColumn(values, nullptr, &payload);
  std::vector<int64_t> out;
  std::vector<uint8_t> valid;
  for (auto _ : state) {
    Decoder d(payload);
    if (!DecodeIntColumn(&d, values.size(), &out, &valid)) return state.SkipWithError("decode");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

// The compact address decoder alone on one row group, one in `range(0)` rows
// IPv6 (0: all IPv4; 33: about the 3% of the generated data), without zstd or
// the file: IPv4 bits are rebuilt 32 bits wide, and a 64-row word without
// IPv6 is a copy.
void BM_DecodeAddresses(benchmark::State& state) {
  const int64_t six_in = state.range(0);
  std::vector<IpAddress> values(format::kRowGroupRows);
  uint64_t x = 88172645463325252ULL;
  for (IpAddress& a : values) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    a = six_in && x % static_cast<uint64_t>(six_in) == 0
            ? IpAddress::V6(0x20010db800000000ULL, x >> 20)
            : IpAddress::V4(0x0a000000u | static_cast<uint32_t>(x >> 44));
  }
  std::string payload;
  EncodeAddressColumn(values, nullptr, &payload);
  std::vector<uint32_t> out;
  std::vector<uint8_t> v6, valid;
  std::vector<IpAddress> v6s;
  for (auto _ : state) {
    Decoder d(payload);
    if (!DecodeCompactAddressColumn(&d, values.size(), &out, &v6, &v6s, &valid)) {
      return state.SkipWithError("decode");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

// A whole stored address chunk as a query reads one: decompression and
// decoding of 40,000 IPv4 addresses. Arg: how many distinct ones (6,000 is a
// row group's srcaddr on the generated day; 0: all different, random). With
// few distinct values the writer stores a sorted dictionary and bit-packed
// indices (IntTransform::kDictionary): smaller than zstd's planes and fast
// because the indices need no zstd work (the chunk is stored with
// ChunkPacking::kFastDecode, raw literals) and each is one unaligned load,
// shift and mask plus a lookup in a cache-resident dictionary. With all
// values distinct it falls back to byte planes, whose zstd decompression is
// most of the time.
void BM_DecodeAddressChunk(benchmark::State& state) {
  const size_t pool = static_cast<size_t>(state.range(0));
  std::vector<uint32_t> distinct(pool == 0 ? 40000 : pool);
  uint64_t x = 88172645463325252ULL;
  for (uint32_t& a : distinct) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    a = static_cast<uint32_t>(x >> 32);
  }
  std::vector<IpAddress> values(40000);
  for (size_t i = 0; i < values.size(); ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    values[i] = IpAddress::V4(distinct[pool == 0 ? i : x % pool]);
  }
  std::string payload;
  EncodeAddressColumn(values, nullptr, &payload);
  const std::string stored = CompressChunk(payload, 3, ChunkPacking::kFastDecode);
  std::string buf;
  std::vector<uint32_t> out;
  std::vector<uint8_t> v6, valid;
  std::vector<IpAddress> v6s;
  for (auto _ : state) {
    if (!DecompressChunk(stored, &buf).ok()) return state.SkipWithError("decompress");
    Decoder d(buf);
    if (!DecodeCompactAddressColumn(&d, values.size(), &out, &v6, &v6s, &valid)) {
      return state.SkipWithError("decode");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["stored_bytes_per_row"] =
      static_cast<double>(stored.size()) / static_cast<double>(values.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

// The checksum every chunk read verifies (SSE 4.2 crc32 where the CPU has it).
void BM_Crc32c(benchmark::State& state) {
  std::string data(1 << 20, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + (i >> 9));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::Value(data));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}

// Whole store queries on one thread, from the segments to the answer: what
// `flowlens query --data-dir` pays per row besides starting up. Q6 (arg 6,
// sum(bytes) by bin(5m)) is nearly all scan: decoding the chunks, handing
// blocks out (SegmentReader::Read) and turning them into batches
// (query/store_scan.cc ToBatch); Q1 (arg 1) adds two address columns and a
// wide group-by; Q3 (arg 3) a filter on dictionary codes first.
void BM_StoreQuery(benchmark::State& state) {
  const Data& d = TheData();
  static std::unique_ptr<Store> store = [&] {
    auto s = Store::Open(d.dir + "/store", {});
    if (!s.ok() || !(*s)->CreateLogGroup("/vpc/flows").ok()) std::abort();
    std::vector<std::vector<Event>> by_stream(d.streams.size());
    for (const SegmentRow& r : d.rows) {
      by_stream[r.stream].push_back({r.timestamp_ms, r.ingestion_time_ms, r.message});
    }
    for (size_t i = 0; i < by_stream.size(); ++i) {
      if (!(*s)->Append("/vpc/flows", d.streams[i], by_stream[i], true).ok()) std::abort();
    }
    if (!(*s)->Flush().ok()) std::abort();
    return std::move(s).value();
  }();
  const std::map<int64_t, std::string> queries = {
      {1, "stats sum(packets) as p by srcAddr, dstAddr | sort p desc | limit 15"},
      {3, "filter action = \"REJECT\" | stats count(*) as n by srcAddr | sort n desc | limit 15"},
      {6, "stats sum(bytes) by bin(5m)"},
  };
  const std::string& q = queries.at(state.range(0));
  state.SetLabel(q);
  auto snap = store->Snapshot();
  query::QueryOptions opts;
  opts.threads = 1;
  query::SourceFactory make =
      [&](const query::Plan& plan) -> Result<std::unique_ptr<query::ScanSource>> {
    std::vector<const GroupSnapshot*> groups{snap->FindGroup("/vpc/flows")};
    return std::unique_ptr<query::ScanSource>(std::make_unique<query::StoreSource>(
        snap, groups, opts.start_ms, opts.end_ms, "000000000000", nullptr, &plan));
  };
  for (auto _ : state) {
    auto r = query::RunQuery(q, make, opts);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r->rows.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));
}

BENCHMARK(BM_WriteSegment)->Arg(9)->Arg(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadOneIntColumn)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadThreeColumns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadColumn)->Apply(ColumnArgs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadAllColumns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadMessages)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadSelected)
    ->Args({1, fields::kSrcAddr, 0})
    ->Args({20, fields::kSrcAddr, 0})
    ->Args({256, fields::kSrcAddr, 0})
    ->Args({1, fields::kDstPort, 0})
    ->Args({20, fields::kDstPort, 0})
    ->Args({1, fields::kAction, 0})
    ->Args({1, fields::kAction, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FilterOnView)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeInts)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeAddresses)->Arg(0)->Arg(33)->Arg(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeAddressChunk)->Arg(6000)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Crc32c)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StoreQuery)->Arg(6)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowlens::storage
