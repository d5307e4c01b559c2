// The bulk loader: stores a whole flow-log object (a file, a .gz object,
// standard input) in a log group without going through the write-ahead log.
//
// The object is read in blocks of whole lines (never whole into memory); a
// pool of worker threads parses each record exactly once straight into typed
// column builders (storage/segment_builder.h), one per time partition, and
// writes a segment whenever a builder is full (Store::WriteBulkSegment: the
// zstd work is spread over the workers too). When the object is read to its
// end the segments, their streams' counters and the object's ingested mark
// are committed in one manifest (Store::CommitBulk). So a load is atomic: a
// crash, a read error or --strict stopping at a bad line leaves nothing of
// the object behind, and a re-run stores it again exactly once.
//
// Rejected lines are counted and the first few reported with their line
// numbers, in file order, as the single-threaded ingest did.
//
//   ObjectReader in; RETURN_IF_ERROR(in.Open(path));
//   RETURN_IF_ERROR(LoadObject(store, options, layout, &in, path, 2, &key, &report));
//
// Thread safety: one load per store at a time; it runs its own threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "flowlog/layout.h"
#include "ingest/ingester.h"
#include "storage/store.h"

namespace flowlens::ingest {

// Reads a plain or gzip file (or standard input, "-") in blocks that end at a
// line break (the last block may end without one). A .gz file of at most
// kWholeGzipBytes (S3 delivers objects of a few MB) is decompressed whole
// with libdeflate at Open (about twice zlib's speed); others stream through
// zlib.
class ObjectReader {
 public:
  ObjectReader() = default;
  ~ObjectReader();
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  static constexpr uint64_t kWholeGzipBytes = 64u << 20;

  Status Open(const std::string& path);
  // Replaces *block with the next block; false at the end of the input.
  // InvalidArgument naming the file for a broken or truncated gzip stream.
  Result<bool> Next(std::string* block);
  uint64_t bytes_read() const { return bytes_; }  // uncompressed

 private:
  void* file_ = nullptr;  // gzFile
  std::string path_;
  std::string whole_;  // a .gz object decompressed at Open
  size_t whole_pos_ = 0;
  bool is_whole_ = false;
  std::string carry_;  // a partial line from the previous read
  uint64_t bytes_ = 0;
  bool eof_ = false;
};

// A 64-bit hash of a file's bytes as stored (compressed for .gz), streamed:
// the content half of an ObjectKey ("x64:<hex>:<size>").
Result<std::string> HashFile(const std::string& path);

// Loads the records of `reader` (positioned after any header line, whose
// `first_block` was already read: pass it; the next line is `line_no`).
// `mark` (may be null) is committed with them.
Status LoadObject(storage::Store& store, const IngestOptions& options, const Layout& layout,
                  ObjectReader* reader, std::string first_block, const std::string& name,
                  size_t line_no, const storage::ObjectKey* mark, IngestReport* report);

}  // namespace flowlens::ingest
