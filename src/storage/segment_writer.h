// Segment writing (docs/formats/segment.md), in two layers:
//
// SegmentEncoder takes the rows of one log group as typed columns, one row
// group (at most format::kRowGroupRows rows, already in their final order) at
// a time, and writes the column chunks (each encoded, zstd-compressed and
// checksummed), then the footer with per-chunk statistics and the trailer. It
// parses nothing: both writers below hand it columns they built.
//
// WriteSegment is the writer for events held as text (a flush of the WAL's
// events, a rewrite): it sorts the rows by (stream, @timestamp), parses each
// message with the group's layout (FlowColumns) and keeps a message raw only
// when it does not parse or does not round-trip exactly
// (WriteRecord(ParseRecord(m)) != m); readers rebuild the others. Without a
// layout, or when a sample of the rows does not parse, the segment keeps raw
// messages only. The bulk loader (segment_builder.h) parses each record once
// and feeds the encoder directly.
//
// The caller owns crash safety: it writes to a temporary file, syncs and
// renames it (store_flush.cc).
//
//   SegmentInput in{.segment_id = 7, .group_id = 1, .layout = &Layout::Default()};
//   in.streams = {"eni-1"}; in.rows.push_back({ts, ingest, 0, line});
//   ASSIGN_OR_RETURN(SegmentFooter footer, WriteSegment(in, file.get()));
//
// Thread safety: reentrant; the input must not change during the call.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "storage/file_system.h"
#include "storage/row_block.h"
#include "storage/segment_footer.h"

namespace flowlens::storage {

// One row group of typed columns, in the order the rows are stored.
struct RowGroupColumns {
  std::span<const int64_t> timestamps;         // ms
  std::span<const int64_t> ingestion_times;    // ms
  std::span<const int64_t> streams;            // index into the segment's stream table
  std::span<const uint8_t> raw;                // 1: the row keeps its raw message
  std::span<const std::string_view> messages;  // read where raw[i]
  // One per layout position, each of the row group's size (empty when the
  // segment has no layout).
  std::span<const FieldColumn> fields;
  // Sum of the byte lengths of the rows' messages (as ingested, without line
  // ends), for the footer (RowGroupMeta::message_bytes).
  uint64_t message_bytes = 0;
  // Optional, one per field: a string field whose `strings` is empty comes as
  // `codes` into this dictionary (the bulk loader's interned ids), which the
  // encoder renumbers instead of hashing every value again.
  std::span<const std::span<const std::string_view>> dicts;
  // Optional, one per field: an address field whose `addrs` is empty comes
  // as these IPv4 bits (the bulk loader's compact column when it holds no
  // IPv6 address): no 24-byte IpAddress per row to fill, compare or encode.
  std::span<const std::span<const uint32_t>> v4_addrs;
};

class SegmentEncoder {
 public:
  // `layout` null: raw messages only. Writes the header at once.
  SegmentEncoder(WritableFile* file, uint64_t segment_id, uint64_t group_id, const Layout* layout,
                 std::vector<std::string> streams, int zstd_level);
  Status AddRowGroup(const RowGroupColumns& rg);
  // Footer and trailer; returns the footer. Does not sync.
  Result<SegmentFooter> Finish();

 private:
  Status Put(std::string_view payload, const ColumnStats& stats, RowGroupMeta* rg);
  void EncodeCodes(const FieldColumn& col, std::span<const std::string_view> dict,
                   const uint8_t* valid);

  WritableFile* file_;
  const Layout* layout_;
  int level_;
  int start_pos_ = -1;  // layout position of `start`
  // Layout positions of srcaddr, dstaddr, srcport, dstport when all four are
  // there: a flow's reply (the row after it, those four swapped) stores none
  // of them (format::IntReference::kMirror).
  std::vector<int> mirror_pos_;
  std::vector<uint8_t> mirror_;
  // A mirrored column's rows that are not replies (sized to the largest row
  // group seen; the front holds them).
  std::vector<uint8_t> kept_valid_;
  std::vector<int64_t> kept_ints_;
  std::vector<IpAddress> kept_addrs_;
  std::vector<uint32_t> kept_v4_;
  SegmentFooter footer_;
  Status status_;
  std::string payload_;
  std::vector<int64_t> scratch_;
  std::vector<uint32_t> ids_;
  // Codes renumbered in order of first appearance (RenumberCodes).
  std::vector<uint32_t> renumber_;
  std::vector<uint32_t> first_seen_;
  std::vector<std::string_view> chunk_dict_;
};

struct SegmentRow {
  int64_t timestamp_ms = 0;
  int64_t ingestion_time_ms = 0;
  uint32_t stream = 0;  // index into SegmentInput::streams
  std::string_view message;
};

struct SegmentInput {
  uint64_t segment_id = 0;
  uint64_t group_id = 0;
  const Layout* layout = nullptr;  // null: raw messages only
  std::vector<std::string> streams;
  std::vector<SegmentRow> rows;  // sorted in place by WriteSegment
  int zstd_level = 9;
};

// Appends the whole segment to `file` (which should be empty) and returns its
// footer. Does not sync.
Result<SegmentFooter> WriteSegment(SegmentInput* input, WritableFile* file);

}  // namespace flowlens::storage
