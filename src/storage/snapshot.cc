#include "storage/snapshot.h"

#include <algorithm>

#include "storage/flow_columns.h"
#include "storage/format.h"

namespace flowlens::storage {

SegmentFile::~SegmentFile() {
  if (obsolete.load()) (void)fs->Remove(path);  // a leftover is removed on the next open
}

const GroupSnapshot* StoreSnapshot::FindGroup(std::string_view name) const {
  auto it =
      std::lower_bound(groups_.begin(), groups_.end(), name,
                       [](const GroupSnapshot& g, std::string_view n) { return g.info.name < n; });
  return it != groups_.end() && it->info.name == name ? &*it : nullptr;
}

namespace {

ColumnRequest EventColumns() {
  ColumnRequest req;
  req.timestamp = req.ingestion_time = req.log_stream = req.message = true;
  return req;
}

Status EmitRows(const RowBlock& block, uint64_t segment_id, const EventFn& fn) {
  for (size_t i = 0; i < block.size; ++i) {
    RETURN_IF_ERROR(fn(EventView{block.streams[i], block.timestamps[i], block.ingestion_times[i],
                                 block.messages[i], segment_id, block.row_ids[i]}));
  }
  return Status::Ok();
}

}  // namespace

Status StoreSnapshot::ScanEvents(const GroupSnapshot& group, const EventFn& fn) const {
  ColumnRequest req = EventColumns();
  RowBlock block;
  for (const auto& seg : group.segments) {
    ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> reader, OpenSegment(*seg));
    for (size_t b = 0; b < reader->num_blocks(); ++b) {
      RETURN_IF_ERROR(reader->ReadBlock(req, b, &block));
      RETURN_IF_ERROR(EmitRows(block, seg->entry.id, fn));
    }
  }
  UnflushedReader wal(group);
  for (size_t b = 0; b < wal.num_blocks(); ++b) {
    RETURN_IF_ERROR(wal.ReadBlock(req, b, &block));
    RETURN_IF_ERROR(EmitRows(block, 0, fn));
  }
  return Status::Ok();
}

Status StoreSnapshot::GetEvent(const GroupSnapshot& group, uint64_t segment_id, uint64_t row,
                               const EventFn& fn) const {
  ColumnRequest req = EventColumns();
  RowBlock block;
  if (segment_id == 0) {
    UnflushedReader wal(group);
    RETURN_IF_ERROR(wal.Read(req, row, 1, &block));
    return EmitRows(block, 0, fn);
  }
  for (const auto& seg : group.segments) {
    if (seg->entry.id != segment_id) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> reader, OpenSegment(*seg));
    if (row >= reader->rows()) return Status::NotFound("no such record");
    RETURN_IF_ERROR(reader->Read(req, row, 1, &block));
    return EmitRows(block, segment_id, fn);
  }
  return Status::NotFound("no such record (its segment may have expired)");
}

UnflushedReader::UnflushedReader(const GroupSnapshot& group) : group_(group) {
  uint64_t row = 0;
  for (const auto& chunk : group.unflushed) {
    starts_.push_back(row);
    row += chunk->size();
  }
  starts_.push_back(row);
}

size_t UnflushedReader::num_blocks() const {
  return static_cast<size_t>((rows() + format::kReadBlockRows - 1) / format::kReadBlockRows);
}

Status UnflushedReader::ReadBlock(const ColumnRequest& request, size_t block, RowBlock* out) {
  uint64_t first = static_cast<uint64_t>(block) * format::kReadBlockRows;
  if (first >= rows()) return Status::OutOfRange("no such block");
  return Read(request, first, std::min<uint64_t>(format::kReadBlockRows, rows() - first), out);
}

Status UnflushedReader::Read(const ColumnRequest& req, uint64_t first_row, size_t count,
                             RowBlock* out) {
  out->Clear();
  if (first_row + count > rows()) return Status::OutOfRange("no such row");
  out->size = count;
  std::vector<std::string_view> messages;
  messages.reserve(count);
  size_t c = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), first_row) -
                                 starts_.begin()) -
             1;
  uint64_t row = first_row;
  while (row < first_row + count) {
    const EventChunk& chunk = *group_.unflushed[c];
    out->keep_alive.push_back(group_.unflushed[c]);
    for (size_t i = row - starts_[c]; i < chunk.size() && row < first_row + count; ++i, ++row) {
      out->row_ids.push_back(row);
      if (req.timestamp) out->timestamps.push_back(chunk.events[i].timestamp_ms);
      if (req.ingestion_time) out->ingestion_times.push_back(chunk.events[i].ingestion_time_ms);
      if (req.log_stream) out->streams.push_back(chunk.stream);
      messages.push_back(chunk.message(i));
      out->message_bytes += chunk.events[i].length;
    }
    ++c;
  }
  if (!req.fields.empty()) {
    const Layout& layout = group_.layout();
    FlowColumns cols(layout);
    bool exact;
    for (std::string_view m : messages) cols.Add(m, &exact);
    for (int field : req.fields) {
      int pos = layout.PositionOf(field);
      FieldColumn col;
      if (pos >= 0) {
        col = std::move(cols.columns()[static_cast<size_t>(pos)]);
        if (std::all_of(col.valid.begin(), col.valid.end(), [](uint8_t v) { return v; })) {
          col.valid.clear();
        }
      } else {
        col = MissingColumn(field, count);
      }
      out->fields.push_back(std::move(col));
    }
  }
  if (req.message) out->messages = std::move(messages);
  return Status::Ok();
}

}  // namespace flowlens::storage
