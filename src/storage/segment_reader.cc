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
  Result<SegmentFooter> footer = DecodeFooter(footer_bytes, version);
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
  std::shared_ptr<char[]> buf = std::make_shared_for_overwrite<char[]>(m.length + 1);
  RETURN_IF_ERROR(file_->Read(m.offset, m.length, buf.get()));
  std::string_view stored(buf.get(), m.length);
  if (crc32c::Mask(crc32c::Value(stored)) != m.crc) return Corrupt("checksum mismatch", g, c);
  std::string_view payload;
  Status s = DecompressChunk(stored, std::move(buf), &out->payload, &payload);
  if (!s.ok()) return Corrupt(s.message(), g, c);
  const ColumnMeta& meta = footer_->columns[c];
  FieldColumn& col = out->column;
  col.field_id = meta.id;
  Decoder d(payload);
  bool ok = false;
  switch (meta.kind) {
    case ColumnKind::kInt:
    case ColumnKind::kTime:
      col.kind = meta.kind == ColumnKind::kInt ? ValueKind::kInt : ValueKind::kTime;
      ok = DecodeIntColumn(&d, n, &col.ints, &col.valid);
      break;
    case ColumnKind::kAddress: {
      col.kind = ValueKind::kAddress;
      out->form = Form::kAddress;
      ok = DecodeCompactAddressColumn(&d, n, &out->small, &out->v6, &out->v6s, &col.valid);
      break;
    }
    case ColumnKind::kString:
      col.kind = ValueKind::kString;
      out->form = Form::kDict;
      ok = DecodeStringCodes(&d, n, &out->dict, &out->small, &col.valid);
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
// Row i takes own[pos[i]], or counterpart[pos[i]] for a reply: one pass with
// no branch to mispredict, the same positions for every vector of both
// columns (computed once per row group from the reply flags).
template <typename T>
void ExpandMirrored(const std::vector<T>& own, const std::vector<T>& counterpart,
                    const std::vector<uint32_t>& pos, const std::vector<uint8_t>& reply,
                    std::vector<T>* out) {
  const size_t n = pos.size();
  out->resize(n);
  T* o = out->data();
  const T* a = own.data();
  const T* b = counterpart.data();
  for (size_t i = 0; i < n; ++i) o[i] = reply[i] ? b[pos[i]] : a[pos[i]];
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
    Decoded* ref;
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
  Decoded* mirror;
  RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(flags), &mirror));
  const std::vector<int64_t>& m = mirror->column.ints;
  if (m.size() != n) return Corrupt("bad mirror flags", g, c);
  size_t replies = 0;
  for (int64_t f : m) replies += f != 0;
  if (replies == 0) return DecodeStored(g, c, n, out);
  const size_t stored = n - replies;
  if (mirror->mirror_pos.size() != n) {
    if (m[0] != 0) return Corrupt("a reply in the first row", g, c);
    mirror->mirror_pos.resize(n);
    mirror->mirror_reply.resize(n);
    uint32_t j = 0;
    for (size_t i = 0; i < n; ++i) {
      const bool reply = m[i] != 0;
      mirror->mirror_reply[i] = reply;
      mirror->mirror_pos[i] = reply ? j - 1 : j++;
    }
  }
  const std::vector<uint32_t>& pos = mirror->mirror_pos;
  const std::vector<uint8_t>& reply = mirror->mirror_reply;
  // Both columns' stored rows: the counterpart supplies this one's replies.
  Decoded *own, *theirs;
  RETURN_IF_ERROR(LoadStored(g, c, stored, &own));
  RETURN_IF_ERROR(LoadStored(g, static_cast<size_t>(other), stored, &theirs));
  FieldColumn& col = out->column;
  col.field_id = own->column.field_id;
  col.kind = own->column.kind;
  auto sized = [&](const auto& v) { return v.size() == stored; };
  bool ok = true;
  if (!own->column.valid.empty() || !theirs->column.valid.empty()) {
    std::vector<uint8_t> a = own->column.valid, b = theirs->column.valid;
    if (a.empty()) a.assign(stored, 1);
    if (b.empty()) b.assign(stored, 1);
    ok = sized(a) && sized(b);
    if (ok) ExpandMirrored(a, b, pos, reply, &col.valid);
  }
  if (own->form == Form::kAddress && theirs->form == Form::kAddress) {
    // Compact on both sides: the counterpart's IPv6 indexes move past ours.
    out->form = Form::kAddress;
    out->v6s = own->v6s;
    out->v6s.insert(out->v6s.end(), theirs->v6s.begin(), theirs->v6s.end());
    ok = ok && sized(own->small) && sized(theirs->small);
    if (ok && own->v6.empty() && theirs->v6.empty()) {
      ExpandMirrored(own->small, theirs->small, pos, reply, &out->small);
    } else if (ok) {
      std::vector<uint8_t> a = own->v6, b = theirs->v6;
      if (a.empty()) a.assign(stored, 0);
      if (b.empty()) b.assign(stored, 0);
      std::vector<uint32_t> shifted = theirs->small;
      const uint32_t offset = static_cast<uint32_t>(own->v6s.size());
      for (size_t i = 0; i < stored; ++i) shifted[i] += b[i] ? offset : 0;
      ExpandMirrored(own->small, shifted, pos, reply, &out->small);
      ExpandMirrored(a, b, pos, reply, &out->v6);
    }
  } else if (meta.kind == ColumnKind::kAddress) {
    ok = false;  // address chunks always decode compact
  } else {
    ok = ok && sized(own->column.ints) && sized(theirs->column.ints);
    if (ok) ExpandMirrored(own->column.ints, theirs->column.ints, pos, reply, &col.ints);
  }
  if (!ok) return Corrupt("mirrored rows do not match the stored ones", g, c);
  out->payload = own->payload;
  return Status::Ok();
}

void SegmentReader::Materialize(Decoded* d) {
  FieldColumn& col = d->column;
  if (d->form == Form::kAddress) {
    col.addrs.resize(d->small.size());
    for (size_t i = 0; i < d->small.size(); ++i) col.addrs[i] = d->AddressAt(i);
  } else if (d->form == Form::kDict) {
    col.strings.resize(d->small.size());
    for (size_t i = 0; i < d->small.size(); ++i) col.strings[i] = d->dict[d->small[i]];
  }
  d->form = Form::kPlain;
  d->small = {};
  d->v6 = {};
  d->v6s = {};
  d->dict = {};
}

Status SegmentReader::LoadStored(size_t g, size_t c, size_t n, Decoded** out) {
  auto it = stored_cache_.find(c);
  if (it == stored_cache_.end()) {
    Decoded d;
    RETURN_IF_ERROR(DecodeStored(g, c, n, &d));
    it = stored_cache_.emplace(c, std::move(d)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

Status SegmentReader::LoadColumn(size_t g, size_t c, Decoded** out) {
  if (cached_row_group_ != g) {
    cache_.clear();
    stored_cache_.clear();
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

// Rows [begin, begin + n) of `from` into *to, or only `rows` (positions in
// `from`) when given.
template <typename T>
void Slice(const std::vector<T>& from, size_t begin, size_t n, const std::vector<uint32_t>* rows,
           std::vector<T>* to) {
  if (rows == nullptr) {
    to->assign(from.data() + begin, from.data() + begin + n);
    return;
  }
  to->resize(rows->size());
  T* t = to->data();
  const T* f = from.data();
  for (size_t k = 0; k < rows->size(); ++k) t[k] = f[(*rows)[k]];
}

}  // namespace

Status SegmentReader::ReadBlock(const ColumnRequest& request, size_t block, RowBlock* out,
                                const uint8_t* keep) {
  if (block >= blocks_.size()) return Status::OutOfRange("no such block");
  return Read(request, blocks_[block].first_row, blocks_[block].count, out, keep);
}

Status SegmentReader::Read(const ColumnRequest& req, uint64_t first_row, size_t count,
                           RowBlock* out, const uint8_t* keep) {
  out->Clear();
  auto it = std::upper_bound(row_group_start_.begin(), row_group_start_.end(), first_row);
  if (it == row_group_start_.begin()) return Status::OutOfRange("no such row");
  size_t g = static_cast<size_t>(it - row_group_start_.begin()) - 1;
  size_t begin = first_row - row_group_start_[g];
  if (begin + count > footer_->row_groups[g].rows) {
    return Status::OutOfRange(
        fmt::format("rows {}+{} are not in one row group of {}", first_row, count, path_));
  }
  // The rows handed out, as positions in the row group.
  std::vector<uint32_t> rows;
  rows.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (keep == nullptr || keep[i]) rows.push_back(static_cast<uint32_t>(begin + i));
  }
  const std::vector<uint32_t>* sel = keep ? &rows : nullptr;
  out->size = rows.size();
  out->row_ids.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) out->row_ids[i] = row_group_start_[g] + rows[i];
  out->keep_alive.push_back(footer_);
  auto load = [&](uint16_t id, Decoded** d) -> Status {
    int c = footer_->ColumnIndex(id);
    if (c < 0) return Status::DataLoss(fmt::format("{}: no column {}", path_, id));
    return LoadColumn(g, static_cast<size_t>(c), d);
  };
  Decoded* d;
  if (req.timestamp) {
    RETURN_IF_ERROR(load(format::kColTimestamp, &d));
    Slice(d->column.ints, begin, count, sel, &out->timestamps);
  }
  if (req.ingestion_time) {
    RETURN_IF_ERROR(load(format::kColIngestionTime, &d));
    Slice(d->column.ints, begin, count, sel, &out->ingestion_times);
  }
  if (req.log_stream) {
    RETURN_IF_ERROR(load(format::kColStream, &d));
    for (uint32_t r : rows) {
      int64_t s = d->column.ints[r];
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
      col = MissingColumn(field, rows.size());  // not in this segment's layout
    } else {
      RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(c), &d));
      if (d->form == Form::kAddress) {
        col.addrs.resize(rows.size());
        if (d->v6.empty()) {
          for (size_t k = 0; k < rows.size(); ++k) col.addrs[k] = IpAddress::V4(d->small[rows[k]]);
        } else {
          for (size_t k = 0; k < rows.size(); ++k) col.addrs[k] = d->AddressAt(rows[k]);
        }
      } else if (d->form == Form::kDict) {
        col.strings.resize(rows.size());
        for (size_t k = 0; k < rows.size(); ++k) col.strings[k] = d->dict[d->small[rows[k]]];
        if (req.codes) {
          Slice(d->small, begin, count, sel, &col.codes);
          col.dict = d->dict;
        }
      }
      if (!d->column.ints.empty()) Slice(d->column.ints, begin, count, sel, &col.ints);
      if (!d->column.addrs.empty()) Slice(d->column.addrs, begin, count, sel, &col.addrs);
      if (!d->column.strings.empty()) Slice(d->column.strings, begin, count, sel, &col.strings);
      if (!d->column.valid.empty()) Slice(d->column.valid, begin, count, sel, &col.valid);
      out->keep_alive.push_back(d->payload);
    }
    out->fields.push_back(std::move(col));
  }
  if (req.message) {
    Decoded* raw;
    RETURN_IF_ERROR(load(format::kColRawMessage, &raw));
    out->keep_alive.push_back(raw->payload);
    std::vector<const FieldColumn*> layout_cols;
    if (layout_) {
      for (size_t i = 0; i < layout_->size(); ++i) {
        RETURN_IF_ERROR(load(static_cast<uint16_t>(layout_->field(i).id), &d));
        Materialize(d);  // every row's text is rebuilt
        layout_cols.push_back(&d->column);
      }
    }
    FlowRecord scratch(layout_ ? *layout_ : Layout::Default());
    std::string line;
    for (uint32_t i : rows) {
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
      Decoded* d;
      RETURN_IF_ERROR(LoadColumn(g, c, &d));
    }
  }
  return Status::Ok();
}

}  // namespace flowlens::storage
