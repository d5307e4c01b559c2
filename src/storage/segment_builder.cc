#include "storage/segment_builder.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "storage/format.h"
#include "storage/segment_writer.h"

namespace flowlens::storage {

size_t ShortStringHash::operator()(std::string_view s) const {
  uint64_t h = s.size() * 0x9E3779B97F4A7C15ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
  }
  return static_cast<size_t>(h ^ (h >> 29));
}

SegmentBuilder::SegmentBuilder(const Layout& layout) : layout_(layout) {
  columns_.resize(layout.size());
  for (size_t i = 0; i < layout.size(); ++i) {
    columns_[i].field_id = static_cast<int>(layout.field(i).id);
    columns_[i].kind = layout.field(i).kind;
  }
  interned_.resize(layout.size());
  last_interned_.resize(layout.size());
}

void SegmentBuilder::Reset() {
  arena_ = Arena();
  for (FieldColumn& c : columns_) c.Clear();
  for (auto& set : interned_) set.clear();
  std::fill(last_interned_.begin(), last_interned_.end(), std::string_view());
  timestamps_.clear();
  ingestion_times_.clear();
  streams_index_.clear();
  raw_.clear();
  lengths_.clear();
  messages_.clear();
  streams_.clear();
  stream_ids_.clear();
  last_stream_ = {};
  last_stream_id_ = 0;
}

std::string_view SegmentBuilder::Intern(size_t column, std::string_view s) {
  // Runs of the same value (one stream's rows come together) skip the hash.
  if (s == last_interned_[column]) return last_interned_[column];
  auto& set = interned_[column];
  auto it = set.find(s);
  if (it == set.end()) it = set.insert(arena_.Store(s)).first;
  last_interned_[column] = *it;
  return *it;
}

void SegmentBuilder::Add(const FlowRecord& record, std::string_view line, bool exact,
                         int64_t timestamp_ms, int64_t ingestion_ms, std::string_view stream) {
  if (stream != last_stream_ || streams_.empty()) {
    auto it = stream_ids_.find(stream);
    if (it == stream_ids_.end()) {
      std::string_view key = arena_.Store(stream);
      it = stream_ids_.emplace(key, static_cast<uint32_t>(streams_.size())).first;
      streams_.push_back({std::string(stream), 0, 0, timestamp_ms, timestamp_ms});
    }
    last_stream_ = it->first;
    last_stream_id_ = it->second;
  }
  StreamLoad& s = streams_[last_stream_id_];
  ++s.events;
  s.bytes += line.size();
  s.first_event_ms = std::min(s.first_event_ms, timestamp_ms);
  s.last_event_ms = std::max(s.last_event_ms, timestamp_ms);

  const size_t row = timestamps_.size();
  timestamps_.push_back(timestamp_ms);
  ingestion_times_.push_back(ingestion_ms);
  streams_index_.push_back(last_stream_id_);
  raw_.push_back(exact ? 0 : 1);
  lengths_.push_back(static_cast<uint32_t>(line.size()));
  messages_.push_back(exact ? std::string_view() : arena_.Store(line));
  for (size_t i = 0; i < columns_.size(); ++i) {
    FieldColumn& c = columns_[i];
    bool present = record.present(i);
    if (!present || !c.valid.empty()) {
      if (c.valid.empty()) c.valid.assign(row, 1);  // the first missing value
      c.valid.push_back(present ? 1 : 0);
    }
    switch (c.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        c.ints.push_back(present ? record.int_at(i) : 0);
        break;
      case ValueKind::kAddress:
        c.addrs.push_back(present ? record.addr_at(i) : IpAddress{});
        break;
      case ValueKind::kString:
        c.strings.push_back(present ? Intern(i, record.str_at(i)) : std::string_view());
        break;
    }
  }
}

namespace {

template <typename T>
void Gather(const std::vector<T>& from, std::span<const uint32_t> rows, std::vector<T>* to) {
  to->resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) (*to)[i] = from[rows[i]];
}

}  // namespace

Result<SegmentFooter> SegmentBuilder::Write(WritableFile* file, uint64_t segment_id,
                                            uint64_t group_id, int zstd_level) {
  // By stream, then time, as WriteSegment orders rows (stable: input order
  // breaks ties). Stream ids are dense, so a counting sort groups the rows by
  // stream in one pass; a stream's rows mostly come in time order already, so
  // a run is sorted only when it is not (a comparison sort of all rows was 5%
  // of an ingest profile).
  std::vector<uint32_t>& order = order_;
  order.resize(rows());
  std::vector<uint32_t> next(streams_.size() + 1, 0);
  for (int64_t s : streams_index_) ++next[static_cast<size_t>(s) + 1];
  std::partial_sum(next.begin(), next.end(), next.begin());
  const std::vector<uint32_t> run_start = next;
  for (uint32_t r = 0; r < rows(); ++r) order[next[static_cast<size_t>(streams_index_[r])]++] = r;
  auto by_time = [this](uint32_t a, uint32_t b) { return timestamps_[a] < timestamps_[b]; };
  for (size_t s = 0; s < streams_.size(); ++s) {
    auto first = order.begin() + run_start[s], last = order.begin() + run_start[s + 1];
    if (!std::is_sorted(first, last, by_time)) std::stable_sort(first, last, by_time);
  }
  std::vector<std::string> names;
  for (const StreamLoad& s : streams_) names.push_back(s.name);
  SegmentEncoder encoder(file, segment_id, group_id, &layout_, std::move(names), zstd_level);
  std::vector<int64_t>&ts = rg_ts_, &ingest = rg_ingest_, &stream = rg_stream_;
  std::vector<uint8_t>& raw = rg_raw_;
  std::vector<std::string_view>& messages = rg_messages_;
  std::vector<FieldColumn>& cols = rg_cols_;
  cols.resize(columns_.size());
  for (size_t first = 0; first < order.size(); first += format::kRowGroupRows) {
    size_t n = std::min<size_t>(format::kRowGroupRows, order.size() - first);
    std::span<const uint32_t> rows(order.data() + first, n);
    Gather(timestamps_, rows, &ts);
    Gather(ingestion_times_, rows, &ingest);
    Gather(streams_index_, rows, &stream);
    Gather(raw_, rows, &raw);
    Gather(messages_, rows, &messages);
    for (size_t c = 0; c < cols.size(); ++c) {
      const FieldColumn& from = columns_[c];
      FieldColumn& to = cols[c];
      to.field_id = from.field_id;
      to.kind = from.kind;
      if (from.valid.empty()) {
        to.valid.clear();  // all present
      } else {
        Gather(from.valid, rows, &to.valid);
      }
      if (!from.ints.empty()) Gather(from.ints, rows, &to.ints);
      if (!from.addrs.empty()) Gather(from.addrs, rows, &to.addrs);
      if (!from.strings.empty()) Gather(from.strings, rows, &to.strings);
    }
    uint64_t message_bytes = 0;
    for (uint32_t r : rows) message_bytes += lengths_[r];
    RETURN_IF_ERROR(encoder.AddRowGroup({ts, ingest, stream, raw, messages, cols, message_bytes}));
  }
  return encoder.Finish();
}

}  // namespace flowlens::storage
