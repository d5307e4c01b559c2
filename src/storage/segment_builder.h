// SegmentBuilder: the rows of one future segment as typed columns, built by
// parsing each record once: the bulk loader's path (ingest/bulk_loader.h),
// which writes segments straight from files instead of through the WAL.
//
// Add() copies what it keeps: string values are interned once per builder
// (a flow log's account, interface, action and status repeat endlessly, so
// the column holds views of a few interned strings) and a line that does not
// round-trip exactly is copied whole. The source text can go as soon as
// Add() returns, so files are read in blocks.
//
// Write() sorts the rows by (stream, @timestamp) as every segment is sorted
// and hands them to the SegmentEncoder a row group at a time. Reset() then
// empties the builder but keeps its memory: a loader that reuses builders
// does not page-fault its column vectors in again for every segment (that
// was an eighth of a bulk load's CPU time, in the kernel).
//
//   SegmentBuilder b(layout);
//   b.Add(record, line, exact, start * 1000, now_ms, "eni-1-all");
//   ASSIGN_OR_RETURN(SegmentFooter f, b.Write(file, id, group_id, 9));
//
// Thread safety: one builder per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/arena.h"
#include "common/status.h"
#include "flowlog/layout.h"
#include "flowlog/record.h"
#include "storage/file_system.h"
#include "storage/row_block.h"
#include "storage/segment_footer.h"

namespace flowlens::storage {

// What one load adds to a stream (LogStreamInfo's counters).
struct StreamLoad {
  std::string name;
  uint64_t events = 0;
  uint64_t bytes = 0;  // message bytes
  int64_t first_event_ms = 0;
  int64_t last_event_ms = 0;
};

// A hash of short strings (ids, stream names) a word at a time: std::hash's
// byte loop was 5% of an ingest's instructions in the builder's lookups.
struct ShortStringHash {
  size_t operator()(std::string_view s) const;
};

class SegmentBuilder {
 public:
  explicit SegmentBuilder(const Layout& layout);
  SegmentBuilder(const SegmentBuilder&) = delete;
  SegmentBuilder& operator=(const SegmentBuilder&) = delete;

  // Appends a record parsed from `line`; `exact`: WriteRecord(record) == line,
  // so the line is rebuilt from the columns rather than stored.
  void Add(const FlowRecord& record, std::string_view line, bool exact, int64_t timestamp_ms,
           int64_t ingestion_ms, std::string_view stream);

  size_t rows() const { return timestamps_.size(); }
  // Per stream, in the order of the segment's stream table.
  const std::vector<StreamLoad>& streams() const { return streams_; }

  // Writes the segment to `file` (empty); does not sync. The builder is spent
  // until Reset().
  Result<SegmentFooter> Write(WritableFile* file, uint64_t segment_id, uint64_t group_id,
                              int zstd_level);
  // Empties the builder for the rows of another segment, keeping the capacity
  // of its vectors.
  void Reset();

 private:
  std::string_view Intern(size_t column, std::string_view s);

  const Layout& layout_;
  Arena arena_;  // interned strings and raw lines
  // One per layout position; `valid` stays empty (all present) until a row
  // lacks the value.
  std::vector<FieldColumn> columns_;
  std::vector<std::unordered_set<std::string_view, ShortStringHash>> interned_;  // per column
  std::vector<std::string_view> last_interned_;                                  // per column
  std::vector<int64_t> timestamps_, ingestion_times_, streams_index_;
  std::vector<uint8_t> raw_;
  std::vector<uint32_t> lengths_;           // of each row's line (the footer's message bytes)
  std::vector<std::string_view> messages_;  // raw lines (in arena_) where raw_
  std::vector<StreamLoad> streams_;
  std::unordered_map<std::string_view, uint32_t, ShortStringHash> stream_ids_;  // keys in arena_
  std::string_view last_stream_;
  uint32_t last_stream_id_ = 0;
  // Write()'s working memory, kept for the next segment.
  std::vector<uint32_t> order_;
  std::vector<int64_t> rg_ts_, rg_ingest_, rg_stream_;
  std::vector<uint8_t> rg_raw_;
  std::vector<std::string_view> rg_messages_;
  std::vector<FieldColumn> rg_cols_;
};

}  // namespace flowlens::storage
