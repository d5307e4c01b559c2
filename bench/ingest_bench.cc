// The bulk loader's kernels (ingest/bulk_loader.h) on generated default-format
// records: the line parse with its round-trip decision, the segment builder's
// Add (compact typed columns, interning into dictionary ids) and Write (row
// order, row groups, encoding with the ids as string codes), the int column
// encoder it uses against the general one,
// (fresh, and reused after Reset, which the loader measured not worth it), the content hash
// of an object (read and hashed, or hashed as read), a re-ingest that skips a known file, and a
// whole `flowlens ingest` into an empty store on 1 and 2 threads: of one plain file, and of
// the same records as 16 .gz objects (loaded side by side). The CPU a record costs end to end is
// IngestFile's CPU time per item (several threads: take real time with the process's CPU from
// /usr/bin/time, as bench/run does, for the whole-process figure).
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/generator.h"
#include "flowlog/layout.h"
#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "ingest/content_hash.h"
#include "ingest/ingester.h"
#include "storage/column_codec.h"
#include "storage/file_system.h"
#include "storage/segment_builder.h"
#include "storage/store.h"

namespace flowlens {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kRecords = 200'000;

// Generated text, its records parsed once, and a scratch directory.
struct Data {
  std::string text;
  std::vector<std::string_view> lines;
  std::vector<FlowRecord> records;
  std::vector<uint8_t> exact;
  std::string dir;

  Data() {
    GeneratorOptions o;
    o.records = kRecords;
    o.seed = 11;
    std::string truth;
    if (!GenerateInMemory(o, &text, &truth).ok()) std::abort();
    const Layout& layout = Layout::Default();
    const SplitRecordParser fast(layout, std::vector<bool>(layout.size(), true));
    LineSplitter split(text);
    SplitLine line;
    RecordError err;
    while (split.Next(&line)) {
      if (line.text.empty()) continue;
      records.emplace_back(layout);
      bool ex = false;
      if (!fast.ParseExact(line, text.data(), text.data() + text.size(), &records.back(), &ex)) {
        if (!ParseRecord(line.text, layout, &records.back(), &err)) std::abort();
      }
      lines.push_back(line.text);
      exact.push_back(ex ? 1 : 0);
    }
    dir = (fs::temp_directory_path() / ("flowlens-ingest-bench-" + std::to_string(getpid())))
              .string();
    fs::create_directories(dir);
    std::ofstream(dir + "/flows.log", std::ios::binary) << text;
  }
  ~Data() { fs::remove_all(dir); }

  storage::SegmentBuilder* Fill(storage::SegmentBuilder* b) const {
    const int start = Layout::Default().PositionOf(fields::kStart);
    for (size_t i = 0; i < records.size(); ++i) {
      b->Add(records[i], lines[i], exact[i] != 0, records[i].int_at(start) * 1000);
    }
    return b;
  }
};

const Data& TheData() {
  static const Data d;
  return d;
}

// Parse + round-trip decision per line, the two ways the loader can take:
// arg 0 the general parser and a write-back comparison (every line before),
// arg 1 the splitter and ParseExact (ordinary lines now).
void BM_ParseAndDecideExact(benchmark::State& state) {
  const Data& d = TheData();
  const Layout& layout = Layout::Default();
  const SplitRecordParser fast(layout, std::vector<bool>(layout.size(), true));
  FlowRecord rec(layout);
  RecordError err;
  std::string scratch;
  for (auto _ : state) {
    size_t exact = 0;
    if (state.range(0) == 0) {
      for (std::string_view l : d.lines) {
        if (!ParseRecord(l, layout, &rec, &err)) continue;
        scratch.clear();
        WriteRecord(layout, rec, &scratch);
        exact += scratch == l;
      }
    } else {
      LineSplitter split(d.text);
      SplitLine line;
      const char* end = d.text.data() + d.text.size();
      while (split.Next(&line)) {
        bool ex = false;
        if (fast.ParseExact(line, d.text.data(), end, &rec, &ex)) exact += ex;
      }
    }
    benchmark::DoNotOptimize(exact);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(d.text.size()));
}
BENCHMARK(BM_ParseAndDecideExact)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Add appends each kind's columns in a loop of its own, with no switch and
// no validity flag for a present value (segment_builder.cc, Add).
void BM_BuilderAdd(benchmark::State& state) {
  const Data& d = TheData();
  for (auto _ : state) {
    storage::SegmentBuilder b(Layout::Default(), 1, "flowlens-bench");
    benchmark::DoNotOptimize(d.Fill(&b)->rows());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.records.size()));
}
BENCHMARK(BM_BuilderAdd)->Unit(benchmark::kMillisecond);

// Interning one string column (arg: layout position; 2 is interface-id,
// which changes almost every row, 12 action, which rarely does) into the
// builder's dictionary: the per-row cost of a 4-byte id instead of a string.
void BM_DictionaryIntern(benchmark::State& state) {
  const Data& d = TheData();
  const auto pos = static_cast<size_t>(state.range(0));
  std::vector<std::string_view> values;  // one contiguous column, as the parser hands them over
  for (const FlowRecord& r : d.records) values.push_back(r.str_at(pos));
  for (auto _ : state) {
    storage::StringDictionary dict;
    Arena arena;
    uint64_t sum = 0;
    for (std::string_view v : values) sum += dict.Intern(v, &arena);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.records.size()));
}
BENCHMARK(BM_DictionaryIntern)->Arg(2)->Arg(12)->Unit(benchmark::kMicrosecond);

// Add into a builder that was Reset after its last segment: no growth, no page faults.
void BM_BuilderAddReused(benchmark::State& state) {
  const Data& d = TheData();
  storage::SegmentBuilder b(Layout::Default(), 1, "flowlens-bench");
  for (auto _ : state) {
    b.Reset();
    benchmark::DoNotOptimize(d.Fill(&b)->rows());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.records.size()));
}
BENCHMARK(BM_BuilderAddReused)->Unit(benchmark::kMillisecond);

// Write of a filled builder (sort, gather, encode, zstd level 3), to a file.
void BM_BuilderWrite(benchmark::State& state) {
  const Data& d = TheData();
  const std::string path = d.dir + "/b.seg";
  for (auto _ : state) {
    state.PauseTiming();
    auto b = std::make_unique<storage::SegmentBuilder>(Layout::Default(), 1, "flowlens-bench");
    d.Fill(b.get());
    auto file = storage::DefaultFileSystem()->NewWritableFile(path);
    if (!file.ok()) std::abort();
    state.ResumeTiming();
    auto footer = b->Write(file->get(), 1, 1, 3);
    if (!footer.ok() || !(*file)->Close().ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.records.size()));
}
BENCHMARK(BM_BuilderWrite)->Unit(benchmark::kMillisecond);

// One row group's int column (a sorted time column and random ports, with a
// tenth of the rows missing): Arg 0 the general EncodeIntColumn, Arg 1 the
// bulk loader's EncodeIntColumnFast, the same bytes. Why the second is fast:
// one pass finds both transforms' ranges and the byte planes are written
// straight from the values, the width fixed at compile time, with no
// temporary vector per chunk (column_codec.cc, EncodeIntsFast).
void BM_EncodeIntColumn(benchmark::State& state) {
  constexpr size_t kRows = 65536;
  std::vector<int64_t> times(kRows), ports(kRows);
  std::vector<uint8_t> valid(kRows);
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < kRows; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    times[i] = 1795737600000 + static_cast<int64_t>(i * 13 + x % 7);
    ports[i] = static_cast<int64_t>(x % 65536);
    valid[i] = x % 10 != 0;
  }
  std::string out;
  for (auto _ : state) {
    for (const auto* v : {&times, &ports}) {
      out.clear();
      if (state.range(0) == 0) {
        storage::EncodeIntColumn(*v, valid.data(), &out);
      } else {
        storage::EncodeIntColumnFast(*v, valid.data(), &out);
      }
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * 2 * static_cast<int64_t>(kRows));
}
BENCHMARK(BM_EncodeIntColumn)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The content key of an object (ingest/content_hash.h): arg 0 HashFile (a
// read of the file and the hash: the serial pass before every load until the
// loader hashed the bytes it reads), arg 1 the hash alone over bytes in
// memory in 4 MB pieces (what the loader's reader now adds to its reads).
void BM_ContentHash(benchmark::State& state) {
  const Data& d = TheData();
  for (auto _ : state) {
    if (state.range(0) == 0) {
      auto h = ingest::HashFile(d.dir + "/flows.log");
      if (!h.ok()) std::abort();
      benchmark::DoNotOptimize(h->data());
    } else {
      ingest::ContentHasher h;
      for (size_t pos = 0; pos < d.text.size(); pos += 4u << 20) {
        h.Update(std::string_view(d.text).substr(pos, 4u << 20));
      }
      benchmark::DoNotOptimize(h.Finish());
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(d.text.size()));
}
BENCHMARK(BM_ContentHash)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// A whole ingest of `paths` into an empty store; arg: threads.
void IngestInto(benchmark::State& state, const Data& d, const std::vector<std::string>& paths) {
  for (auto _ : state) {
    state.PauseTiming();
    const std::string store_dir = d.dir + "/store";
    fs::remove_all(store_dir);
    auto store = storage::Store::Open(store_dir, {});
    if (!store.ok()) std::abort();
    ingest::IngestOptions opts;
    opts.group = "/vpc/flows";
    opts.threads = static_cast<int>(state.range(0));
    state.ResumeTiming();
    auto report = ingest::IngestPaths(**store, paths, opts);
    if (!report.ok() || report->records_stored != d.records.size()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.records.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(d.text.size()));
}

void BM_IngestFile(benchmark::State& state) {
  const Data& d = TheData();
  IngestInto(state, d, {d.dir + "/flows.log"});
}
BENCHMARK(BM_IngestFile)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Ingesting a file the store holds already: its path is known, so it is
// hashed first and skipped without being parsed.
void BM_ReingestSkipped(benchmark::State& state) {
  const Data& d = TheData();
  const std::string store_dir = d.dir + "/store-again";
  fs::remove_all(store_dir);
  auto store = storage::Store::Open(store_dir, {});
  if (!store.ok()) std::abort();
  ingest::IngestOptions opts;
  opts.group = "/vpc/flows";
  if (!ingest::IngestPaths(**store, {d.dir + "/flows.log"}, opts).ok()) std::abort();
  for (auto _ : state) {
    auto report = ingest::IngestPaths(**store, {d.dir + "/flows.log"}, opts);
    if (!report.ok() || report->files_skipped != 1) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.records.size()));
}
BENCHMARK(BM_ReingestSkipped)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same records as 16 gzip objects with header lines, as S3 delivers them.
void BM_IngestGzObjects(benchmark::State& state) {
  const Data& d = TheData();
  static const std::vector<std::string> paths = [&d] {
    constexpr size_t kObjects = 16;
    std::vector<std::string> out;
    const size_t per = (d.lines.size() + kObjects - 1) / kObjects;
    for (size_t o = 0; o * per < d.lines.size(); ++o) {
      std::string path = d.dir + "/objs/o" + std::to_string(100 + o) + ".log.gz";
      fs::create_directories(d.dir + "/objs");
      gzFile f = gzopen(path.c_str(), "wb6");
      std::string text = Layout::Default().ToHeaderLine() + "\n";
      for (size_t i = o * per; i < std::min(d.lines.size(), (o + 1) * per); ++i) {
        text.append(d.lines[i]);
        text += '\n';
      }
      if (!f || gzwrite(f, text.data(), static_cast<unsigned>(text.size())) <= 0) std::abort();
      gzclose(f);
      out.push_back(path);
    }
    return out;
  }();
  IngestInto(state, d, paths);
}
BENCHMARK(BM_IngestGzObjects)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace flowlens
