#include "storage/segment_reader.h"

#include <algorithm>

#include <fmt/format.h>

#include "storage/coding.h"
#include "storage/column_codec.h"
#include "storage/crc32c.h"
#include "storage/flow_columns.h"

namespace flowlens::storage {

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(FileSystem* fs,
                                                           const std::string& path) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->fs_ = fs;
  r->path_ = path;
  ASSIGN_OR_RETURN(r->file_, fs->NewRandomAccessFile(path));
  uint64_t size = r->file_->size();
  if (size < format::kSegmentHeaderSize + format::kSegmentTrailerSize) {
    return Status::DataLoss(fmt::format("{}: segment file too short ({} bytes)", path, size));
  }
  char header[format::kSegmentHeaderSize];
  RETURN_IF_ERROR(r->file_->Read(0, sizeof(header), header));
  char trailer[format::kSegmentTrailerSize];
  RETURN_IF_ERROR(r->file_->Read(size - sizeof(trailer), sizeof(trailer), trailer));
  if (DecodeFixed64(header) != format::kSegmentMagic ||
      DecodeFixed64(trailer + 16) != format::kSegmentMagic) {
    return Status::DataLoss(path + ": not a flowlens segment (bad magic number)");
  }
  uint32_t version = DecodeFixed32(header + 8);
  if (version < format::kSegmentMinVersion || version > format::kSegmentVersion) {
    return Status::Unimplemented(
        fmt::format("{}: segment version {} is not supported (this flowlens reads versions {} "
                    "to {}; a newer flowlens wrote it?)",
                    path, version, format::kSegmentMinVersion, format::kSegmentVersion));
  }
  if (DecodeFixed32(header + 12) != 0) {
    return Status::DataLoss(path + ": unknown segment flags (corrupt header?)");
  }
  uint64_t footer_offset = DecodeFixed64(trailer);
  uint32_t footer_length = DecodeFixed32(trailer + 8);
  uint32_t footer_crc = DecodeFixed32(trailer + 12);
  if (footer_length > format::kMaxFooterSize || footer_offset < format::kSegmentHeaderSize ||
      footer_offset + footer_length + format::kSegmentTrailerSize != size) {
    return Status::DataLoss(path + ": corrupt segment trailer");
  }
  std::string footer_bytes(footer_length, '\0');
  RETURN_IF_ERROR(r->file_->Read(footer_offset, footer_length, footer_bytes.data()));
  if (crc32c::Mask(crc32c::Value(footer_bytes)) != footer_crc) {
    return Status::DataLoss(path + ": segment footer checksum mismatch");
  }
  Result<SegmentFooter> footer = DecodeFooter(footer_bytes);
  if (!footer.ok()) return footer.status().WithContext(path);
  for (const RowGroupMeta& rg : footer->row_groups) {
    for (const ChunkMeta& m : rg.chunks) {
      if (m.offset < format::kSegmentHeaderSize || m.offset + m.length > footer_offset) {
        return Status::DataLoss(path + ": segment footer points outside the file");
      }
    }
  }
  if (!footer->format.empty()) {
    Result<Layout> layout = Layout::FromFormat(footer->format);
    if (!layout.ok()) return Status::DataLoss(path + ": bad format in segment footer");
    r->layout_ = std::move(layout).value();
  }
  r->footer_ = std::make_shared<const SegmentFooter>(std::move(footer).value());
  uint64_t row = 0;
  for (size_t g = 0; g < r->footer_->row_groups.size(); ++g) {
    uint32_t rows = r->footer_->row_groups[g].rows;
    r->row_group_start_.push_back(row);
    for (uint32_t off = 0; off < rows; off += format::kReadBlockRows) {
      r->blocks_.push_back({row + off, static_cast<uint32_t>(g),
                            std::min<uint32_t>(format::kReadBlockRows, rows - off)});
    }
    row += rows;
  }
  return r;
}

Status SegmentReader::Corrupt(std::string_view what, size_t row_group, size_t column) const {
  const ChunkMeta& m = footer_->row_groups[row_group].chunks[column];
  return Status::DataLoss(fmt::format("{}: chunk at offset {} (row group {}, column {}): {}", path_,
                                      m.offset, row_group, footer_->columns[column].id, what));
}

Status SegmentReader::DecodeStored(size_t g, size_t c, size_t n, Decoded* out) {
  const ChunkMeta& m = footer_->row_groups[g].chunks[c];
  std::string stored(m.length, '\0');
  RETURN_IF_ERROR(file_->Read(m.offset, m.length, stored.data()));
  if (crc32c::Mask(crc32c::Value(stored)) != m.crc) return Corrupt("checksum mismatch", g, c);
  auto payload = std::make_shared<std::string>();
  Status s = DecompressChunk(stored, payload.get());
  if (!s.ok()) return Corrupt(s.message(), g, c);
  out->payload = payload;
  const ColumnMeta& meta = footer_->columns[c];
  FieldColumn& col = out->column;
  col.field_id = meta.id;
  Decoder d(*payload);
  bool ok = false;
  switch (meta.kind) {
    case ColumnKind::kInt:
    case ColumnKind::kTime:
      col.kind = meta.kind == ColumnKind::kInt ? ValueKind::kInt : ValueKind::kTime;
      ok = DecodeIntColumn(&d, n, &col.ints, &col.valid);
      break;
    case ColumnKind::kAddress:
      col.kind = ValueKind::kAddress;
      ok = DecodeAddressColumn(&d, n, &col.addrs, &col.valid);
      break;
    case ColumnKind::kString:
      col.kind = ValueKind::kString;
      ok = DecodeStringColumn(&d, n, &col.strings, &col.valid);
      break;
    case ColumnKind::kRaw:
      col.kind = ValueKind::kString;
      ok = DecodeRawColumn(&d, n, &col.strings, &col.valid);
      break;
  }
  if (!ok || !d.done()) return Corrupt("malformed column data", g, c);
  return Status::Ok();
}

namespace {

// Spreads the stored (non-reply) rows of `own` over n rows; a reply row takes
// the counterpart's value of the row before (a stored row: replies never chain).
template <typename T>
bool ExpandMirrored(const std::vector<T>& own, const std::vector<T>& counterpart,
                    const std::vector<int64_t>& mirror, std::vector<T>* out) {
  out->resize(mirror.size());
  size_t j = 0;
  for (size_t i = 0; i < mirror.size(); ++i) {
    if (mirror[i]) {
      if (j == 0 || j > counterpart.size()) return false;
      (*out)[i] = counterpart[j - 1];
    } else {
      if (j >= own.size()) return false;
      (*out)[i] = own[j++];
    }
  }
  return j == own.size();
}

}  // namespace

Status SegmentReader::DecodeChunk(size_t g, size_t c, Decoded* out) {
  const ColumnMeta& meta = footer_->columns[c];
  size_t n = footer_->row_groups[g].rows;
  if (meta.reference == format::IntReference::kMirror) return DecodeMirrored(g, c, n, out);
  RETURN_IF_ERROR(DecodeStored(g, c, n, out));
  FieldColumn& col = out->column;
  if (meta.reference != format::IntReference::kNone) {
    int start = footer_->ColumnIndex(static_cast<uint16_t>(fields::kStart));
    if (start < 0 || start == static_cast<int>(c) || col.ints.size() != n) {
      return Corrupt("bad column reference", g, c);
    }
    const Decoded* ref;
    RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(start), &ref));
    int64_t scale = meta.reference == format::IntReference::kStartMs ? 1000 : 1;
    for (size_t i = 0; i < n; ++i) {
      if (ref->column.IsValid(i)) col.ints[i] += ref->column.ints[i] * scale;
    }
  }
  return Status::Ok();
}

Status SegmentReader::DecodeMirrored(size_t g, size_t c, size_t n, Decoded* out) {
  static constexpr std::pair<int, int> kPairs[] = {{fields::kSrcAddr, fields::kDstAddr},
                                                   {fields::kSrcPort, fields::kDstPort}};
  const ColumnMeta& meta = footer_->columns[c];
  int other = -1;
  for (auto [a, b] : kPairs) {
    if (meta.id == a) other = footer_->ColumnIndex(static_cast<uint16_t>(b));
    if (meta.id == b) other = footer_->ColumnIndex(static_cast<uint16_t>(a));
  }
  int flags = footer_->ColumnIndex(format::kColMirror);
  if (other < 0 || flags < 0 || meta.kind == ColumnKind::kString || meta.kind == ColumnKind::kRaw) {
    return Corrupt("bad mirror reference", g, c);
  }
  const Decoded* mirror;
  RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(flags), &mirror));
  const std::vector<int64_t>& m = mirror->column.ints;
  if (m.size() != n) return Corrupt("bad mirror flags", g, c);
  size_t replies = 0;
  for (int64_t f : m) replies += f != 0;
  if (replies == 0) return DecodeStored(g, c, n, out);
  // Both columns' stored rows: the counterpart supplies this one's replies.
  Decoded own, theirs;
  RETURN_IF_ERROR(DecodeStored(g, c, n - replies, &own));
  RETURN_IF_ERROR(DecodeStored(g, static_cast<size_t>(other), n - replies, &theirs));
  FieldColumn& col = out->column;
  col.field_id = own.column.field_id;
  col.kind = own.column.kind;
  bool ok = true;
  if (!own.column.valid.empty() || !theirs.column.valid.empty()) {
    std::vector<uint8_t> a = own.column.valid, b = theirs.column.valid;
    if (a.empty()) a.assign(n - replies, 1);
    if (b.empty()) b.assign(n - replies, 1);
    ok = ExpandMirrored(a, b, m, &col.valid);
  }
  if (meta.kind == ColumnKind::kAddress) {
    ok = ok && ExpandMirrored(own.column.addrs, theirs.column.addrs, m, &col.addrs);
  } else {
    ok = ok && ExpandMirrored(own.column.ints, theirs.column.ints, m, &col.ints);
  }
  if (!ok) return Corrupt("mirrored rows do not match the stored ones", g, c);
  out->payload = own.payload;
  return Status::Ok();
}

Status SegmentReader::LoadColumn(size_t g, size_t c, const Decoded** out) {
  if (cached_row_group_ != g) {
    cache_.clear();
    cached_row_group_ = g;
  }
  auto it = cache_.find(c);
  if (it == cache_.end()) {
    Decoded d;
    RETURN_IF_ERROR(DecodeChunk(g, c, &d));
    it = cache_.emplace(c, std::move(d)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

namespace {

template <typename T>
void Slice(const std::vector<T>& from, size_t begin, size_t n, std::vector<T>* to) {
  to->assign(from.begin() + static_cast<ptrdiff_t>(begin),
             from.begin() + static_cast<ptrdiff_t>(begin + n));
}

}  // namespace

Status SegmentReader::ReadBlock(const ColumnRequest& request, size_t block, RowBlock* out) {
  if (block >= blocks_.size()) return Status::OutOfRange("no such block");
  return Read(request, blocks_[block].first_row, blocks_[block].count, out);
}

Status SegmentReader::Read(const ColumnRequest& req, uint64_t first_row, size_t count,
                           RowBlock* out) {
  out->Clear();
  auto it = std::upper_bound(row_group_start_.begin(), row_group_start_.end(), first_row);
  if (it == row_group_start_.begin()) return Status::OutOfRange("no such row");
  size_t g = static_cast<size_t>(it - row_group_start_.begin()) - 1;
  size_t begin = first_row - row_group_start_[g];
  if (begin + count > footer_->row_groups[g].rows) {
    return Status::OutOfRange(
        fmt::format("rows {}+{} are not in one row group of {}", first_row, count, path_));
  }
  out->size = count;
  for (size_t i = 0; i < count; ++i) out->row_ids.push_back(first_row + i);
  out->keep_alive.push_back(footer_);
  auto load = [&](uint16_t id, const Decoded** d) -> Status {
    int c = footer_->ColumnIndex(id);
    if (c < 0) return Status::DataLoss(fmt::format("{}: no column {}", path_, id));
    return LoadColumn(g, static_cast<size_t>(c), d);
  };
  const Decoded* d;
  if (req.timestamp) {
    RETURN_IF_ERROR(load(format::kColTimestamp, &d));
    Slice(d->column.ints, begin, count, &out->timestamps);
  }
  if (req.ingestion_time) {
    RETURN_IF_ERROR(load(format::kColIngestionTime, &d));
    Slice(d->column.ints, begin, count, &out->ingestion_times);
  }
  if (req.log_stream) {
    RETURN_IF_ERROR(load(format::kColStream, &d));
    for (size_t i = 0; i < count; ++i) {
      int64_t s = d->column.ints[begin + i];
      if (s < 0 || static_cast<uint64_t>(s) >= footer_->streams.size()) {
        return Status::DataLoss(path_ + ": stream index out of range");
      }
      out->streams.push_back(footer_->streams[static_cast<size_t>(s)]);
    }
  }
  for (int field : req.fields) {
    FieldColumn col;
    col.field_id = field;
    col.kind = Catalog()[static_cast<size_t>(field)].kind;
    int c = footer_->ColumnIndex(static_cast<uint16_t>(field));
    if (c < 0) {
      col = MissingColumn(field, count);  // not in this segment's layout
    } else {
      RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(c), &d));
      Slice(d->column.ints, begin, d->column.ints.empty() ? 0 : count, &col.ints);
      Slice(d->column.addrs, begin, d->column.addrs.empty() ? 0 : count, &col.addrs);
      Slice(d->column.strings, begin, d->column.strings.empty() ? 0 : count, &col.strings);
      if (!d->column.valid.empty()) Slice(d->column.valid, begin, count, &col.valid);
      out->keep_alive.push_back(d->payload);
    }
    out->fields.push_back(std::move(col));
  }
  if (req.message) {
    const Decoded* raw;
    RETURN_IF_ERROR(load(format::kColRawMessage, &raw));
    out->keep_alive.push_back(raw->payload);
    std::vector<const FieldColumn*> layout_cols;
    if (layout_) {
      for (size_t i = 0; i < layout_->size(); ++i) {
        RETURN_IF_ERROR(load(static_cast<uint16_t>(layout_->field(i).id), &d));
        layout_cols.push_back(&d->column);
      }
    }
    FlowRecord scratch(layout_ ? *layout_ : Layout::Default());
    std::string line;
    for (size_t i = begin; i < begin + count; ++i) {
      if (raw->column.IsValid(i)) {
        out->messages.push_back(raw->column.strings[i]);
      } else if (layout_) {
        RebuildMessage(*layout_, layout_cols, i, &scratch, &line);
        out->messages.push_back(out->arena->Store(line));
      } else {
        return Status::DataLoss(path_ + ": a row has neither a raw message nor typed columns");
      }
    }
  }
  return Status::Ok();
}

Status SegmentReader::Verify() {
  for (size_t g = 0; g < footer_->row_groups.size(); ++g) {
    for (size_t c = 0; c < footer_->columns.size(); ++c) {
      const Decoded* d;
      RETURN_IF_ERROR(LoadColumn(g, c, &d));
    }
  }
  return Status::Ok();
}

}  // namespace flowlens::storage
