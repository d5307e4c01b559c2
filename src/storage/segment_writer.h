// WriteSegment: encodes a set of events of one log group into a columnar
// segment file (docs/formats/segment.md).
//
// Rows are sorted by @timestamp (stable). When a layout is given and the
// events parse as its flow records, every layout field becomes a typed
// column; a row's message is stored raw only when it does not parse or does
// not round-trip exactly (WriteRecord(ParseRecord(m)) != m), otherwise readers
// rebuild it. Without a layout, or when a sample of the rows does not parse,
// the segment keeps raw messages only. Columns are written in row groups of
// format::kRowGroupRows rows, each chunk zstd-compressed and checksummed, then
// the footer with per-chunk statistics and the trailer.
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
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "storage/file_system.h"
#include "storage/segment_footer.h"

namespace flowlens::storage {

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
