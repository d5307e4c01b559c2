// The bulk loader: stores a whole flow-log object (a file, a .gz object,
// standard input) in a log group without going through the write-ahead log.
//
// The object is read in blocks of whole lines (never whole into memory); a
// pool of worker threads parses each record exactly once straight into typed
// column builders (storage/segment_builder.h), one per time partition, and
// hands a builder over whenever it is full to as many writing threads
// (segment_write_pool.h: encoding, zstd and the segment's sync run beside the
// parse). When the object is read to its end the segments, their streams'
// counters and the object's ingested mark (decided then: the mark's hash may
// come from the bytes just read) are committed in one manifest
// (Store::CommitBulk). So a load is atomic: a
// crash, a read error or --strict stopping at a bad line leaves nothing of
// the object behind, and a re-run stores it again exactly once.
//
// Rejected lines are counted and the first few reported with their line
// numbers, in file order, as the single-threaded ingest did.
//
//   ObjectReader in; RETURN_IF_ERROR(in.Open(path, /*hash=*/true));
//   auto decide = [&]() -> Result<CommitDecision> {
//     return CommitDecision{true, storage::ObjectKey{abs_path, in.content_hash()}};
//   };
//   RETURN_IF_ERROR(LoadObject(store, options, layout, &in, first, path, 2, decide, &report));
//
// Thread safety: one load per store at a time; it runs its own threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "flowlog/layout.h"
#include "ingest/content_hash.h"
#include "ingest/ingester.h"
#include "storage/store.h"

namespace flowlens::ingest {

// Reads a plain or gzip file (or standard input, "-") in blocks that end at a
// line break (the last block may end without one). A .gz file of at most
// kWholeGzipBytes (S3 delivers objects of a few MB) is decompressed whole
// with libdeflate at Open (about twice zlib's speed); others stream through
// zlib. Asked to, it computes the object's content key (content_hash.h) from
// the bytes it reads: a small .gz object's packed bytes at Open, a plain
// file's as they are read, so the file is not read a second time.
class ObjectReader {
 public:
  ObjectReader() = default;
  ~ObjectReader();
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  static constexpr uint64_t kWholeGzipBytes = 64u << 20;

  // `hash`: compute content_hash() (not for standard input).
  Status Open(const std::string& path, bool hash = false);
  // Replaces *block with the next block; false at the end of the input.
  // InvalidArgument naming the file for a broken or truncated gzip stream.
  Result<bool> Next(std::string* block);
  uint64_t bytes_read() const { return bytes_; }  // uncompressed
  // Once Next() returned false, after Open(path, true): the object's content
  // key (HashFile's value); empty when this reader could not hash it (a
  // large .gz stream, whose packed bytes zlib does not show).
  const std::string& content_hash() const { return hash_; }

 private:
  void* file_ = nullptr;  // gzFile
  std::string path_;
  std::string whole_;  // a .gz object decompressed at Open
  size_t whole_pos_ = 0;
  bool is_whole_ = false;
  std::string carry_;  // a partial line from the previous read
  uint64_t bytes_ = 0;
  bool eof_ = false;
  std::optional<ContentHasher> hasher_;  // hashing a plain file as it is read
  std::string hash_;
};

// Whether a load, read and parsed, is committed, and with which ingested
// mark: decided once the whole object is read, when a key hashed from the
// bytes read is known. `commit` false: the object is dropped (another load
// stored it meanwhile); nothing of it is stored or counted.
struct CommitDecision {
  bool commit = true;
  std::optional<storage::ObjectKey> mark;
};
using DecideCommit = std::function<Result<CommitDecision>()>;

// Loads the records of `reader` (positioned after any header line, whose
// `first_block` was already read: pass it; the next line is `line_no`).
// `decide` is called after the reader's end, before anything is committed
// or counted in `report`.
Status LoadObject(storage::Store& store, const IngestOptions& options, const Layout& layout,
                  ObjectReader* reader, std::string first_block, const std::string& name,
                  size_t line_no, const DecideCommit& decide, IngestReport* report);

}  // namespace flowlens::ingest
