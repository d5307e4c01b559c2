// SegmentWritePool: writes the bulk loader's full segment builders
// (Store::WriteBulkSegment: sort, encode, zstd, write, fdatasync, rename) on
// threads of its own, so that a parsing thread hands a builder over and goes
// on parsing. The sync is a disk round trip (8-60 ms each on the benchmark
// machine, ~1.2 s over the 90 segments of 10M records) during which a
// parsing thread that wrote its own segments left its core idle.
//
// At most `max_queued` builders wait or are being written (Submit blocks
// beyond), which bounds the memory held by rows not written yet. The segments stay uncommitted (the
// caller commits them with Store::CommitBulk); on a failure the first error
// is kept, queued builders are dropped, and Submit reports it.
//
// With no threads (`threads` 0) Submit writes the builder itself, at once:
// a load that parses on one thread beside others (IngestPaths' lanes of small
// .gz objects) keeps its thread's zstd context instead of faulting a new
// one's tables in for every object.
//
//   SegmentWritePool pool(store, "/vpc/flows", 2, 2);
//   RETURN_IF_ERROR(pool.Submit(std::move(builder)));
//   ASSIGN_OR_RETURN(auto segments, pool.Finish());
//
// Thread safety: Submit from any number of threads; Finish and Stop once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/segment_builder.h"
#include "storage/store.h"

namespace flowlens::ingest {

class SegmentWritePool {
 public:
  using Segments = std::vector<std::shared_ptr<const storage::SegmentFile>>;

  SegmentWritePool(storage::Store& store, std::string group, size_t threads, size_t max_queued);
  ~SegmentWritePool();  // drops what is queued, waits for the writes under way
  SegmentWritePool(const SegmentWritePool&) = delete;
  SegmentWritePool& operator=(const SegmentWritePool&) = delete;

  // Queues `builder` to be written; the first write failure so far, if any
  // (the builder is then dropped).
  Status Submit(std::unique_ptr<storage::SegmentBuilder> builder);
  // Drops the queued builders (a load that failed elsewhere).
  void Stop();
  // Waits until every queued builder is written: the segments (in no
  // particular order), or the first failure.
  Result<Segments> Finish();

 private:
  void Run();

  storage::Store& store_;
  const std::string group_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<storage::SegmentBuilder>> queue_;
  size_t writing_ = 0;    // builders taken from the queue, not written yet
  bool closing_ = false;  // no more builders will come
  Status status_;         // the first failure
  Segments segments_;
  std::vector<std::thread> threads_;
};

}  // namespace flowlens::ingest
