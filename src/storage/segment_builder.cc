#include "storage/segment_builder.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "storage/format.h"
#include "storage/segment_writer.h"

namespace flowlens::storage {

SegmentBuilder::SegmentBuilder(const Layout& layout, int64_t ingestion_ms,
                               std::string fallback_stream)
    : layout_(layout),
      ingestion_ms_(ingestion_ms),
      fallback_stream_(std::move(fallback_stream)),
      iface_pos_(layout.PositionOf(fields::kInterfaceId)) {
  columns_.resize(layout.size());
  for (size_t i = 0; i < layout.size(); ++i) {
    columns_[i].kind = layout.field(i).kind;
    switch (columns_[i].kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        int_pos_.push_back(static_cast<uint32_t>(i));
        break;
      case ValueKind::kAddress:
        addr_pos_.push_back(static_cast<uint32_t>(i));
        break;
      case ValueKind::kString:
        str_pos_.push_back(static_cast<uint32_t>(i));
        break;
    }
  }
}

void SegmentBuilder::Reset() {
  arena_ = Arena();
  for (Column& c : columns_) {
    c.missing.Clear();
    c.placed_valid.clear();
    c.ints.Clear();
    c.addrs.Clear();
    c.ids.clear();
    c.dict.Clear();
  }
  timestamps_.clear();
  streams_index_.clear();
  lengths_.clear();
  raw_.Clear();
  raw_rows_.clear();
  raw_lines_.clear();
  streams_.clear();
  iface_streams_.clear();
  stream_names_.clear();
  fallback_index_ = 0;
}

// After the interface column of this row was interned: its stream is found
// by the interface's id (no string built or hashed per row).
uint32_t SegmentBuilder::StreamOf(const FlowRecord& record, int64_t timestamp_ms) {
  uint32_t* slot = &fallback_index_;
  if (iface_pos_ >= 0 && record.present(static_cast<size_t>(iface_pos_))) {
    const Column& c = columns_[static_cast<size_t>(iface_pos_)];
    const uint32_t id = c.ids.back();
    if (id >= iface_streams_.size()) iface_streams_.resize(c.dict.size(), 0);
    slot = &iface_streams_[id];
  }
  if (*slot == 0) {
    std::string name = fallback_stream_;
    if (slot != &fallback_index_) {
      const Column& c = columns_[static_cast<size_t>(iface_pos_)];
      name.assign(c.dict.at(c.ids.back()));
      name += "-all";
    }
    // A new interface (or the fallback) whose name another one already has
    // (a file named "eni-1-all" and interface "eni-1") shares its stream.
    auto [it, added] = stream_names_.try_emplace(name, static_cast<uint32_t>(streams_.size()));
    if (added) streams_.push_back({std::move(name), 0, 0, timestamp_ms, timestamp_ms});
    *slot = it->second + 1;
  }
  return *slot - 1;
}

// Why it is fast: each kind's columns are appended in a loop of their own
// (positions listed once, at construction): no switch per value, and a
// present value (nearly all of a flow log) sets no validity flag, since
// RowFlags reads a row never appended as unset. Benchmark:
// bench/ingest_bench.cc BM_BuilderAdd.
void SegmentBuilder::Add(const FlowRecord& record, std::string_view line, bool exact,
                         int64_t timestamp_ms) {
  const size_t row = timestamps_.size();
  for (uint32_t i : int_pos_) {
    Column& c = columns_[i];
    const bool present = record.present(i);
    c.ints.Append(present ? record.int_at(i) : 0);
    if (!present) [[unlikely]]
      c.missing.Append(row, true);
  }
  for (uint32_t i : addr_pos_) {
    Column& c = columns_[i];
    const bool present = record.present(i);
    c.addrs.Append(row, present ? record.addr_at(i) : IpAddress{});
    if (!present) [[unlikely]]
      c.missing.Append(row, true);
  }
  for (uint32_t i : str_pos_) {
    Column& c = columns_[i];
    const bool present = record.present(i);
    c.ids.push_back(present ? c.dict.Intern(record.str_at(i), &arena_) : 0);
    if (!present) [[unlikely]]
      c.missing.Append(row, true);
  }
  AddRowInfo(record, line, exact, timestamp_ms);
}

void SegmentBuilder::AddRowInfo(const FlowRecord& record, std::string_view line, bool exact,
                                int64_t timestamp_ms) {
  const size_t row = timestamps_.size();
  const uint32_t stream = StreamOf(record, timestamp_ms);
  StreamLoad& s = streams_[stream];
  ++s.events;
  s.bytes += line.size();
  s.first_event_ms = std::min(s.first_event_ms, timestamp_ms);
  s.last_event_ms = std::max(s.last_event_ms, timestamp_ms);

  timestamps_.push_back(timestamp_ms);
  streams_index_.push_back(stream);
  lengths_.push_back(static_cast<uint32_t>(line.size()));
  raw_.Append(row, !exact);
  if (!exact) {
    raw_rows_.push_back(static_cast<uint32_t>(row));
    raw_lines_.push_back(arena_.Store(line));
  }
}

// By stream, then time, as WriteSegment orders rows (stable: input order
// breaks ties). Stream ids are dense, so a counting sort groups the rows by
// stream in one pass; a stream's rows mostly come in time order already, so
// a run is sorted only when it is not, and then as packed (time, row) keys
// rather than through an indirect comparison (twice as fast on flow logs).
void SegmentBuilder::SortRows() {
  std::vector<uint32_t>& order = order_;
  order.resize(rows());
  std::vector<uint32_t> next(streams_.size() + 1, 0);
  for (uint32_t s : streams_index_) ++next[s + 1];
  std::partial_sum(next.begin(), next.end(), next.begin());
  const std::vector<uint32_t> run_start = next;
  for (uint32_t r = 0; r < rows(); ++r) order[next[streams_index_[r]]++] = r;
  auto by_time = [this](uint32_t a, uint32_t b) { return timestamps_[a] < timestamps_[b]; };
  for (size_t s = 0; s < streams_.size(); ++s) {
    auto first = order.begin() + run_start[s], last = order.begin() + run_start[s + 1];
    if (std::is_sorted(first, last, by_time)) continue;
    auto [lo, hi] = std::minmax_element(first, last, by_time);
    const uint64_t span =
        static_cast<uint64_t>(timestamps_[*hi]) - static_cast<uint64_t>(timestamps_[*lo]);
    if (span >> 32 != 0) {
      std::stable_sort(first, last, by_time);
      continue;
    }
    const int64_t base = timestamps_[*lo];
    keys_.clear();
    for (auto it = first; it != last; ++it) {
      keys_.push_back((static_cast<uint64_t>(timestamps_[*it] - base) << 32) | *it);
    }
    std::sort(keys_.begin(), keys_.end());  // the row in the low half keeps input order on ties
    for (size_t i = 0; i < keys_.size(); ++i)
      first[static_cast<ptrdiff_t>(i)] = static_cast<uint32_t>(keys_[i]);
  }
}

// Why: see MoveToPlaces (segment_builder_columns.h); bench/ingest_bench.cc
// BM_BuilderWrite. Validity flags, sparse, become a byte per stored row,
// cleared where a set flag's row lands. An address column with IPv6 rows and
// the raw lines (both rare) stay in the input order.
void SegmentBuilder::PlaceRows() {
  const size_t n = rows();
  place_.resize(n);
  for (uint32_t k = 0; k < n; ++k) place_[order_[k]] = k;
  const uint32_t* place = place_.data();
  MoveToPlaces(&timestamps_, place, &scratch_i64_);
  MoveToPlaces(&streams_index_, place, &scratch_u32_);
  MoveToPlaces(&lengths_, place, &scratch_u32_);
  for (Column& c : columns_) {
    if (c.missing.any()) {
      c.placed_valid.assign(n, 1);
      c.missing.ForEachSet([&](size_t r) { c.placed_valid[place[r]] = 0; });
    }
    switch (c.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        c.ints.MoveToPlaces(place, &scratch_i32_, &scratch_i64_);
        break;
      case ValueKind::kAddress:
        if (!c.addrs.any_v6()) c.addrs.MoveV4ToPlaces(place, &scratch_u32_);
        break;
      case ValueKind::kString:
        MoveToPlaces(&c.ids, place, &scratch_u32_);
        break;
    }
  }
}

// Stored rows first..first+n as the encoder's FieldColumns: slices of the
// placed columns; `rows` (their input rows) for the columns left in input
// order.
void SegmentBuilder::GatherRowGroup(size_t first, std::span<const uint32_t> rows) {
  const size_t n = rows.size();
  rg_ingest_.assign(n, ingestion_ms_);
  rg_stream_.assign(streams_index_.begin() + static_cast<ptrdiff_t>(first),
                    streams_index_.begin() + static_cast<ptrdiff_t>(first + n));
  rg_raw_.assign(n, 0);
  rg_messages_.resize(n);  // read only where rg_raw_ is 1 (no 16 bytes a row to clear)
  if (raw_.any()) {
    for (size_t i = 0; i < n; ++i) {
      if (!raw_.at(rows[i])) continue;
      rg_raw_[i] = 1;
      auto it = std::lower_bound(raw_rows_.begin(), raw_rows_.end(), rows[i]);
      rg_messages_[i] = raw_lines_[static_cast<size_t>(it - raw_rows_.begin())];
    }
  }
  rg_cols_.resize(columns_.size());
  rg_dicts_.resize(columns_.size());
  rg_v4_spans_.resize(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Column& from = columns_[c];
    FieldColumn& to = rg_cols_[c];
    to.field_id = static_cast<int>(layout_.field(c).id);
    to.kind = from.kind;
    to.valid.clear();  // empty: all present
    if (from.missing.any()) {
      to.valid.assign(from.placed_valid.begin() + static_cast<ptrdiff_t>(first),
                      from.placed_valid.begin() + static_cast<ptrdiff_t>(first + n));
    }
    switch (from.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        if (from.ints.wide()) {
          const int64_t* v = from.ints.wide_data() + first;
          to.ints.assign(v, v + n);
        } else {
          const int32_t* v = from.ints.narrow() + first;
          to.ints.assign(v, v + n);
        }
        break;
      case ValueKind::kAddress:
        rg_v4_spans_[c] = {};
        if (from.addrs.any_v6()) {
          to.addrs.resize(n);
          for (size_t i = 0; i < n; ++i) to.addrs[i] = from.addrs.at(rows[i]);
        } else {  // as 32 bits (RowGroupColumns::v4_addrs), not widened
          to.addrs.clear();
          rg_v4_spans_[c] = std::span<const uint32_t>(from.addrs.bits() + first, n);
        }
        break;
      case ValueKind::kString:  // as codes (SegmentEncoder renumbers them)
        to.strings.clear();
        to.codes.assign(from.ids.begin() + static_cast<ptrdiff_t>(first),
                        from.ids.begin() + static_cast<ptrdiff_t>(first + n));
        rg_dicts_[c] = from.dict.values();
        break;
    }
  }
}

Result<SegmentFooter> SegmentBuilder::Write(WritableFile* file, uint64_t segment_id,
                                            uint64_t group_id, int zstd_level) {
  SortRows();
  PlaceRows();
  std::vector<std::string> names;
  for (const StreamLoad& s : streams_) names.push_back(s.name);
  SegmentEncoder encoder(file, segment_id, group_id, &layout_, std::move(names), zstd_level);
  for (size_t first = 0; first < order_.size(); first += format::kRowGroupRows) {
    size_t n = std::min<size_t>(format::kRowGroupRows, order_.size() - first);
    std::span<const uint32_t> rows(order_.data() + first, n);
    GatherRowGroup(first, rows);
    uint64_t message_bytes = 0;
    for (size_t i = first; i < first + n; ++i) message_bytes += lengths_[i];
    const std::span<const int64_t> ts(timestamps_.data() + first, n);
    RETURN_IF_ERROR(encoder.AddRowGroup({ts, rg_ingest_, rg_stream_, rg_raw_, rg_messages_,
                                         rg_cols_, message_bytes, rg_dicts_, rg_v4_spans_}));
  }
  return encoder.Finish();
}

}  // namespace flowlens::storage
