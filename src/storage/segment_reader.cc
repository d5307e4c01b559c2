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
  // A flow-log field's column must be of its field's kind: readers fill the
  // vector of that kind (a string field read as ints would be read as strings).
  for (const ColumnMeta& c : footer->columns) {
    if (c.id < Catalog().size() && c.kind != StoredKindOf(Catalog()[c.id].kind)) {
      return Status::DataLoss(
          fmt::format("{}: column of field {} has the wrong kind in the segment footer", path,
                      Catalog()[c.id].name));
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
  const ColumnMeta& meta = footer_->columns[c];
  std::string_view payload;
  if (meta.kind == ColumnKind::kString || meta.kind == ColumnKind::kRaw) {
    // Rows view the payload: it lives as long as the blocks handed out.
    std::shared_ptr<char[]> buf = std::make_shared_for_overwrite<char[]>(m.length + 1);
    RETURN_IF_ERROR(file_->Read(m.offset, m.length, buf.get()));
    std::string_view stored(buf.get(), m.length);
    if (crc32c::Mask(crc32c::Value(stored)) != m.crc) return Corrupt("checksum mismatch", g, c);
    Status s = DecompressChunk(stored, std::move(buf), &out->payload, &payload);
    if (!s.ok()) return Corrupt(s.message(), g, c);
  } else {
    // Numbers are copied out of the payload: it is decoded from per-thread
    // buffers, used by one chunk at a time.
    // An address chunk may be kept lazy (Form::kLazyAddress): its payload
    // then goes to the chunk's own buffer, which lives as long as it does.
    // Both buffers only grow: nothing is zero-filled before it is overwritten.
    thread_local ChunkBuffer stored_buf, payload_buf;
    RETURN_IF_ERROR(file_->Read(m.offset, m.length, stored_buf.Reserve(m.length)));
    const std::string_view stored(stored_buf.data.get(), m.length);
    if (crc32c::Mask(crc32c::Value(stored)) != m.crc) return Corrupt("checksum mismatch", g, c);
    // An int chunk may be kept as its planes (Form::kPlanar), likewise.
    const bool own = meta.id != format::kColMirror;
    Status s = own ? DecompressChunk(stored, &out->lazy_payload, &out->lazy_bytes)
                   : DecompressChunk(stored, &payload_buf, &payload);
    if (!s.ok()) return Corrupt(s.message(), g, c);
    if (own) payload = out->lazy_bytes;
  }
  FieldColumn& col = out->column;
  col.field_id = meta.id;
  if (meta.kind != ColumnKind::kInt && meta.kind != ColumnKind::kTime) col.ints.clear();
  Decoder d(payload);
  bool ok = false;
  switch (meta.kind) {
    case ColumnKind::kInt:
    case ColumnKind::kTime:
      col.kind = meta.kind == ColumnKind::kInt ? ValueKind::kInt : ValueKind::kTime;
      if (meta.id == format::kColMirror) {
        // Only DecodeMirrored reads the reply flags: a byte per row, no ints.
        col.ints.clear();
        ok = DecodeFlagColumn(&d, n, &out->mirror_reply, &col.valid);
        out->mirror_ready = false;
      } else {
        ok = DecodePlanarIntColumn(&d, n, &out->planar, &col.valid);
        if (ok && out->planar.usable) {
          out->form = Form::kPlanar;
          col.ints.clear();
        } else if (ok) {
          ok = DecodeIntColumn(&d, n, &col.ints, &col.valid);
        }
      }
      break;
    case ColumnKind::kAddress: {
      col.kind = ValueKind::kAddress;
      out->form = Form::kAddress;
      ok = DecodeLazyAddressColumn(&d, n, &out->lazy);
      if (ok && out->lazy.usable) {
        out->form = Form::kLazyAddress;
        col.valid.clear();
        out->v6.clear();
        out->v6s.clear();
      } else if (ok) {
        ok = DecodeCompactAddressColumn(&d, n, &out->small, &out->v6, &out->v6s, &col.valid);
      }
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

Status SegmentReader::DecodeChunk(size_t g, size_t c, Decoded* out) {
  const ColumnMeta& meta = footer_->columns[c];
  size_t n = footer_->row_groups[g].rows;
  if (meta.reference == format::IntReference::kMirror) return DecodeMirrored(g, c, n, out);
  RETURN_IF_ERROR(DecodeStored(g, c, n, out));
  if (meta.reference != format::IntReference::kNone) {
    int start = footer_->ColumnIndex(static_cast<uint16_t>(fields::kStart));
    if (start < 0 || start == static_cast<int>(c) || !IsIntChunk(*out, n)) {
      return Corrupt("bad column reference", g, c);
    }
    Decoded* ref;
    RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(start), &ref));
    if (!IsIntChunk(*ref, n) || ref->ref) return Corrupt("bad column reference", g, c);
    const int64_t scale = meta.reference == format::IntReference::kStartMs ? 1000 : 1;
    if (out->form == Form::kPlanar) {
      out->ref = ref;  // added as rows are handed out
      out->ref_scale = scale;
    } else {
      AddReference(*ref, scale, 0, n, out->column.ints.data());
    }
  }
  return Status::Ok();
}

bool SegmentReader::IsIntChunk(const Decoded& d, size_t n) {
  return (d.form == Form::kPlanar && d.planar.rows == n) ||
         (d.form == Form::kPlain && d.column.kind != ValueKind::kString &&
          d.column.kind != ValueKind::kAddress && d.column.ints.size() == n);
}

void SegmentReader::IntRange(const Decoded& d, size_t r, size_t m, int64_t* out) {
  if (d.form == Form::kPlanar) {
    d.planar.Get(r, m, d.column.valid, out);
  } else {
    std::copy_n(d.column.ints.data() + r, m, out);
  }
  if (d.ref != nullptr) AddReference(*d.ref, d.ref_scale, r, m, out);
}

namespace {

// o[j] += v[j] * scale where present (all when `present` is null). Why it
// is fast: the scale is a constant of the loop (x1000 is shifts and adds, no
// 64-bit multiply per row) and the loop without flags vectorizes.
template <int64_t kScale>
void AddScaled(const int64_t* v, const uint8_t* present, size_t k, int64_t scale, int64_t* o) {
  const int64_t x = kScale != 0 ? kScale : scale;
  if (present == nullptr) {
    for (size_t j = 0; j < k; ++j) o[j] += v[j] * x;
  } else {
    for (size_t j = 0; j < k; ++j) o[j] += present[j] ? v[j] * x : 0;
  }
}

}  // namespace

void SegmentReader::AddReference(const Decoded& ref, int64_t scale, size_t r, size_t m,
                                 int64_t* out) {
  auto add = scale == 1000 ? &AddScaled<1000> : scale == 1 ? &AddScaled<1> : &AddScaled<0>;
  // The reference's values a slice at a time, on the stack.
  constexpr size_t kSlice = 512;
  int64_t v[kSlice];
  for (size_t i = 0; i < m; i += kSlice) {
    const size_t k = std::min(kSlice, m - i);
    IntRange(ref, r + i, k, v);  // (a reference has none of its own: DecodeChunk)
    const uint8_t* present = ref.column.valid.empty() ? nullptr : ref.column.valid.data() + r + i;
    add(v, present, k, scale, out + i);
  }
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
  if (mirror->mirror_reply.size() != n) return Corrupt("bad mirror flags", g, c);
  if (n == 0) return DecodeStored(g, c, n, out);
  if (!mirror->mirror_ready) {
    // One pass, no branch: a reply takes the position of the stored row
    // before it, a stored row the next position.
    mirror->mirror_pos.resize(n);
    uint32_t* pos = mirror->mirror_pos.data();
    const uint8_t* reply = mirror->mirror_reply.data();
    uint32_t j = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = reply[i];
      pos[i] = j - r;
      j += 1 - r;
    }
    mirror->mirror_rows = j;  // on the flags: how many rows are stored
    mirror->mirror_ready = true;
  }
  const size_t stored = mirror->mirror_rows;
  if (stored == n) return DecodeStored(g, c, n, out);
  if (mirror->mirror_reply[0]) return Corrupt("a reply in the first row", g, c);
  // Both columns' stored rows: the counterpart supplies this one's replies.
  // Nothing is expanded here (Emit finds each handed-out row's side); the
  // sides are made alike so that a row's side is a mere index: validity
  // flags on both or neither, IPv6 flags likewise.
  Decoded *own, *theirs;
  RETURN_IF_ERROR(LoadStored(g, c, stored, &own));
  RETURN_IF_ERROR(LoadStored(g, static_cast<size_t>(other), stored, &theirs));
  const bool address = meta.kind == ColumnKind::kAddress;
  bool ok = own->column.kind == theirs->column.kind;
  if (ok && own->form == Form::kLazyAddress && theirs->form == Form::kLazyAddress) {
    ok = own->lazy.rows == stored && theirs->lazy.rows == stored;  // aligned as they are
  } else if (ok) {
    ok = Expand(own) && Expand(theirs) && AlignSides(own, theirs, stored, address);
  }
  if (!ok) return Corrupt("mirrored rows do not match the stored ones", g, c);
  out->form = Form::kMirrored;
  out->column.ints.clear();
  out->side[0] = own;
  out->side[1] = theirs;
  out->pos = mirror->mirror_pos.data();
  out->reply = mirror->mirror_reply.data();
  out->mirror_rows = n;
  out->column.field_id = own->column.field_id;
  out->column.kind = own->column.kind;
  out->payload = own->payload;
  return Status::Ok();
}

bool SegmentReader::AlignSides(Decoded* own, Decoded* theirs, size_t stored, bool address) {
  auto sized = [&](const auto& v) { return v.size() == stored; };
  auto align = [&](auto member, uint8_t fill) {
    auto& a = own->*member;
    auto& b = theirs->*member;
    if (a.empty() != b.empty()) (a.empty() ? a : b).assign(stored, fill);
    return a.empty() || (sized(a) && sized(b));
  };
  bool ok = own->form == theirs->form && (own->form == Form::kAddress) == address;
  if (ok && (!own->column.valid.empty() || !theirs->column.valid.empty())) {
    std::vector<uint8_t>& a = own->column.valid;
    std::vector<uint8_t>& b = theirs->column.valid;
    if (a.empty() != b.empty()) (a.empty() ? a : b).assign(stored, 1);
    ok = sized(a) && sized(b);
  }
  if (ok && address) {
    ok = sized(own->small) && sized(theirs->small) && align(&Decoded::v6, 0);
  } else if (ok) {
    ok = own->form == Form::kPlain && sized(own->column.ints) && sized(theirs->column.ints);
  }
  return ok;
}

bool SegmentReader::Expand(Decoded* d) {
  if (d->form == Form::kMirrored) {
    if (d->side[0]->form != Form::kLazyAddress && d->side[1]->form != Form::kLazyAddress) {
      return true;
    }
    return Expand(d->side[0]) && Expand(d->side[1]) &&
           AlignSides(d->side[0], d->side[1], d->side[0]->small.size(), true);
  }
  if (d->form == Form::kPlanar) {
    // (A vector that grows is zero-filled: this is the rarer path.)
    d->column.ints.resize(d->planar.rows);
    IntRange(*d, 0, d->planar.rows, d->column.ints.data());
    d->form = Form::kPlain;
    d->planar.usable = false;
    d->ref = nullptr;
    return true;
  }
  if (d->form != Form::kLazyAddress) return true;
  Decoder dec(d->lazy_bytes);
  const bool ok = DecodeCompactAddressColumn(&dec, d->lazy.rows, &d->small, &d->v6, &d->v6s,
                                             &d->column.valid) &&
                  dec.done();
  // A chunk that fails stays lazy (it may be cached): a later use fails the
  // same way instead of reading a half-filled `small`.
  if (!ok) return false;
  d->form = Form::kAddress;
  d->lazy.usable = false;
  return true;
}

bool SegmentReader::Emit(const Decoded& d, std::span<const uint32_t> rows, bool codes,
                         FieldColumn* col) {
  const size_t m = rows.size();
  // Each output vector is sized to m (a no-op for a column reused from the
  // block before, which had as many rows: no zero-fill) and overwritten, or
  // emptied when the chunk has none of it.
  bool ints = false, addrs = false, strings = false, code = false, valid = false;
  // `loc(r)` gives the side (0 or 1) and the position of row r's value. Why
  // it is fast: the loops are instantiated for plain chunks (side 0, position
  // r: the same loop as a copy) and for mirrored ones, where the side is an
  // index into two base pointers (no branch per row, nothing expanded for
  // rows not handed out). Benchmark: bench/segment_bench.cc BM_ReadSelected, BM_ReadColumn.
  bool ok = true;
  auto emit = [&](const Decoded& s0, const Decoded& s1, auto loc) {
    if (s0.form == Form::kLazyAddress) {
      // A few rows of a lazy chunk: each found through the ranks (see
      // LazyAddressColumn), nothing unpacked for the others.
      const LazyAddressColumn* side[2] = {&s0.lazy, &s1.lazy};
      const bool flags = s0.lazy.valid_bits != nullptr || s1.lazy.valid_bits != nullptr;
      col->addrs.resize(m);
      addrs = true;
      valid = flags;
      if (flags) col->valid.resize(m);
      for (size_t i = 0; i < m; ++i) {
        auto [k, p] = loc(rows[i]);
        bool present;
        ok &= side[k]->At(p, &col->addrs[i], &present);
        if (flags) col->valid[i] = present;
      }
      return;
    }
    if (s0.form == Form::kAddress) {
      const uint32_t* small[2] = {s0.small.data(), s1.small.data()};
      col->addrs.resize(m);
      IpAddress* o = col->addrs.data();
      addrs = true;
      if (s0.v6.empty()) {
        for (size_t i = 0; i < m; ++i) {
          auto [k, p] = loc(rows[i]);
          o[i] = IpAddress::V4(small[k][p]);
        }
      } else {
        const Decoded* side[2] = {&s0, &s1};
        for (size_t i = 0; i < m; ++i) {
          auto [k, p] = loc(rows[i]);
          o[i] = side[k]->AddressAt(p);
        }
      }
    } else if (s0.form == Form::kDict) {
      if (codes && !s0.dict.empty()) {
        col->codes.resize(m);
        for (size_t i = 0; i < m; ++i) col->codes[i] = s0.small[rows[i]];
        col->dict = s0.dict;
        code = true;
      } else {
        col->strings.resize(m);
        for (size_t i = 0; i < m; ++i) col->strings[i] = s0.dict[s0.small[rows[i]]];
        strings = true;
      }
    } else if (!s0.column.ints.empty()) {
      const int64_t* v[2] = {s0.column.ints.data(), s1.column.ints.data()};
      col->ints.resize(m);
      int64_t* o = col->ints.data();
      for (size_t i = 0; i < m; ++i) {
        auto [k, p] = loc(rows[i]);
        o[i] = v[k][p];
      }
      ints = true;
    } else if (!s0.column.addrs.empty()) {
      col->addrs.resize(m);
      for (size_t i = 0; i < m; ++i) col->addrs[i] = s0.column.addrs[rows[i]];
      addrs = true;
    } else if (!s0.column.strings.empty()) {
      col->strings.resize(m);
      for (size_t i = 0; i < m; ++i) col->strings[i] = s0.column.strings[rows[i]];
      strings = true;
    }
    if (!s0.column.valid.empty()) {
      const uint8_t* v[2] = {s0.column.valid.data(), s1.column.valid.data()};
      col->valid.resize(m);
      for (size_t i = 0; i < m; ++i) {
        auto [k, p] = loc(rows[i]);
        col->valid[i] = v[k][p];
      }
      valid = true;
    }
  };
  if (d.form == Form::kMirrored) {
    emit(*d.side[0], *d.side[1],
         [&](uint32_t r) { return std::pair<size_t, uint32_t>(d.reply[r], d.pos[r]); });
  } else if ((d.form == Form::kPlain || d.form == Form::kPlanar) &&
             (m == 0 || rows[m - 1] - rows[0] + 1 == m)) {
    // A run of rows of a plain chunk (every row of a block no filter
    // thinned): one copy per vector, no gather; of a planar one, its values
    // rebuilt in place.
    const FieldColumn& from = d.column;
    const size_t r = m == 0 ? 0 : rows[0];
    auto copy = [&](const auto& v, auto* to) {
      if (v.empty()) return false;
      to->assign(v.begin() + r, v.begin() + r + m);
      return true;
    };
    if (d.form == Form::kPlanar) {
      col->ints.resize(m);
      IntRange(d, r, m, col->ints.data());
      ints = true;
    } else {
      ints = copy(from.ints, &col->ints);
      addrs = !ints && copy(from.addrs, &col->addrs);
      strings = !ints && !addrs && copy(from.strings, &col->strings);
    }
    valid = copy(from.valid, &col->valid);
  } else if (d.form == Form::kPlanar) {
    return false;  // (Read expands one for rows other than a run)
  } else {
    emit(d, d, [](uint32_t r) { return std::pair<size_t, uint32_t>(0, r); });
  }
  if (!ints) col->ints.clear();
  if (!addrs) col->addrs.clear();
  if (!strings) col->strings.clear();
  if (!code) col->codes.clear(), col->dict.clear();
  if (!valid) col->valid.clear();
  return ok;
}

void SegmentReader::Materialize(Decoded* d) {
  FieldColumn& col = d->column;
  if (d->form == Form::kMirrored) {
    std::vector<uint32_t> all(d->mirror_rows);
    for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    Emit(*d, all, false, &col);  // (Read expanded a lazy column first)
    d->side[0] = d->side[1] = nullptr;
  } else if (d->form == Form::kAddress) {
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

SegmentReader::~SegmentReader() {
  Recycle(&cache_);
  Recycle(&stored_cache_);
}

namespace {
constexpr size_t kMaxSpares = 32;  // more columns than a segment has
}

// The per-thread spares (see the header). The spare whose buffer for this
// kind of column is the largest: a vector resized up to its old size fills
// nothing, so an int chunk decodes over the last int chunk's values and an
// address or string chunk over the last one's 32-bit values (a 64K-row chunk
// into an emptied vector would zero-fill 512 KB first).
SegmentReader::Decoded SegmentReader::Fresh(const ColumnMeta& column) {
  std::vector<Decoded>& spares = Spares();
  Decoded d;
  if (spares.empty()) return d;
  // (The reply flags decode into bytes, not ints: DecodeStored.)
  const bool ints = (column.kind == ColumnKind::kInt || column.kind == ColumnKind::kTime) &&
                    column.id != format::kColMirror;
  // An address or string chunk empties the ints (DecodeStored): it takes the
  // spare with the most 32-bit values and the fewest ints, so that the sized
  // ints stay for the int chunks (each regrown vector would be zero-filled).
  auto size = [&](const Decoded& x) {
    const auto a = static_cast<int64_t>(x.column.ints.size());
    const auto b = static_cast<int64_t>(x.small.size());
    return ints ? a : b - a;
  };
  auto best =
      std::max_element(spares.begin(), spares.end(),
                       [&](const Decoded& a, const Decoded& b) { return size(a) < size(b); });
  d = std::move(*best);
  *best = std::move(spares.back());
  spares.pop_back();
  return d;
}

std::vector<SegmentReader::Decoded>& SegmentReader::Spares() {
  thread_local std::vector<Decoded> spares;
  return spares;
}

void SegmentReader::Recycle(std::map<size_t, Decoded>* cache) {
  std::vector<Decoded>& spares = Spares();
  for (auto& [c, d] : *cache) {
    if (spares.size() >= kMaxSpares) break;
    // Empty but with its capacity: every decoder sizes what it fills.
    d.payload.reset();
    d.form = Form::kPlain;
    // Except the ints, the 32-bit values and the mirror positions: a chunk
    // is decoded over them (DecodeStored clears the ints for the other
    // kinds; a form that reads `small` or the positions sets them first), so
    // the common same-size case fills nothing twice.
    FieldColumn& col = d.column;
    col.addrs.clear();
    col.strings.clear();
    col.valid.clear();
    col.codes.clear();
    col.dict.clear();
    d.v6.clear();
    d.v6s.clear();
    d.dict.clear();
    d.mirror_ready = false;
    d.lazy.usable = false;
    d.planar.usable = false;
    d.ref = nullptr;
    d.side[0] = d.side[1] = nullptr;
    d.pos = nullptr;
    d.reply = nullptr;
    d.mirror_rows = 0;
    spares.push_back(std::move(d));
  }
  cache->clear();
}

Status SegmentReader::LoadStored(size_t g, size_t c, size_t n, Decoded** out) {
  auto it = stored_cache_.find(c);
  if (it == stored_cache_.end()) {
    Decoded d = Fresh(footer_->columns[c]);
    RETURN_IF_ERROR(DecodeStored(g, c, n, &d));
    it = stored_cache_.emplace(c, std::move(d)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

Status SegmentReader::LoadColumn(size_t g, size_t c, Decoded** out) {
  if (cached_row_group_ != g) {
    Recycle(&cache_);
    Recycle(&stored_cache_);
    cached_row_group_ = g;
  }
  auto it = cache_.find(c);
  if (it == cache_.end()) {
    Decoded d = Fresh(footer_->columns[c]);
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
void Slice(const std::vector<T>& from, size_t begin, size_t n,
           const std::span<const uint32_t>* rows, std::vector<T>* to) {
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
  // The block's columns are refilled in place (Emit): their vectors keep
  // their size and capacity from the block before, so a block of as many
  // rows allocates and zero-fills nothing.
  std::vector<FieldColumn> reused = std::move(out->fields);
  std::vector<uint64_t> ids = std::move(out->row_ids);
  std::vector<int64_t> times[2] = {std::move(out->timestamps), std::move(out->ingestion_times)};
  out->Clear();
  reused.resize(req.fields.size());
  if (req.row_ids) out->row_ids = std::move(ids);
  if (req.timestamp) out->timestamps = std::move(times[0]);
  if (req.ingestion_time) out->ingestion_times = std::move(times[1]);
  auto it = std::upper_bound(row_group_start_.begin(), row_group_start_.end(), first_row);
  if (it == row_group_start_.begin()) return Status::OutOfRange("no such row");
  size_t g = static_cast<size_t>(it - row_group_start_.begin()) - 1;
  size_t begin = first_row - row_group_start_[g];
  if (begin + count > footer_->row_groups[g].rows) {
    return Status::OutOfRange(
        fmt::format("rows {}+{} are not in one row group of {}", first_row, count, path_));
  }
  // The rows handed out, as positions in the row group.
  // Branch-free: every row is written, the next one goes past it only if kept.
  // The reader's buffer only grows: no allocation or zero-fill per block.
  if (rows_.size() < count) rows_.resize(count);
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    rows_[kept] = static_cast<uint32_t>(begin + i);
    kept += keep == nullptr || keep[i] != 0;
  }
  const std::span<const uint32_t> rows(rows_.data(), kept);
  const std::span<const uint32_t>* sel = keep ? &rows : nullptr;
  out->size = rows.size();
  if (req.row_ids) {
    out->row_ids.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) out->row_ids[i] = row_group_start_[g] + rows[i];
  }
  out->keep_alive.push_back(footer_);
  auto load = [&](uint16_t id, Decoded** d) -> Status {
    int c = footer_->ColumnIndex(id);
    if (c < 0) return Status::DataLoss(fmt::format("{}: no column {}", path_, id));
    return LoadColumn(g, static_cast<size_t>(c), d);
  };
  // Rows that are a run (no selection) are rebuilt or copied straight into
  // the block; a selection is gathered from the chunk unpacked whole.
  const bool run = rows.empty() || rows.back() - rows.front() + 1 == rows.size();
  auto read_times = [&](uint16_t id, std::vector<int64_t>* to) -> Status {
    Decoded* d;
    RETURN_IF_ERROR(load(id, &d));
    if (!IsIntChunk(*d, footer_->row_groups[g].rows)) {
      return Corrupt("not a time column", g, static_cast<size_t>(footer_->ColumnIndex(id)));
    }
    if (run) {
      to->resize(rows.size());
      if (!rows.empty()) IntRange(*d, rows.front(), rows.size(), to->data());
    } else {
      Expand(d);
      Slice(d->column.ints, begin, count, sel, to);
    }
    return Status::Ok();
  };
  if (req.timestamp) RETURN_IF_ERROR(read_times(format::kColTimestamp, &out->timestamps));
  if (req.ingestion_time) RETURN_IF_ERROR(read_times(format::kColIngestionTime, &out->ingestion_times));
  Decoded* d;
  if (req.log_stream) {
    RETURN_IF_ERROR(load(format::kColStream, &d));
    if (!Expand(d) || !IsIntChunk(*d, footer_->row_groups[g].rows)) {
      return Corrupt("not a stream column", g, static_cast<size_t>(footer_->ColumnIndex(format::kColStream)));
    }
    for (uint32_t r : rows) {
      int64_t s = d->column.ints[r];
      if (s < 0 || static_cast<uint64_t>(s) >= footer_->streams.size()) {
        return Status::DataLoss(path_ + ": stream index out of range");
      }
      out->streams.push_back(footer_->streams[static_cast<size_t>(s)]);
    }
  }
  out->fields = std::move(reused);
  for (size_t f = 0; f < req.fields.size(); ++f) {
    const int field = req.fields[f];
    FieldColumn& col = out->fields[f];
    col.field_id = field;
    col.kind = Catalog()[static_cast<size_t>(field)].kind;
    int c = footer_->ColumnIndex(static_cast<uint16_t>(field));
    if (c < 0) {
      col = MissingColumn(field, rows.size());  // not in this segment's layout
    } else {
      RETURN_IF_ERROR(LoadColumn(g, static_cast<size_t>(c), &d));
      // A lazy chunk stays so for a block that hands out at most an eighth
      // of its rows (rows found one by one cost about eight times a row of
      // a chunk unpacked whole).
      bool ok = !IsLazy(*d) || rows.size() * 8 <= count || Expand(d);
      ok = ok && (d->form != Form::kPlanar || run || Expand(d));
      ok = ok && Emit(*d, rows, req.codes, &col);
      if (!ok) return Corrupt("malformed column data", g, static_cast<size_t>(c));
      out->keep_alive.push_back(d->payload);
    }
  }
  if (req.raw_messages && !req.message) {
    Decoded* raw;
    RETURN_IF_ERROR(load(format::kColRawMessage, &raw));
    out->keep_alive.push_back(raw->payload);
    out->raw_kept.resize(rows.size());
    out->messages.resize(rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      const bool kept = raw->column.IsValid(rows[k]);
      out->raw_kept[k] = kept;
      if (kept) out->messages[k] = raw->column.strings[rows[k]];
    }
  }
  if (req.message) {
    Decoded* raw;
    RETURN_IF_ERROR(load(format::kColRawMessage, &raw));
    out->keep_alive.push_back(raw->payload);
    std::vector<const FieldColumn*> layout_cols;
    if (layout_) {
      for (size_t i = 0; i < layout_->size(); ++i) {
        const uint16_t id = static_cast<uint16_t>(layout_->field(i).id);
        RETURN_IF_ERROR(load(id, &d));
        if (!Expand(d)) {
          return Corrupt("malformed column data", g, static_cast<size_t>(footer_->ColumnIndex(id)));
        }
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

Status SegmentReader::View(size_t block, uint16_t column_id, ColumnView* out) {
  *out = ColumnView();
  if (block >= blocks_.size()) return Status::OutOfRange("no such block");
  const Block& b = blocks_[block];
  out->first = b.first_row - row_group_start_[b.row_group];
  out->rows = b.count;
  int c = footer_->ColumnIndex(column_id);
  if (c < 0) return Status::Ok();
  Decoded* d;
  RETURN_IF_ERROR(LoadColumn(b.row_group, static_cast<size_t>(c), &d));
  if (!Expand(d)) return Corrupt("malformed column data", b.row_group, static_cast<size_t>(c));
  const Decoded* side[2] = {d, d};
  if (d->form == Form::kMirrored) {
    side[0] = d->side[0];
    side[1] = d->side[1];
    out->pos = d->pos;
    out->reply = d->reply;
  }
  // DecodeMirrored made both sides alike (form, validity and IPv6 flags).
  const Form form = side[0]->form;
  const size_t n = footer_->row_groups[b.row_group].rows;
  for (int k = 0; k < 2; ++k) {
    const Decoded& s = *side[k];
    // A plain chunk has a value per row; DecodeMirrored checked the sides' sizes.
    const size_t values = form == Form::kPlain ? s.column.ints.size() : s.small.size();
    if (s.form != form || (out->pos == nullptr && values != n)) {
      *out = ColumnView();
      return Status::Ok();
    }
    out->valid[k] = s.column.valid.empty() ? nullptr : s.column.valid.data();
    if (form == Form::kPlain && values > 0) {
      out->form = ColumnView::Form::kInts;
      out->ints[k] = s.column.ints.data();
    } else if (form == Form::kAddress) {
      out->form = ColumnView::Form::kAddress;
      out->small[k] = s.small.data();
      out->v6[k] = s.v6.empty() ? nullptr : s.v6.data();
      out->v6s[k] = s.v6s.data();
    } else if (form == Form::kDict) {
      out->form = ColumnView::Form::kCodes;
      out->small[k] = s.small.data();
      out->dict = &s.dict;
    } else {
      *out = ColumnView();
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status SegmentReader::Verify() {
  for (size_t g = 0; g < footer_->row_groups.size(); ++g) {
    for (size_t c = 0; c < footer_->columns.size(); ++c) {
      Decoded* d;
      RETURN_IF_ERROR(LoadColumn(g, c, &d));
      if (!Expand(d)) return Corrupt("malformed column data", g, c);
    }
  }
  return Status::Ok();
}

}  // namespace flowlens::storage
