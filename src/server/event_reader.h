// Reading events of a log group for GetLogEvents and FilterLogEvents: a page
// of events in the order AWS gives them (timestamp, ingestion time, stream,
// then a hash of the message), after or before a cursor, holding in memory
// only about twice the page, whatever the size of the group. Segments whose
// time range or stream list rule them out are not read; messages are decoded
// only for blocks with a candidate row.
//
//   EventPage page = FindEvents(*snap, spec);   // spec.cursor from a token
//   Cursor next = page.events.back().After();   // for nextForwardToken
//
// Thread safety: pure function of an immutable snapshot.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/snapshot.h"

namespace flowlens::server {

struct EventKey {
  int64_t timestamp_ms = 0;
  int64_t ingestion_time_ms = 0;
  std::string stream;
  uint64_t message_hash = 0;
  friend auto operator<=>(const EventKey&, const EventKey&) = default;
  friend bool operator==(const EventKey&, const EventKey&) = default;
};

// A position between events: after every event with a smaller key and after
// the first `dup` events with an equal key (events can be identical).
struct Cursor {
  EventKey key;
  uint64_t dup = 0;
  static Cursor Start() { return Cursor{{std::numeric_limits<int64_t>::min(), 0, {}, 0}, 0}; }
  static Cursor End() { return Cursor{{std::numeric_limits<int64_t>::max(), 0, {}, 0}, 0}; }
  std::string Encode() const;
  static std::optional<Cursor> Decode(std::string_view text);
};

struct FoundEvent {
  EventKey key;
  std::string message;
  uint64_t rank = 0;  // among events with the same key
  Cursor After() const { return Cursor{key, rank + 1}; }
  Cursor Before() const { return Cursor{key, rank}; }
};

struct EventSpec {
  const storage::GroupSnapshot* group = nullptr;
  std::function<bool(std::string_view stream)> want_stream;    // null: every stream
  std::function<bool(std::string_view message)> want_message;  // null: every event
  int64_t start_ms = std::numeric_limits<int64_t>::min();      // inclusive
  int64_t end_ms = std::numeric_limits<int64_t>::max();        // inclusive
  Cursor cursor = Cursor::Start();
  bool backward = false;  // the last events before the cursor, not the first after
  size_t limit = 10000;
  size_t max_bytes = 1 << 20;  // of messages in a page (at least one event)
};

struct EventPage {
  std::vector<FoundEvent> events;  // ascending
  bool more = false;               // events beyond the page in its direction
};

// Reads a GetLogEvents/FilterLogEvents token ("f/..." forward, "b/..."
// backward) into spec->cursor and spec->backward; false when malformed.
bool ResumeFromToken(std::string_view token, EventSpec* spec);
// The token of a position: "f/" or "b/" + the encoded cursor.
std::string EventToken(bool backward, const Cursor& cursor);

Result<EventPage> FindEvents(const storage::StoreSnapshot& snapshot, const EventSpec& spec);

uint64_t MessageHash(std::string_view message);

}  // namespace flowlens::server
