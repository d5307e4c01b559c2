// SegmentFooter: the metadata at the end of a segment file (see
// docs/formats/segment.md): identity, time range, the flow-log format of its
// typed columns, its stream names, and for each row group the place,
// checksum and statistics of every column chunk. Readers decide from it alone
// whether a segment (or a row group) can hold rows a query wants.
//
//   ASSIGN_OR_RETURN(SegmentFooter f, DecodeFooter(bytes));
//   ColumnStats s = f.Stats(fields::kDstPort);  // has_range, min, max, nulls
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "flowlog/field_catalog.h"
#include "storage/format.h"

namespace flowlens::storage {

enum class ColumnKind : uint8_t { kInt = 0, kTime = 1, kAddress = 2, kString = 3, kRaw = 4 };

struct ColumnMeta {
  uint16_t id = 0;  // catalog field id, or format::kCol*
  ColumnKind kind = ColumnKind::kInt;
  format::IntReference reference = format::IntReference::kNone;
};

struct ColumnStats {
  uint64_t nulls = 0;
  bool has_range = false;        // false when every value is missing (or for strings and raw)
  int64_t min = 0, max = 0;      // kInt, kTime (true values, after undoing any reference)
  IpAddress min_addr, max_addr;  // kAddress
};

struct ChunkMeta {
  uint64_t offset = 0;
  uint32_t length = 0;
  uint32_t crc = 0;  // masked CRC32C of the stored chunk bytes
  ColumnStats stats;
};

struct RowGroupMeta {
  uint32_t rows = 0;
  // Bytes of the row group's event messages (rebuilt or raw), without line
  // ends: what a query's bytesScanned counts. Version 3; 0 before.
  uint64_t message_bytes = 0;
  std::vector<ChunkMeta> chunks;  // one per SegmentFooter::columns entry
};

struct SegmentFooter {
  uint64_t segment_id = 0;
  uint64_t group_id = 0;
  uint64_t rows = 0;
  int64_t min_timestamp_ms = 0, max_timestamp_ms = 0;
  int64_t min_ingestion_ms = 0, max_ingestion_ms = 0;
  std::string format;  // ${...} format of the typed columns; empty = raw messages only
  std::vector<std::string> streams;
  std::vector<ColumnMeta> columns;
  std::vector<RowGroupMeta> row_groups;
  bool has_message_bytes = true;  // false for segments before version 3

  // Index into `columns`, or -1.
  int ColumnIndex(uint16_t id) const;
  // Statistics of a column over the whole segment (all nulls if it is absent).
  ColumnStats Stats(uint16_t id) const;
};

// The footer of the current segment version.
std::string EncodeFooter(const SegmentFooter& footer);
// The footer of a segment of `version` (format::kSegmentMinVersion up).
// DataLoss (without a path; the caller adds it) when malformed.
Result<SegmentFooter> DecodeFooter(std::string_view bytes,
                                   uint32_t version = format::kSegmentVersion);

// How a flow-log field of kind `k` is stored (the only kind a reader accepts
// for that field's column).
ColumnKind StoredKindOf(ValueKind k);

// Merges chunk statistics `b` into `a`.
void MergeStats(ColumnStats* a, const ColumnStats& b);

}  // namespace flowlens::storage
