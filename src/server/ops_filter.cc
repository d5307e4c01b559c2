// FilterLogEvents: the events of a log group (some streams, a time range)
// that match a filter pattern (filter_pattern.h), oldest first or newest
// first, paged with nextToken. Every event carries a stable eventId (the aws
// CLI's `logs tail --follow` de-duplicates by it).
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "server/event_reader.h"
#include "server/filter_pattern.h"
#include "server/json_writer.h"
#include "server/operations.h"

namespace flowlens::server {
namespace {

// 56 digits, as AWS event ids: timestamp, a hash of the rest of the key, rank.
std::string EventId(const FoundEvent& e) {
  uint64_t h = MessageHash(e.key.stream) ^ (e.key.message_hash * 1099511628211ULL) ^
               static_cast<uint64_t>(e.key.ingestion_time_ms) * 0x9e3779b97f4a7c15ULL;
  char buf[64];
  snprintf(buf, sizeof buf, "%019" PRId64 "%020" PRIu64 "%017" PRIu64,
           std::max<int64_t>(0, e.key.timestamp_ms), h, e.rank);
  return buf;
}

}  // namespace

Reply FilterLogEvents(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupOfRequest(in, ctx);
  auto names = in.StringList("logStreamNames", kOptional, 1, 100, 1, 512, NamePattern::kLogStream);
  auto prefix = in.String("logStreamNamePrefix", kOptional, 1, 512, NamePattern::kLogStream);
  auto start = in.Int("startTime", kOptional, 0, INT64_MAX);
  auto end = in.Int("endTime", kOptional, 0, INT64_MAX);
  auto pattern_text = in.String("filterPattern", kOptional, 0, 1024);
  auto token = in.String("nextToken", kOptional, 1, -1);
  auto limit = in.Int("limit", kOptional, 1, 10000);
  auto from_head = in.Bool("startFromHead");
  in.Bool("interleaved");
  in.Bool("unmask");
  if (in.error()) return *in.error();
  if (names && prefix) {
    return ApiError::InvalidParameter(
        "You cannot specify both logStreamNames and logStreamNamePrefix.");
  }
  Result<FilterPattern> pattern = FilterPattern::Parse(pattern_text.value_or(""));
  if (!pattern.ok()) return ApiError::InvalidParameter(pattern.status().message());
  std::shared_ptr<const storage::StoreSnapshot> snap = ctx.store->Snapshot();
  const storage::GroupSnapshot* g = snap->FindGroup(*group);
  if (!g) return NoSuchGroup();

  EventSpec spec;
  spec.group = g;
  std::vector<std::string> wanted;
  if (names) {
    for (std::string_view n : *names) wanted.emplace_back(n);
    spec.want_stream = [&wanted](std::string_view s) {
      return std::find(wanted.begin(), wanted.end(), s) != wanted.end();
    };
  } else if (prefix) {
    std::string p(*prefix);
    spec.want_stream = [p](std::string_view s) { return s.starts_with(p); };
  }
  if (pattern->kind() != FilterPattern::Kind::kAll) {
    const FilterPattern& fp = *pattern;
    spec.want_message = [&fp](std::string_view m) { return fp.Matches(m); };
  }
  if (start) spec.start_ms = *start;
  if (end) spec.end_ms = *end;
  spec.limit = static_cast<size_t>(limit.value_or(10000));
  // Ascending unless startFromHead is false; a token carries its direction.
  spec.backward = !from_head.value_or(true);
  spec.cursor = spec.backward ? Cursor::End() : Cursor::Start();
  if (token && !ResumeFromToken(*token, &spec)) return BadToken();
  Result<EventPage> page = FindEvents(*snap, spec);
  if (!page.ok()) return ApiError::Internal(page.status().message());
  std::vector<FoundEvent>& events = page->events;
  if (spec.backward) std::reverse(events.begin(), events.end());  // newest first
  JsonWriter w;
  w.BeginObject();
  w.Key("events");
  w.BeginArray();
  for (const FoundEvent& e : events) {
    w.BeginObject();
    w.Member("logStreamName", e.key.stream);
    w.Member("timestamp", e.key.timestamp_ms);
    w.Member("message", e.message);
    w.Member("ingestionTime", e.key.ingestion_time_ms);
    w.Member("eventId", EventId(e));
    w.EndObject();
  }
  w.EndArray();
  w.Key("searchedLogStreams");
  w.BeginArray();
  w.EndArray();
  if (page->more && !events.empty()) {
    w.Member("nextToken", EventToken(spec.backward, spec.backward ? events.back().Before()
                                                                  : events.back().After()));
  }
  w.EndObject();
  return w.Take();
}

}  // namespace flowlens::server
