#include "storage/segment_footer.h"

#include "storage/coding.h"

namespace flowlens::storage {
namespace {

void PutAddress(std::string* out, const IpAddress& a) {
  out->push_back(a.v6 ? 1 : 0);
  PutFixed64(out, a.hi);
  PutFixed64(out, a.lo);
}

IpAddress GetAddress(Decoder* d) {
  IpAddress a;
  a.v6 = d->Byte() != 0;
  a.hi = d->Fixed64();
  a.lo = d->Fixed64();
  return a;
}

}  // namespace

int SegmentFooter::ColumnIndex(uint16_t id) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

ColumnKind StoredKindOf(ValueKind k) {
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

void MergeStats(ColumnStats* a, const ColumnStats& b) {
  a->nulls += b.nulls;
  if (!b.has_range) return;
  if (!a->has_range) {
    uint64_t nulls = a->nulls;
    *a = b;
    a->nulls = nulls;
    return;
  }
  a->min = std::min(a->min, b.min);
  a->max = std::max(a->max, b.max);
  if (b.min_addr < a->min_addr) a->min_addr = b.min_addr;
  if (a->max_addr < b.max_addr) a->max_addr = b.max_addr;
}

ColumnStats SegmentFooter::Stats(uint16_t id) const {
  ColumnStats s;
  int c = ColumnIndex(id);
  if (c < 0) {
    s.nulls = rows;
    return s;
  }
  for (const RowGroupMeta& rg : row_groups) MergeStats(&s, rg.chunks[static_cast<size_t>(c)].stats);
  return s;
}

std::string EncodeFooter(const SegmentFooter& f) {
  std::string out;
  PutVarint64(&out, f.segment_id);
  PutVarint64(&out, f.group_id);
  PutVarint64(&out, f.rows);
  PutSigned(&out, f.min_timestamp_ms);
  PutSigned(&out, f.max_timestamp_ms);
  PutSigned(&out, f.min_ingestion_ms);
  PutSigned(&out, f.max_ingestion_ms);
  PutString(&out, f.format);
  PutVarint64(&out, f.streams.size());
  for (const std::string& s : f.streams) PutString(&out, s);
  PutVarint64(&out, f.columns.size());
  for (const ColumnMeta& c : f.columns) {
    PutVarint64(&out, c.id);
    out.push_back(static_cast<char>(c.kind));
    out.push_back(static_cast<char>(c.reference));
  }
  PutVarint64(&out, f.row_groups.size());
  for (const RowGroupMeta& rg : f.row_groups) {
    PutVarint64(&out, rg.rows);
    PutVarint64(&out, rg.message_bytes);
    for (size_t i = 0; i < f.columns.size(); ++i) {
      const ChunkMeta& m = rg.chunks[i];
      PutVarint64(&out, m.offset);
      PutVarint64(&out, m.length);
      PutFixed32(&out, m.crc);
      PutVarint64(&out, m.stats.nulls);
      out.push_back(m.stats.has_range ? 1 : 0);
      if (!m.stats.has_range) continue;
      if (f.columns[i].kind == ColumnKind::kAddress) {
        PutAddress(&out, m.stats.min_addr);
        PutAddress(&out, m.stats.max_addr);
      } else {
        PutSigned(&out, m.stats.min);
        PutSigned(&out, m.stats.max);
      }
    }
  }
  return out;
}

Result<SegmentFooter> DecodeFooter(std::string_view bytes, uint32_t version) {
  Decoder d(bytes);
  SegmentFooter f;
  f.has_message_bytes = version >= 3;
  f.segment_id = d.Varint64();
  f.group_id = d.Varint64();
  f.rows = d.Varint64();
  f.min_timestamp_ms = d.Signed();
  f.max_timestamp_ms = d.Signed();
  f.min_ingestion_ms = d.Signed();
  f.max_ingestion_ms = d.Signed();
  f.format = std::string(d.String());
  size_t n = d.Count(d.remaining());
  for (size_t i = 0; i < n && !d.failed(); ++i) f.streams.emplace_back(d.String());
  n = d.Count(d.remaining() / 3);
  for (size_t i = 0; i < n && !d.failed(); ++i) {
    ColumnMeta c;
    c.id = static_cast<uint16_t>(d.Count(0xffff));
    uint8_t kind = d.Byte();
    uint8_t ref = d.Byte();
    if (kind > static_cast<uint8_t>(ColumnKind::kRaw) ||
        ref > static_cast<uint8_t>(format::IntReference::kMirror))
      d.Fail();
    c.kind = static_cast<ColumnKind>(kind);
    c.reference = static_cast<format::IntReference>(ref);
    f.columns.push_back(c);
  }
  n = d.Count(d.remaining());
  uint64_t total_rows = 0;
  for (size_t g = 0; g < n && !d.failed(); ++g) {
    RowGroupMeta rg;
    rg.rows = static_cast<uint32_t>(d.Count(format::kRowGroupRows));
    total_rows += rg.rows;
    if (f.has_message_bytes) rg.message_bytes = d.Varint64();
    for (size_t i = 0; i < f.columns.size() && !d.failed(); ++i) {
      ChunkMeta m;
      m.offset = d.Varint64();
      m.length = static_cast<uint32_t>(d.Count(0xffffffffu));
      m.crc = d.Fixed32();
      m.stats.nulls = d.Count(rg.rows);
      m.stats.has_range = d.Byte() != 0;
      if (m.stats.has_range) {
        if (f.columns[i].kind == ColumnKind::kAddress) {
          m.stats.min_addr = GetAddress(&d);
          m.stats.max_addr = GetAddress(&d);
        } else {
          m.stats.min = d.Signed();
          m.stats.max = d.Signed();
        }
      }
      rg.chunks.push_back(m);
    }
    f.row_groups.push_back(std::move(rg));
  }
  if (d.failed() || !d.done() || total_rows != f.rows) {
    return Status::DataLoss("malformed segment footer");
  }
  return f;
}

}  // namespace flowlens::storage
