#include "storage/segment_writer.h"

#include <algorithm>
#include <optional>

#include "flowlog/record.h"
#include "storage/coding.h"
#include "storage/column_codec.h"
#include "storage/crc32c.h"
#include "storage/flow_columns.h"

namespace flowlens::storage {
namespace {

using format::IntReference;

// Rows checked before deciding that a segment holds flow records.
constexpr size_t kSampleRows = 256;

ColumnKind KindOf(ValueKind k) {
  switch (k) {
    case ValueKind::kInt:
      return ColumnKind::kInt;
    case ValueKind::kTime:
      return ColumnKind::kTime;
    case ValueKind::kAddress:
      return ColumnKind::kAddress;
    case ValueKind::kString:
      return ColumnKind::kString;
  }
  return ColumnKind::kInt;
}

ColumnStats IntStats(const std::vector<int64_t>& v, const uint8_t* valid) {
  ColumnStats s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (valid != nullptr && !valid[i]) {
      ++s.nulls;
      continue;
    }
    if (!s.has_range) {
      s.has_range = true;
      s.min = s.max = v[i];
    }
    s.min = std::min(s.min, v[i]);
    s.max = std::max(s.max, v[i]);
  }
  return s;
}

ColumnStats AddressStats(const std::vector<IpAddress>& v, const uint8_t* valid) {
  ColumnStats s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!valid[i]) {
      ++s.nulls;
      continue;
    }
    if (!s.has_range) {
      s.has_range = true;
      s.min_addr = s.max_addr = v[i];
    }
    if (v[i] < s.min_addr) s.min_addr = v[i];
    if (s.max_addr < v[i]) s.max_addr = v[i];
  }
  return s;
}

// Writes chunks of one segment and collects their metadata.
class ChunkSink {
 public:
  ChunkSink(WritableFile* file, int level) : file_(file), level_(level) {}
  Status Put(std::string_view payload, ColumnStats stats, RowGroupMeta* rg) {
    std::string stored = CompressChunk(payload, level_);
    ChunkMeta m;
    m.offset = file_->size();
    m.length = static_cast<uint32_t>(stored.size());
    m.crc = crc32c::Mask(crc32c::Value(stored));
    m.stats = stats;
    RETURN_IF_ERROR(file_->Append(stored));
    rg->chunks.push_back(m);
    return Status::Ok();
  }

 private:
  WritableFile* file_;
  int level_;
};

// Residuals of `v` against a reference column (start), where that is present.
std::vector<int64_t> Residuals(const std::vector<int64_t>& v, const FieldColumn& start,
                               int64_t scale) {
  std::vector<int64_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = v[i] - (start.valid[i] ? start.ints[i] * scale : 0);
  return out;
}

}  // namespace

Result<SegmentFooter> WriteSegment(SegmentInput* in, WritableFile* file) {
  // By stream, then time: a stream's rows share ids and addresses, which then compress to
  // almost nothing (13.5 -> see docs/formats/segment.md for the measurements).
  std::stable_sort(in->rows.begin(), in->rows.end(), [](const SegmentRow& a, const SegmentRow& b) {
    return a.stream != b.stream ? a.stream < b.stream : a.timestamp_ms < b.timestamp_ms;
  });
  const Layout* layout = in->layout;
  if (layout != nullptr) {
    FlowColumns probe(*layout);
    bool exact;
    size_t sample = std::min(kSampleRows, in->rows.size());
    for (size_t i = 0; i < sample; ++i) probe.Add(in->rows[i].message, &exact);
    if (probe.parsed() == 0) layout = nullptr;
  }
  int start_pos = layout ? layout->PositionOf(fields::kStart) : -1;

  SegmentFooter footer;
  footer.segment_id = in->segment_id;
  footer.group_id = in->group_id;
  footer.rows = in->rows.size();
  footer.streams = in->streams;
  footer.format = layout ? layout->ToFormatString() : "";
  footer.columns.push_back({format::kColTimestamp, ColumnKind::kTime,
                            start_pos >= 0 ? IntReference::kStartMs : IntReference::kNone});
  footer.columns.push_back({format::kColIngestionTime, ColumnKind::kTime, IntReference::kNone});
  footer.columns.push_back({format::kColStream, ColumnKind::kInt, IntReference::kNone});
  footer.columns.push_back({format::kColRawMessage, ColumnKind::kRaw, IntReference::kNone});
  if (layout) {
    for (size_t i = 0; i < layout->size(); ++i) {
      const FieldInfo& f = layout->field(i);
      IntReference ref = (static_cast<int>(f.id) == fields::kEnd && start_pos >= 0)
                             ? IntReference::kStart
                             : IntReference::kNone;
      footer.columns.push_back({static_cast<uint16_t>(f.id), KindOf(f.kind), ref});
    }
  }

  std::string header;
  PutFixed64(&header, format::kSegmentMagic);
  PutFixed32(&header, format::kSegmentVersion);
  PutFixed32(&header, 0);
  RETURN_IF_ERROR(file->Append(header));

  ChunkSink sink(file, in->zstd_level);
  std::optional<FlowColumns> cols;
  if (layout) cols.emplace(*layout);
  std::string payload;
  for (size_t first = 0; first < in->rows.size(); first += format::kRowGroupRows) {
    size_t n = std::min<size_t>(format::kRowGroupRows, in->rows.size() - first);
    std::span<const SegmentRow> rows(in->rows.data() + first, n);
    RowGroupMeta rg;
    rg.rows = static_cast<uint32_t>(n);
    std::vector<int64_t> ts(n), ingest(n), stream(n);
    std::vector<uint8_t> raw(n, 1);
    if (cols) cols->Clear();
    for (size_t i = 0; i < n; ++i) {
      ts[i] = rows[i].timestamp_ms;
      ingest[i] = rows[i].ingestion_time_ms;
      stream[i] = rows[i].stream;
      if (cols) {
        bool exact = false;
        cols->Add(rows[i].message, &exact);
        raw[i] = exact ? 0 : 1;
      }
    }
    ColumnStats ts_stats = IntStats(ts, nullptr);
    ColumnStats in_stats = IntStats(ingest, nullptr);
    if (first == 0) {
      footer.min_timestamp_ms = ts_stats.min;
      footer.min_ingestion_ms = in_stats.min;
      footer.max_ingestion_ms = in_stats.max;
    }
    footer.max_timestamp_ms = ts_stats.max;
    footer.min_ingestion_ms = std::min(footer.min_ingestion_ms, in_stats.min);
    footer.max_ingestion_ms = std::max(footer.max_ingestion_ms, in_stats.max);

    const FieldColumn* start = start_pos >= 0 ? &cols->columns()[start_pos] : nullptr;
    payload.clear();
    EncodeIntColumn(start ? Residuals(ts, *start, 1000) : ts, nullptr, &payload);
    RETURN_IF_ERROR(sink.Put(payload, ts_stats, &rg));
    payload.clear();
    EncodeIntColumn(ingest, nullptr, &payload);
    RETURN_IF_ERROR(sink.Put(payload, in_stats, &rg));
    payload.clear();
    EncodeIntColumn(stream, nullptr, &payload);
    RETURN_IF_ERROR(sink.Put(payload, IntStats(stream, nullptr), &rg));

    // Raw messages: a validity bitmap of the rows that keep one, then those messages.
    payload.clear();
    std::vector<std::string_view> messages;
    for (size_t i = 0; i < n; ++i) messages.push_back(raw[i] ? rows[i].message : "");
    EncodeRawColumn(messages, raw.data(), &payload);
    ColumnStats raw_stats;
    raw_stats.nulls = static_cast<uint64_t>(std::count(raw.begin(), raw.end(), 0));
    RETURN_IF_ERROR(sink.Put(payload, raw_stats, &rg));

    for (size_t c = 4; c < footer.columns.size(); ++c) {
      const FieldColumn& col = cols->columns()[c - 4];
      const uint8_t* valid = col.valid.data();
      payload.clear();
      switch (col.kind) {
        case ValueKind::kInt:
        case ValueKind::kTime: {
          bool ref = footer.columns[c].reference == IntReference::kStart;
          EncodeIntColumn(ref ? Residuals(col.ints, *start, 1) : col.ints, valid, &payload);
          RETURN_IF_ERROR(sink.Put(payload, IntStats(col.ints, valid), &rg));
          break;
        }
        case ValueKind::kAddress:
          EncodeAddressColumn(col.addrs, valid, &payload);
          RETURN_IF_ERROR(sink.Put(payload, AddressStats(col.addrs, valid), &rg));
          break;
        case ValueKind::kString: {
          EncodeStringColumn(col.strings, valid, &payload);
          ColumnStats s;
          s.nulls = static_cast<uint64_t>(std::count(col.valid.begin(), col.valid.end(), 0));
          RETURN_IF_ERROR(sink.Put(payload, s, &rg));
          break;
        }
      }
    }
    footer.row_groups.push_back(std::move(rg));
  }

  std::string footer_bytes = EncodeFooter(footer);
  std::string trailer;
  PutFixed64(&trailer, file->size());
  PutFixed32(&trailer, static_cast<uint32_t>(footer_bytes.size()));
  PutFixed32(&trailer, crc32c::Mask(crc32c::Value(footer_bytes)));
  PutFixed64(&trailer, format::kSegmentMagic);
  RETURN_IF_ERROR(file->Append(footer_bytes));
  RETURN_IF_ERROR(file->Append(trailer));
  return footer;
}

}  // namespace flowlens::storage
