// The scan of flow-log files (plain or gzip, CloudWatch-style lines or S3
// objects with a header line) into column batches for the query engine.
//
// Files are read in chunks of whole lines; each chunk is parsed into batches
// of up to kBatchSize rows by whichever worker takes it. A line that is a flow
// record in the file's layout fills the flow-log fields (typed); any other line
// is still an event: its @message is there, and a JSON line gets its
// discovered fields. Nothing is dropped.
//
// Fields a scan fills (by the names a query uses):
// - @message, @timestamp (flow start x 1000, else the file's modification
//   time), @ingestionTime (the file's modification time), @logStream (the
//   record's interface id + "-all", else the file name), @log (the file path);
// - for flow records, every field of the layout under its query name
//   (srcAddr, dstPort, ...; start/end also as startTime/endTime);
// - for JSON lines, the flattened JSON fields.
//
// Thread safety: ChunkReader is used by one thread; ParseChunk by any.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

struct ScanInput {
  std::string path;          // "-" for standard input
  std::string display_name;  // for @log and messages
  int64_t mtime_ms = 0;
  std::optional<Layout> layout;  // from the header line, or the user's --format
};

// Line numbers of the morsels of a mapped file, counted only when a scan
// asks for them (ScanRequest::row_ids; most stats queries do not): the reader
// hands out morsels without reading them, and the first worker that needs the
// number of a morsel's first line counts the newlines of the morsels before it
// that no one counted yet (bench/scan_bench.cc BM_CountNewlines). Holds the
// mapping, so a morsel already scanned can still be counted.
// Thread safety: Add from the reader, FirstLine from any worker.
class MorselLines {
 public:
  MorselLines(std::shared_ptr<const void> mapping, uint64_t first_line)
      : mapping_(std::move(mapping)), firsts_{first_line} {}
  // Registers the file's next morsel (in file order); returns its index.
  uint32_t Add(std::string_view text);
  // 1-based number of the first line of morsel `index`.
  uint64_t FirstLine(uint32_t index);

 private:
  std::mutex mu_;
  std::shared_ptr<const void> mapping_;
  std::vector<std::string_view> texts_;
  std::vector<uint64_t> firsts_;  // of the morsels counted so far, and the one after
};

struct Chunk {
  std::string_view text;              // whole lines; lives as long as `owner`
  std::shared_ptr<const void> owner;  // the buffer or file mapping behind `text`
  uint32_t source_id = 0;
  // 1-based line number of the first line; use ChunkFirstLine, which asks
  // `lines` for a morsel of a mapped file.
  uint64_t first_line = 1;
  std::shared_ptr<MorselLines> lines;
  uint32_t morsel = 0;
  const ScanInput* input = nullptr;
  const Layout* layout = nullptr;
  // A whole gzip object still to read: LoadChunk fills text and layout. Kept
  // for the worker so that objects decompress in parallel.
  bool deferred = false;
  std::shared_ptr<const Layout> owned_layout;
};

struct ScanCounters {
  std::atomic<uint64_t> records{0};  // events read
  std::atomic<uint64_t> bytes{0};    // bytes of text read
  // Set by the query while it runs, for the scan to skip work that cannot
  // change the answer (a scan may ignore them): `stop` once the query has
  // all the rows it needs (limit any); events whose order key
  // (row_collector.h PlanOrderKey: @timestamp, or the first sort key) is an
  // int outside [needed_key_from, needed_key_to] can no longer make it.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> needed_key_from{std::numeric_limits<int64_t>::min()};
  std::atomic<int64_t> needed_key_to{std::numeric_limits<int64_t>::max()};
};

// Reads files one after another into chunks. Detects the header line of each
// file. Not thread-safe: one reader thread (or calls under one lock).
//
// A plain file is mapped into memory and handed out in morsels of about
// `chunk_bytes` cut at line ends, so that workers parse one file in parallel;
// the reader does not read them (line numbers: MorselLines). A gzip file
// of up to 64 MB is one deferred chunk that the worker decompresses itself
// (LoadChunk, libdeflate), so many S3 objects decompress in parallel; larger
// gzip files and standard input are streamed through zlib.
class ChunkReader {
 public:
  ChunkReader(std::vector<ScanInput>* inputs, std::optional<Layout> forced_layout,
              size_t chunk_bytes = 4 << 20);
  ~ChunkReader();
  // Next chunk, or nullopt at the end of the last file; errors name the file.
  Result<std::optional<Chunk>> Next();

 private:
  enum class Mode : uint8_t { kNone, kStream, kMapped, kWholeGzip };
  Status OpenNext();
  Result<std::optional<Chunk>> NextStreamed(ScanInput& in);
  std::optional<Chunk> NextMapped(ScanInput& in);
  // Header line at the start of `text`: sets layout_ and returns its length
  // with the newline (0 when there is none).
  size_t DetectHeader(std::string_view text, ScanInput& in);
  std::vector<ScanInput>* inputs_;
  std::optional<Layout> forced_layout_;
  size_t chunk_bytes_;
  size_t next_input_ = 0;
  Mode mode_ = Mode::kNone;
  void* gz_ = nullptr;                  // gzFile
  std::shared_ptr<const void> mapped_;  // the file mapping (unmapped with the last user)
  std::shared_ptr<MorselLines> morsel_lines_;
  std::string_view mapped_text_;
  size_t mapped_pos_ = 0;
  int current_ = -1;
  uint64_t line_ = 1;
  std::string carry_;
  bool first_chunk_ = true;
  std::vector<std::unique_ptr<Layout>> layouts_;
  const Layout* layout_ = nullptr;
};

// The line number of the chunk's first line (for a morsel of a mapped file,
// counted on the first call; see MorselLines).
uint64_t ChunkFirstLine(const Chunk& chunk);

// Reads and decompresses a deferred chunk (a whole gzip object) and detects
// its header line (else the layout the reader chose stays). Errors name the file.
Status LoadChunk(Chunk* chunk);

// How the scan maps the query's input fields to what a line provides.
class ScanProjection {
 public:
  ScanProjection(const ScanRequest& request, size_t slot_count);
  // Parses the chunk's lines into batches (rows outside [start_ms, end_ms]
  // are skipped) and hands each to `sink`.
  void ParseChunk(const Chunk& chunk, int64_t start_ms, int64_t end_ms, ScanCounters* counters,
                  const std::function<void(Batch&)>& sink) const;

 private:
  size_t slot_count_;
  ScanRequest request_;
};

// Logs Insights discovery of the fields of a JSON event: when `message` is a
// JSON object, sets values[i] for every leaf whose flattened name maps to i in
// `wanted` (first occurrence wins; at most 200 fields, as AWS). `values` must
// be sized for the indexes and is cleared first. Strings point into `arena`.
void DiscoverJsonFields(std::string_view message,
                        const std::unordered_map<std::string_view, size_t>& wanted,
                        std::vector<Value>* values, Arena* arena);

// @ptr of a row: an opaque token that names the input and the line.
std::string MakePointer(uint32_t source_id, uint64_t row_id);
bool ParsePointer(std::string_view ptr, uint32_t* source_id, uint64_t* row_id);

}  // namespace flowlens::query
