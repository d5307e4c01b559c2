// Measures the store's columnar segments through the storage API: writing one (what every
// flush pays, at the store's zstd level 9 and at level 3) and reading/decoding a few columns
// versus every column and the rebuilt @message, since a query on the store costs exactly that.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/generator.h"
#include "flowlog/layout.h"
#include "flowlog/record.h"
#include "storage/file_system.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"

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

BENCHMARK(BM_WriteSegment)->Arg(9)->Arg(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadOneIntColumn)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadThreeColumns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadColumn)->Apply(ColumnArgs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadAllColumns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadMessages)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowlens::storage
