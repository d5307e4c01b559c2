// EventChunk: events of one stream that are in the WAL but not yet in a
// segment, as one immutable block of memory (all messages in one string).
// Snapshots share chunks by shared_ptr; a chunk never changes once built.
//
//   auto chunk = std::make_shared<EventChunk>();
//   chunk->stream = "eni-1"; chunk->Add(ts, ingest, line);
//
// Thread safety: immutable once shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowlens::storage {

struct EventChunk {
  struct Item {
    int64_t timestamp_ms;
    int64_t ingestion_time_ms;
    uint64_t offset;  // into text
    uint32_t length;
  };
  std::string stream;
  std::string text;
  std::vector<Item> events;

  void Add(int64_t timestamp_ms, int64_t ingestion_time_ms, std::string_view message) {
    events.push_back(
        {timestamp_ms, ingestion_time_ms, text.size(), static_cast<uint32_t>(message.size())});
    text.append(message);
  }
  std::string_view message(size_t i) const {
    return std::string_view(text).substr(events[i].offset, events[i].length);
  }
  size_t size() const { return events.size(); }
};

}  // namespace flowlens::storage
