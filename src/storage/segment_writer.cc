#include "storage/segment_writer.h"

#include <algorithm>
#include <limits>
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
// Columns every segment has before the layout's: @timestamp, @ingestionTime,
// stream, raw message.
constexpr size_t kSystemColumns = 4;

// Min and max of the present values, in a loop without a branch per value.
ColumnStats IntStats(std::span<const int64_t> v, const uint8_t* valid) {
  ColumnStats s;
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  if (valid == nullptr) {
    for (int64_t x : v) lo = std::min(lo, x), hi = std::max(hi, x);
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      const bool ok = valid[i] != 0;
      lo = ok ? std::min(lo, v[i]) : lo;
      hi = ok ? std::max(hi, v[i]) : hi;
      s.nulls += !ok;
    }
  }
  if (s.nulls < v.size()) {
    s.has_range = true;
    s.min = lo;
    s.max = hi;
  }
  return s;
}

ColumnStats AddressStats(std::span<const IpAddress> v, const uint8_t* valid) {
  ColumnStats s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (valid != nullptr && !valid[i]) {
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

// `v` minus `start` × scale where start is present, into *out.
void Residuals(std::span<const int64_t> v, const FieldColumn& start, int64_t scale,
               std::vector<int64_t>* out) {
  out->resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    (*out)[i] = v[i] - (start.IsValid(i) ? start.ints[i] * scale : 0);
  }
}

// The elements of `from` whose `drop` flag is 0, into the front of *to, which
// only grows (no zero-fill of a buffer that is overwritten anyway): their
// count is returned. Written without a branch per row.
template <typename T>
size_t KeepIf(std::span<const T> from, const std::vector<uint8_t>& drop, std::vector<T>* to) {
  if (to->size() < drop.size()) to->resize(drop.size());
  T* out = to->data();
  size_t k = 0;
  for (size_t i = 0; i < drop.size(); ++i) {
    out[k] = from[i];
    k += drop[i] == 0;
  }
  return k;
}

ColumnStats V4Stats(std::span<const uint32_t> v, const uint8_t* valid) {
  ColumnStats s;
  uint32_t lo = ~uint32_t{0}, hi = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (valid != nullptr && !valid[i]) {
      ++s.nulls;
      continue;
    }
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (s.nulls < v.size()) {
    s.has_range = true;
    s.min_addr = IpAddress::V4(lo);
    s.max_addr = IpAddress::V4(hi);
  }
  return s;
}

// An address column as the encoder reads it: IPv4 bits or IpAddresses.
struct Addrs {
  const FieldColumn& col;
  std::span<const uint32_t> v4;  // empty: col.addrs
  IpAddress at(size_t i) const { return v4.empty() ? col.addrs[i] : IpAddress::V4(v4[i]); }
};

}  // namespace

SegmentEncoder::SegmentEncoder(WritableFile* file, uint64_t segment_id, uint64_t group_id,
                               const Layout* layout, std::vector<std::string> streams,
                               int zstd_level)
    : file_(file), layout_(layout), level_(zstd_level) {
  start_pos_ = layout ? layout->PositionOf(fields::kStart) : -1;
  footer_.segment_id = segment_id;
  footer_.group_id = group_id;
  footer_.streams = std::move(streams);
  footer_.format = layout ? layout->ToFormatString() : "";
  footer_.columns.push_back({format::kColTimestamp, ColumnKind::kTime,
                             start_pos_ >= 0 ? IntReference::kStartMs : IntReference::kNone});
  footer_.columns.push_back({format::kColIngestionTime, ColumnKind::kTime, IntReference::kNone});
  footer_.columns.push_back({format::kColStream, ColumnKind::kInt, IntReference::kNone});
  footer_.columns.push_back({format::kColRawMessage, ColumnKind::kRaw, IntReference::kNone});
  if (layout) {
    for (int id : {fields::kSrcAddr, fields::kDstAddr, fields::kSrcPort, fields::kDstPort}) {
      mirror_pos_.push_back(layout->PositionOf(id));
    }
    if (std::count(mirror_pos_.begin(), mirror_pos_.end(), -1) != 0) mirror_pos_.clear();
    for (size_t i = 0; i < layout->size(); ++i) {
      const FieldInfo& f = layout->field(i);
      IntReference ref = IntReference::kNone;
      if (static_cast<int>(f.id) == fields::kEnd && start_pos_ >= 0) ref = IntReference::kStart;
      if (std::count(mirror_pos_.begin(), mirror_pos_.end(), static_cast<int>(i))) {
        ref = IntReference::kMirror;
      }
      footer_.columns.push_back({static_cast<uint16_t>(f.id), StoredKindOf(f.kind), ref});
    }
    if (!mirror_pos_.empty()) {
      footer_.columns.push_back({format::kColMirror, ColumnKind::kInt, IntReference::kNone});
    }
  }
  std::string header;
  PutFixed64(&header, format::kSegmentMagic);
  PutFixed32(&header, format::kSegmentVersion);
  PutFixed32(&header, 0);
  status_ = file_->Append(header);
}

Status SegmentEncoder::Put(std::string_view payload, const ColumnStats& stats, RowGroupMeta* rg) {
  const ColumnMeta& column = footer_.columns[rg->chunks.size()];
  std::string stored = CompressChunk(payload, level_, ChunkPackingFor(column.id, column.kind));
  ChunkMeta m;
  m.offset = file_->size();
  m.length = static_cast<uint32_t>(stored.size());
  m.crc = crc32c::Mask(crc32c::Value(stored));
  m.stats = stats;
  RETURN_IF_ERROR(file_->Append(stored));
  rg->chunks.push_back(m);
  return Status::Ok();
}

Status SegmentEncoder::AddRowGroup(const RowGroupColumns& in) {
  RETURN_IF_ERROR(status_);
  const size_t n = in.timestamps.size();
  RowGroupMeta rg;
  rg.rows = static_cast<uint32_t>(n);
  rg.message_bytes = in.message_bytes;
  ColumnStats ts_stats = IntStats(in.timestamps, nullptr);
  ColumnStats in_stats = IntStats(in.ingestion_times, nullptr);
  if (footer_.rows == 0) {
    footer_.min_timestamp_ms = ts_stats.min;
    footer_.max_timestamp_ms = ts_stats.max;
    footer_.min_ingestion_ms = in_stats.min;
    footer_.max_ingestion_ms = in_stats.max;
  }
  footer_.min_timestamp_ms = std::min(footer_.min_timestamp_ms, ts_stats.min);
  footer_.max_timestamp_ms = std::max(footer_.max_timestamp_ms, ts_stats.max);
  footer_.min_ingestion_ms = std::min(footer_.min_ingestion_ms, in_stats.min);
  footer_.max_ingestion_ms = std::max(footer_.max_ingestion_ms, in_stats.max);
  footer_.rows += n;

  const FieldColumn* start = start_pos_ >= 0 ? &in.fields[start_pos_] : nullptr;
  payload_.clear();
  if (start) {
    Residuals(in.timestamps, *start, 1000, &scratch_);
    EncodeIntColumnFast(scratch_, nullptr, &payload_);
  } else {
    EncodeIntColumnFast(in.timestamps, nullptr, &payload_);
  }
  RETURN_IF_ERROR(Put(payload_, ts_stats, &rg));
  payload_.clear();
  EncodeIntColumnFast(in.ingestion_times, nullptr, &payload_);
  RETURN_IF_ERROR(Put(payload_, in_stats, &rg));
  payload_.clear();
  EncodeIntColumnFast(in.streams, nullptr, &payload_);
  RETURN_IF_ERROR(Put(payload_, IntStats(in.streams, nullptr), &rg));

  // Raw messages: a validity bitmap of the rows that keep one, then those messages.
  payload_.clear();
  EncodeRawColumn(in.messages, in.raw.data(), &payload_);
  ColumnStats raw_stats;
  raw_stats.nulls = static_cast<uint64_t>(std::count(in.raw.begin(), in.raw.end(), 0));
  RETURN_IF_ERROR(Put(payload_, raw_stats, &rg));

  // Replies: row i is row i-1 with addresses and ports swapped (never a reply of a reply).
  auto v4_of = [&](size_t field) {
    return field < in.v4_addrs.size() ? in.v4_addrs[field] : std::span<const uint32_t>();
  };
  mirror_.assign(n, 0);
  if (!mirror_pos_.empty()) {
    const FieldColumn& sa = in.fields[mirror_pos_[0]];
    const FieldColumn& da = in.fields[mirror_pos_[1]];
    const FieldColumn& sp = in.fields[mirror_pos_[2]];
    const FieldColumn& dp = in.fields[mirror_pos_[3]];
    const Addrs sav{sa, v4_of(mirror_pos_[0])}, dav{da, v4_of(mirror_pos_[1])};
    auto all_valid = [&](size_t i) {
      return sa.IsValid(i) && da.IsValid(i) && sp.IsValid(i) && dp.IsValid(i);
    };
    auto ports_swapped = [&](size_t i) {
      return sp.ints[i] == dp.ints[i - 1] && dp.ints[i] == sp.ints[i - 1];
    };
    if (!sav.v4.empty() && !dav.v4.empty()) {  // the bulk loader's IPv4 bits
      const uint32_t *s4 = sav.v4.data(), *d4 = dav.v4.data();
      for (size_t i = 1; i < n; ++i) {
        mirror_[i] = !mirror_[i - 1] && s4[i] == d4[i - 1] && d4[i] == s4[i - 1] &&
                     ports_swapped(i) && all_valid(i) && all_valid(i - 1);
      }
    } else {
      for (size_t i = 1; i < n; ++i) {
        mirror_[i] = !mirror_[i - 1] && all_valid(i) && all_valid(i - 1) &&
                     sav.at(i) == dav.at(i - 1) && dav.at(i) == sav.at(i - 1) && ports_swapped(i);
      }
    }
  }
  const bool any_mirror = std::count(mirror_.begin(), mirror_.end(), 1) != 0;

  for (size_t c = kSystemColumns; c < footer_.columns.size(); ++c) {
    payload_.clear();
    if (footer_.columns[c].id == format::kColMirror) {
      scratch_.assign(mirror_.begin(), mirror_.end());
      EncodeIntColumnFast(scratch_, nullptr, &payload_);
      RETURN_IF_ERROR(Put(payload_, IntStats(scratch_, nullptr), &rg));
      continue;
    }
    const size_t field = c - kSystemColumns;
    const FieldColumn& full = in.fields[field];
    // What is stored: every row, or (a column stored against its mirror)
    // the rows that are not replies.
    std::span<const uint32_t> v4 = v4_of(field), full_v4 = v4;
    std::span<const int64_t> ints = full.ints;
    std::span<const IpAddress> addrs = full.addrs;
    const uint8_t* valid = full.valid.empty() ? nullptr : full.valid.data();
    if (footer_.columns[c].reference == IntReference::kMirror && any_mirror) {
      auto keep = [&](auto from, auto* buffer) {
        const size_t k = KeepIf(from, mirror_, buffer);  // sizes *buffer: before data()
        return decltype(from)(buffer->data(), k);
      };
      if (valid) valid = keep(std::span<const uint8_t>(full.valid), &kept_valid_).data();
      if (!ints.empty()) ints = keep(ints, &kept_ints_);
      if (!addrs.empty()) addrs = keep(addrs, &kept_addrs_);
      if (!v4.empty()) v4 = keep(v4, &kept_v4_);
    }
    const FieldColumn& col = full;
    switch (col.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        if (footer_.columns[c].reference == IntReference::kStart) {
          Residuals(ints, *start, 1, &scratch_);
          EncodeIntColumnFast(scratch_, valid, &payload_);
        } else {
          EncodeIntColumnFast(ints, valid, &payload_);
        }
        RETURN_IF_ERROR(Put(
            payload_, IntStats(full.ints, full.valid.empty() ? nullptr : full.valid.data()), &rg));
        break;
      case ValueKind::kAddress: {
        const uint8_t* full_valid = full.valid.empty() ? nullptr : full.valid.data();
        if (!full_v4.empty()) {
          EncodeV4AddressColumn(v4, valid, &payload_);
          RETURN_IF_ERROR(Put(payload_, V4Stats(full_v4, full_valid), &rg));
        } else {
          EncodeAddressColumn(addrs, valid, &payload_);
          RETURN_IF_ERROR(Put(payload_, AddressStats(full.addrs, full_valid), &rg));
        }
        break;
      }
      case ValueKind::kString: {
        if (col.strings.empty() && !col.codes.empty()) {
          EncodeCodes(col, in.dicts[c - kSystemColumns], valid);
        } else {
          EncodeStringColumn(col.strings, valid, &payload_);
        }
        ColumnStats s;
        if (valid)
          s.nulls = static_cast<uint64_t>(std::count(col.valid.begin(), col.valid.end(), 0));
        RETURN_IF_ERROR(Put(payload_, s, &rg));
        break;
      }
    }
  }
  footer_.row_groups.push_back(std::move(rg));
  return Status::Ok();
}

// The codes of the present rows renumbered in order of first appearance, as
// EncodeStringColumn numbers the values it hashes: the same bytes, without a
// hash or a string comparison per row (they were 5% of a bulk load).
void SegmentEncoder::EncodeCodes(const FieldColumn& col, std::span<const std::string_view> dict,
                                 const uint8_t* valid) {
  constexpr uint32_t kUnseen = ~uint32_t{0};
  if (renumber_.size() < dict.size()) renumber_.resize(dict.size(), kUnseen);
  chunk_dict_.clear();
  first_seen_.clear();
  const size_t n = col.codes.size();
  ids_.resize(n);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && !valid[i]) continue;
    const uint32_t code = col.codes[i];
    uint32_t& id = renumber_[code];
    if (id == kUnseen) {
      id = static_cast<uint32_t>(chunk_dict_.size());
      chunk_dict_.push_back(dict[code]);
      first_seen_.push_back(code);
    }
    ids_[k++] = id;
  }
  for (uint32_t code : first_seen_) renumber_[code] = kUnseen;  // ready for the next chunk
  EncodeStringCodesFast(chunk_dict_, std::span<const uint32_t>(ids_.data(), k), valid, n,
                        &payload_);
}

Result<SegmentFooter> SegmentEncoder::Finish() {
  RETURN_IF_ERROR(status_);
  std::string footer_bytes = EncodeFooter(footer_);
  std::string trailer;
  PutFixed64(&trailer, file_->size());
  PutFixed32(&trailer, static_cast<uint32_t>(footer_bytes.size()));
  PutFixed32(&trailer, crc32c::Mask(crc32c::Value(footer_bytes)));
  PutFixed64(&trailer, format::kSegmentMagic);
  RETURN_IF_ERROR(file_->Append(footer_bytes));
  RETURN_IF_ERROR(file_->Append(trailer));
  return footer_;
}

Result<SegmentFooter> WriteSegment(SegmentInput* in, WritableFile* file) {
  // By stream, then time: a stream's rows share ids and addresses, which then compress to
  // almost nothing (see docs/formats/segment.md for the measurements).
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
  SegmentEncoder encoder(file, in->segment_id, in->group_id, layout, in->streams, in->zstd_level);
  std::optional<FlowColumns> cols;
  if (layout) cols.emplace(*layout);
  std::vector<int64_t> ts, ingest, stream;
  std::vector<uint8_t> raw;
  std::vector<std::string_view> messages;
  for (size_t first = 0; first < in->rows.size(); first += format::kRowGroupRows) {
    size_t n = std::min<size_t>(format::kRowGroupRows, in->rows.size() - first);
    std::span<const SegmentRow> rows(in->rows.data() + first, n);
    ts.resize(n), ingest.resize(n), stream.resize(n), raw.assign(n, 1), messages.resize(n);
    if (cols) cols->Clear();
    uint64_t message_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      message_bytes += rows[i].message.size();
      ts[i] = rows[i].timestamp_ms;
      ingest[i] = rows[i].ingestion_time_ms;
      stream[i] = rows[i].stream;
      if (cols) {
        bool exact = false;
        cols->Add(rows[i].message, &exact);
        raw[i] = exact ? 0 : 1;
      }
      messages[i] = raw[i] ? rows[i].message : std::string_view();
    }
    RowGroupColumns rg{ts, ingest, stream, raw, messages, {}, message_bytes, {}, {}};
    if (cols) rg.fields = cols->columns();
    RETURN_IF_ERROR(encoder.AddRowGroup(rg));
  }
  return encoder.Finish();
}

}  // namespace flowlens::storage
