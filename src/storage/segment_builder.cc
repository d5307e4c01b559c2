#include "storage/segment_builder.h"

#include <algorithm>
#include <numeric>

#include "storage/format.h"
#include "storage/segment_writer.h"

namespace flowlens::storage {

SegmentBuilder::SegmentBuilder(const Layout& layout) : layout_(layout) {
  columns_.resize(layout.size());
  for (size_t i = 0; i < layout.size(); ++i) {
    columns_[i].field_id = static_cast<int>(layout.field(i).id);
    columns_[i].kind = layout.field(i).kind;
  }
  interned_.resize(layout.size());
  last_interned_.resize(layout.size());
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

  timestamps_.push_back(timestamp_ms);
  ingestion_times_.push_back(ingestion_ms);
  streams_index_.push_back(last_stream_id_);
  raw_.push_back(exact ? 0 : 1);
  lengths_.push_back(static_cast<uint32_t>(line.size()));
  messages_.push_back(exact ? std::string_view() : arena_.Store(line));
  for (size_t i = 0; i < columns_.size(); ++i) {
    FieldColumn& c = columns_[i];
    bool present = record.present(i);
    c.valid.push_back(present ? 1 : 0);
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
  // By stream, then time, as WriteSegment orders rows (stable: input order breaks ties).
  std::vector<uint32_t> order(rows());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    return streams_index_[a] != streams_index_[b] ? streams_index_[a] < streams_index_[b]
                                                  : timestamps_[a] < timestamps_[b];
  });
  std::vector<std::string> names;
  for (const StreamLoad& s : streams_) names.push_back(s.name);
  SegmentEncoder encoder(file, segment_id, group_id, &layout_, std::move(names), zstd_level);
  std::vector<int64_t> ts, ingest, stream;
  std::vector<uint8_t> raw;
  std::vector<std::string_view> messages;
  std::vector<FieldColumn> cols(columns_.size());
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
      Gather(from.valid, rows, &to.valid);
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
