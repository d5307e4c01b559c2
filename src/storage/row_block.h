// RowBlock: what readers of the store get, a block of up to 4,096 rows as
// typed columns, the same whether the rows come from a segment
// (segment_reader.h) or from not-yet-flushed WAL events (snapshot.h).
//
// Catalog fields come typed: kInt and kTime as int64 (times in Unix seconds,
// as in the records), kAddress as IpAddress, kString as string_view. A
// missing value ('-', or a row that is not a flow record) is 0 in `valid`;
// an empty `valid` means every row is present. String views point into memory
// that `keep_alive` and `arena` own: they live as long as the block (or as
// long as whoever copies those two shared pointers, such as a query Batch).
//
//   ColumnRequest req{.fields = {fields::kSrcAddr, fields::kBytes}, .timestamp = true};
//   RowBlock block; while (reader.Next(req, &block)) ... block.fields[1].ints[i] ...
//
// Thread safety: a block belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/arena.h"
#include "common/ip_address.h"
#include "flowlog/field_catalog.h"

namespace flowlens::storage {

struct ColumnRequest {
  std::vector<int> fields;      // catalog field ids, in the order wanted
  bool timestamp = false;       // @timestamp, ms
  bool ingestion_time = false;  // @ingestionTime, ms
  bool log_stream = false;      // @logStream
  bool message = false;         // @message (rebuilt from the columns or stored raw)
  bool codes = false;  // string fields also as dictionary codes, where the segment has them
  // Segments only, without `message`: the raw lines the segment keeps (rows
  // whose line does not round-trip through the typed columns) in `messages`,
  // an empty view elsewhere, and RowBlock::raw_kept says which rows have one.
  // For a reader that rebuilds the other rows' text itself (query/parse_pushdown.h).
  bool raw_messages = false;
  // RowBlock::row_ids; a scan whose query reads no row ids (most stats
  // queries) leaves them out (ScanRequest::row_ids).
  bool row_ids = true;
};

struct FieldColumn {
  int field_id = -1;
  ValueKind kind = ValueKind::kInt;
  std::vector<int64_t> ints;              // kInt, kTime
  std::vector<IpAddress> addrs;           // kAddress
  std::vector<std::string_view> strings;  // kString
  std::vector<uint8_t> valid;             // 1 = present; empty = all present
  // With ColumnRequest::codes, a kString column from a segment also as codes
  // into `dict` (the chunk's distinct values; codes of missing rows are 0).
  std::vector<uint32_t> codes;
  std::vector<std::string_view> dict;

  bool IsValid(size_t row) const { return valid.empty() || valid[row] != 0; }
  void Clear() {
    ints.clear();
    addrs.clear();
    strings.clear();
    valid.clear();
    codes.clear();
    dict.clear();
  }
};

// A column of `rows` missing values of catalog field `field_id` (a field the
// rows' layout does not have).
inline FieldColumn MissingColumn(int field_id, size_t rows) {
  FieldColumn col;
  col.field_id = field_id;
  col.kind = Catalog()[static_cast<size_t>(field_id)].kind;
  col.valid.assign(rows, 0);
  if (col.kind == ValueKind::kAddress) {
    col.addrs.assign(rows, IpAddress{});
  } else if (col.kind == ValueKind::kString) {
    col.strings.assign(rows, std::string_view());
  } else {
    col.ints.assign(rows, 0);
  }
  return col;
}

struct RowBlock {
  size_t size = 0;
  // Row ids: within a segment, the row number (stable: GetLogRecord and @ptr
  // use it); within a snapshot's unflushed events, their position. Empty
  // without ColumnRequest::row_ids.
  std::vector<uint64_t> row_ids;
  std::vector<int64_t> timestamps;
  std::vector<int64_t> ingestion_times;
  std::vector<std::string_view> streams;
  std::vector<std::string_view> messages;
  // With ColumnRequest::raw_messages: 1 where messages[r] is the row's raw line.
  std::vector<uint8_t> raw_kept;
  std::vector<FieldColumn> fields;  // one per ColumnRequest::fields entry, same order
  // Bytes of the rows' messages (without line ends) when the reader has them
  // at hand whatever the request (unflushed events); 0 from segments, whose
  // footer has them per row group (RowGroupMeta::message_bytes).
  uint64_t message_bytes = 0;
  std::vector<std::shared_ptr<const void>> keep_alive;
  std::shared_ptr<Arena> arena = std::make_shared<Arena>();

  void Clear() {
    size = 0;
    row_ids.clear();
    timestamps.clear();
    ingestion_times.clear();
    streams.clear();
    messages.clear();
    raw_kept.clear();
    fields.clear();
    message_bytes = 0;
    keep_alive.clear();
    // An arena nobody else holds and nothing was put in is as good as new.
    if (!arena || arena.use_count() > 1 || arena->bytes_reserved() > 0) {
      arena = std::make_shared<Arena>();
    }
  }
};

}  // namespace flowlens::storage
