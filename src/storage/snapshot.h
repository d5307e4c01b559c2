// StoreSnapshot: a consistent, immutable read view of a store, taken with
// Store::Snapshot() while writes go on. It lists, per log group, the group's
// streams, its segments (with time ranges, for pruning before opening them)
// and the events still only in the WAL.
//
// A snapshot keeps what it lists alive: a segment dropped by retention or a
// deletion after the snapshot was taken stays on disk until the last snapshot
// listing it is gone (in this process; see store.h for other processes).
//
//   std::shared_ptr<const StoreSnapshot> snap = store->Snapshot();
//   const GroupSnapshot* g = snap->FindGroup("/vpc/flows");
//   for (auto& seg : g->segments) { ASSIGN_OR_RETURN(auto r, snap->OpenSegment(*seg)); ... }
//   UnflushedReader wal(*g);  // the not-yet-flushed events, read the same way
//
// Thread safety: immutable; share across threads. Readers are per thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "storage/event_chunk.h"
#include "storage/file_system.h"
#include "storage/manifest.h"
#include "storage/model.h"
#include "storage/row_block.h"
#include "storage/segment_reader.h"

namespace flowlens::storage {

// One segment file of the store. Removes its file when destroyed after the
// store marked it obsolete.
struct SegmentFile {
  SegmentEntry entry;
  std::string path;
  std::shared_ptr<FileSystem> fs;
  mutable std::atomic<bool> obsolete{false};

  SegmentFile(SegmentEntry e, std::string p, std::shared_ptr<FileSystem> f)
      : entry(e), path(std::move(p)), fs(std::move(f)) {}
  ~SegmentFile();
};

struct GroupSnapshot {
  LogGroupInfo info;
  std::vector<LogStreamInfo> streams;                        // by name
  std::vector<std::shared_ptr<const SegmentFile>> segments;  // by id (flush order)
  std::vector<std::shared_ptr<const EventChunk>> unflushed;  // in append order
  uint64_t unflushed_events = 0;

  // The layout events of this group are parsed with (its format, or the default).
  const Layout& layout() const { return layout_ ? *layout_ : Layout::Default(); }
  std::shared_ptr<const Layout> layout_;
};

// One event as ScanEvents hands it out; views live until the callback returns.
struct EventView {
  std::string_view stream;
  int64_t timestamp_ms = 0;
  int64_t ingestion_time_ms = 0;
  std::string_view message;
  uint64_t segment_id = 0;  // 0: not flushed yet (row = position among the unflushed events)
  uint64_t row = 0;
};
using EventFn = std::function<Status(const EventView&)>;

class StoreSnapshot {
 public:
  StoreSnapshot(uint64_t sequence, std::vector<GroupSnapshot> groups,
                std::shared_ptr<FileSystem> fs)
      : sequence_(sequence), groups_(std::move(groups)), fs_(std::move(fs)) {}

  // The last WAL record this view reflects.
  uint64_t sequence() const { return sequence_; }
  const std::vector<GroupSnapshot>& groups() const { return groups_; }  // by name
  const GroupSnapshot* FindGroup(std::string_view name) const;

  Result<std::unique_ptr<SegmentReader>> OpenSegment(const SegmentFile& segment) const {
    return SegmentReader::Open(fs_.get(), segment.path);
  }

  // Every event of a group, segments first (in segment order, by time within
  // each), then the unflushed ones in append order. Stops at the first error,
  // such as a corrupt segment (DataLoss naming its path).
  Status ScanEvents(const GroupSnapshot& group, const EventFn& fn) const;
  // The event at (segment_id, row), as in EventView (for @ptr and GetLogRecord).
  Status GetEvent(const GroupSnapshot& group, uint64_t segment_id, uint64_t row,
                  const EventFn& fn) const;

 private:
  uint64_t sequence_;
  std::vector<GroupSnapshot> groups_;
  std::shared_ptr<FileSystem> fs_;
};

// Reads a group's unflushed events as RowBlocks: @timestamp, @ingestionTime,
// @logStream and @message as stored, and requested fields parsed from the
// message with the group's layout (missing when a line does not parse).
// Row ids are positions in the snapshot's unflushed sequence.
class UnflushedReader {
 public:
  // `group` must outlive the reader (hold the snapshot).
  explicit UnflushedReader(const GroupSnapshot& group);
  uint64_t rows() const { return starts_.empty() ? 0 : starts_.back(); }
  size_t num_blocks() const;
  Status ReadBlock(const ColumnRequest& request, size_t block, RowBlock* out);
  Status Read(const ColumnRequest& request, uint64_t first_row, size_t count, RowBlock* out);

 private:
  const GroupSnapshot& group_;
  std::vector<uint64_t> starts_;  // starts_[i]: first row of chunk i; last entry: total
};

}  // namespace flowlens::storage
