// SegmentBuilder: the rows of one future segment as typed columns, built by
// parsing each record once: the bulk loader's path (ingest/bulk_loader.h),
// which writes segments straight from files instead of through the WAL.
//
// Add() copies what it keeps, compactly (segment_builder_columns.h: ~70
// bytes a default-format row): ints in 32 bits while they fit, IPv4 as 32
// bits, strings as 4-byte ids into per-column dictionaries (a flow log's
// account, interface, action and status repeat endlessly), validity as bits;
// a line that does not round-trip exactly is copied whole. The source text
// can go as soon as Add() returns, so files are read in blocks. A row's
// stream is `<interface-id>-all` (as the flow-log service names streams),
// found through the interface's dictionary id, or the fallback stream when
// the layout has no interface-id or the row lacks it.
//
// Write() sorts the rows by (stream, @timestamp) as every segment is sorted,
// moves the compact columns into that order in place (PlaceRows), and hands
// them to the SegmentEncoder a row group at a time as FieldColumns, except
// that strings stay dictionary codes and an address column without IPv6
// stays 32-bit (RowGroupColumns::dicts, v4_addrs). Reset() then empties the
// builder but keeps its memory: a loader that reuses builders does not
// page-fault its column vectors in again for every segment.
//
//   SegmentBuilder b(layout, now_ms, "flowlens-flows.log");
//   b.Add(record, line, exact, start * 1000);
//   ASSIGN_OR_RETURN(SegmentFooter f, b.Write(file, id, group_id, 9));
//
// At most kMaxRows rows (row numbers and dictionary ids are 32-bit; a
// dictionary never holds more values than rows, so it cannot overflow).
//
// Thread safety: one builder per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/arena.h"
#include "common/status.h"
#include "flowlog/layout.h"
#include "flowlog/record.h"
#include "storage/file_system.h"
#include "storage/row_block.h"
#include "storage/segment_builder_columns.h"
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

class SegmentBuilder {
 public:
  static constexpr size_t kMaxRows = size_t{1} << 31;

  // Every row gets @ingestionTime `ingestion_ms`; rows without an interface
  // go to stream `fallback_stream`.
  SegmentBuilder(const Layout& layout, int64_t ingestion_ms, std::string fallback_stream);
  SegmentBuilder(const SegmentBuilder&) = delete;
  SegmentBuilder& operator=(const SegmentBuilder&) = delete;

  // Appends a record parsed from `line`; `exact`: WriteRecord(record) == line,
  // so the line is rebuilt from the columns rather than stored. At most
  // kMaxRows rows.
  void Add(const FlowRecord& record, std::string_view line, bool exact, int64_t timestamp_ms);

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
  // The layout position's values; which member is used follows the kind.
  struct Column {
    ValueKind kind = ValueKind::kInt;
    RowFlags missing;
    std::vector<uint8_t> placed_valid;  // by stored row, 1 = present (PlaceRows; when any missing)
    IntValues ints;
    AddrValues addrs;
    std::vector<uint32_t> ids;
    StringDictionary dict;
  };
  // The row's stream, time, length and line (Add's part after the values).
  void AddRowInfo(const FlowRecord& record, std::string_view line, bool exact,
                  int64_t timestamp_ms);
  uint32_t StreamOf(const FlowRecord& record, int64_t timestamp_ms);
  void SortRows();
  // Moves the values of the columns kept in compact form to their stored
  // order (order_), a column at a time.
  void PlaceRows();
  void GatherRowGroup(size_t first, std::span<const uint32_t> rows);

  const Layout& layout_;
  const int64_t ingestion_ms_;
  const std::string fallback_stream_;
  const int iface_pos_;
  Arena arena_;                  // interned strings and raw lines
  std::vector<Column> columns_;  // one per layout position
  // Layout positions by kind, for Add.
  std::vector<uint32_t> int_pos_, addr_pos_, str_pos_;
  std::vector<int64_t> timestamps_;
  std::vector<uint32_t> streams_index_;
  std::vector<uint32_t> lengths_;            // of each row's line (the footer's message bytes)
  RowFlags raw_;                             // rows that keep their line
  std::vector<uint32_t> raw_rows_;           // those rows, ascending
  std::vector<std::string_view> raw_lines_;  // their lines (in arena_)
  std::vector<StreamLoad> streams_;
  std::vector<uint32_t> iface_streams_;  // by interface id: stream index + 1, 0 = none yet
  uint32_t fallback_index_ = 0;          // stream index + 1 of fallback_stream_, 0 = none yet
  std::unordered_map<std::string, uint32_t> stream_names_;  // index by name
  // Write()'s working memory, kept for the next segment.
  std::vector<uint32_t> order_;  // stored row -> input row
  std::vector<uint32_t> place_;  // input row -> stored row
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> scratch_u32_;  // PlaceRows' buffers, one per element type
  std::vector<int32_t> scratch_i32_;
  std::vector<int64_t> scratch_i64_;
  std::vector<int64_t> rg_ingest_, rg_stream_;
  std::vector<uint8_t> rg_raw_;
  std::vector<std::string_view> rg_messages_;
  std::vector<FieldColumn> rg_cols_;
  std::vector<std::span<const std::string_view>> rg_dicts_;
  std::vector<std::span<const uint32_t>> rg_v4_spans_;
};

}  // namespace flowlens::storage
