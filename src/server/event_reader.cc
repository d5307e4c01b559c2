#include "server/event_reader.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "server/operations.h"

namespace flowlens::server {

uint64_t MessageHash(std::string_view m) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : m) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Cursor::Encode() const {
  char head[96];
  snprintf(head, sizeof head, "%" PRId64 ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ",", key.timestamp_ms,
           key.ingestion_time_ms, key.message_hash, dup);
  return EncodeToken("", std::string(head) + key.stream);
}

std::optional<Cursor> Cursor::Decode(std::string_view text) {
  auto raw = DecodeToken("", text);
  if (!raw) return std::nullopt;
  Cursor c;
  int used = 0;
  long long ts, ing;
  unsigned long long hash, dup;
  if (sscanf(raw->c_str(), "%lld,%lld,%llu,%llu,%n", &ts, &ing, &hash, &dup, &used) != 4 ||
      used <= 0) {
    return std::nullopt;
  }
  c.key = EventKey{ts, ing, raw->substr(static_cast<size_t>(used)), hash};
  c.dup = dup;
  return c;
}

bool ResumeFromToken(std::string_view token, EventSpec* spec) {
  if (token.size() < 2 || (token[0] != 'f' && token[0] != 'b') || token[1] != '/') return false;
  std::optional<Cursor> c = Cursor::Decode(token.substr(2));
  if (!c) return false;
  spec->cursor = *c;
  spec->backward = token[0] == 'b';
  return true;
}

std::string EventToken(bool backward, const Cursor& cursor) {
  return (backward ? "b/" : "f/") + cursor.Encode();
}

namespace {

struct Candidate {
  EventKey key;
  std::string message;
};

}  // namespace

Result<EventPage> FindEvents(const storage::StoreSnapshot& snap, const EventSpec& spec) {
  const size_t keep = spec.limit + 1;
  std::vector<Candidate> found;
  uint64_t equal_seen = 0;  // events with the cursor's key seen so far
  auto before = [&](const Candidate& a, const Candidate& b) {
    return spec.backward ? b.key < a.key : a.key < b.key;
  };
  auto prune = [&] {
    if (found.size() <= keep) return;
    std::nth_element(found.begin(), found.begin() + static_cast<long>(keep - 1), found.end(),
                     before);
    found.resize(keep);
  };
  // Offers one event; returns nothing (errors come from the readers).
  auto offer = [&](std::string_view stream, int64_t ts, int64_t ingestion,
                   std::string_view message) {
    if (spec.want_message && !spec.want_message(message)) return;
    EventKey key{ts, ingestion, std::string(stream), MessageHash(message)};
    auto cmp = key <=> spec.cursor.key;
    if (cmp == 0) {
      bool before_cursor = equal_seen++ < spec.cursor.dup;
      if (before_cursor != spec.backward) return;
    } else if ((cmp < 0) != spec.backward) {
      return;
    }
    found.push_back({std::move(key), std::string(message)});
    if (found.size() > 2 * keep + 1024) prune();
  };
  storage::ColumnRequest cheap;
  cheap.timestamp = cheap.ingestion_time = cheap.log_stream = true;
  storage::ColumnRequest full = cheap;
  full.message = true;
  storage::RowBlock block;
  std::vector<uint8_t> wanted;
  auto scan_block = [&](auto&& read) -> Status {
    RETURN_IF_ERROR(read(cheap));
    wanted.assign(block.size, 0);
    bool any = false;
    for (size_t r = 0; r < block.size; ++r) {
      int64_t ts = block.timestamps[r];
      if (ts < spec.start_ms || ts > spec.end_ms) continue;
      if (spec.want_stream && !spec.want_stream(block.streams[r])) continue;
      wanted[r] = 1;
      any = true;
    }
    if (!any) return Status::Ok();
    std::vector<uint8_t> rows = wanted;
    RETURN_IF_ERROR(read(full));
    for (size_t r = 0; r < block.size; ++r) {
      if (rows[r]) {
        offer(block.streams[r], block.timestamps[r], block.ingestion_times[r], block.messages[r]);
      }
    }
    return Status::Ok();
  };
  const storage::GroupSnapshot& g = *spec.group;
  for (const auto& seg : g.segments) {
    if (seg->entry.max_timestamp_ms < spec.start_ms || seg->entry.min_timestamp_ms > spec.end_ms) {
      continue;
    }
    ASSIGN_OR_RETURN(auto reader, snap.OpenSegment(*seg));
    if (spec.want_stream) {
      const auto& streams = reader->footer().streams;
      if (std::none_of(streams.begin(), streams.end(),
                       [&](const std::string& s) { return spec.want_stream(s); })) {
        continue;
      }
    }
    for (size_t b = 0; b < reader->num_blocks(); ++b) {
      RETURN_IF_ERROR(scan_block(
          [&](const storage::ColumnRequest& req) { return reader->ReadBlock(req, b, &block); }));
    }
  }
  storage::UnflushedReader wal(g);
  for (size_t b = 0; b < wal.num_blocks(); ++b) {
    RETURN_IF_ERROR(scan_block(
        [&](const storage::ColumnRequest& req) { return wal.ReadBlock(req, b, &block); }));
  }
  prune();
  std::sort(found.begin(), found.end(), before);
  EventPage page;
  size_t bytes = 0;
  size_t take = 0;
  while (take < found.size() && take < spec.limit) {
    bytes += found[take].message.size() + 26;
    if (take > 0 && bytes > spec.max_bytes) break;
    ++take;
  }
  page.more = take < found.size();
  for (size_t i = 0; i < take; ++i) {
    page.events.push_back(FoundEvent{std::move(found[i].key), std::move(found[i].message), 0});
  }
  if (spec.backward) std::reverse(page.events.begin(), page.events.end());
  // Ranks among equal keys: the cursor's own key continues from its dup count.
  for (size_t i = 0; i < page.events.size(); ++i) {
    FoundEvent& e = page.events[i];
    if (i > 0 && page.events[i - 1].key == e.key) {
      e.rank = page.events[i - 1].rank + 1;
    } else if (!spec.backward && e.key == spec.cursor.key) {
      e.rank = spec.cursor.dup;
    }
  }
  return page;
}

}  // namespace flowlens::server
