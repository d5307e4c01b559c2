// Events: PutLogEvents (the ingest path, answered once the events are in the
// write-ahead log) and GetLogEvents (one stream, paged with forward and
// backward tokens). FilterLogEvents is in ops_filter.cc.
#include <string>
#include <vector>

#include "server/event_reader.h"
#include "server/json_writer.h"
#include "server/operations.h"

namespace flowlens::server {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kMaxBatchBytes = 1'048'576;
constexpr int64_t kEventOverhead = 26;
constexpr int64_t kMaxEventBytes = 1'048'576 - kEventOverhead;

}  // namespace

Reply PutLogEvents(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = in.String("logGroupName", kRequired, 1, 512, NamePattern::kLogGroup);
  auto stream = in.String("logStreamName", kRequired, 1, 512, NamePattern::kLogStream);
  const query::JsonNode* list = in.Array("logEvents", kRequired, 1, 10000);
  in.String("sequenceToken", kOptional, 1, -1);  // accepted and ignored, as AWS does now
  if (in.error()) return *in.error();
  std::vector<storage::Event> events;
  events.reserve(list->size);
  int64_t batch_bytes = 0;
  for (size_t i = 0; i < list->size; ++i) {
    const query::JsonNode* e = list->items[i];
    const std::string at = "logEvents." + std::to_string(i + 1) + ".member";
    if (e->type != query::JsonType::kObject) {
      in.Fail(at, "'...'", "Member must be a structure");
      return *in.error();
    }
    const query::JsonNode* ts = e->Get("timestamp");
    const query::JsonNode* msg = e->Get("message");
    if (!ts || ts->type == query::JsonType::kNull) {
      in.Fail(at + ".timestamp", "null", "Member must not be null");
    } else if (ts->type != query::JsonType::kNumber || !ts->is_int) {
      in.Fail(at + ".timestamp", "'...'", "Member must be an integer");
    } else if (ts->i < 0) {
      in.Fail(at + ".timestamp", "'" + std::to_string(ts->i) + "'",
              "Member must have value greater than or equal to 0");
    }
    if (!msg || msg->type == query::JsonType::kNull) {
      in.Fail(at + ".message", "null", "Member must not be null");
    } else if (msg->type != query::JsonType::kString) {
      in.Fail(at + ".message", "'...'", "Member must be a string");
    } else if (msg->s.empty()) {
      in.Fail(at + ".message", "''", "Member must have length greater than or equal to 1");
    } else if (static_cast<int64_t>(msg->s.size()) > kMaxEventBytes) {
      return ApiError::InvalidParameter("Log event too large: " + std::to_string(msg->s.size()) +
                                        " bytes exceeds limit of " +
                                        std::to_string(kMaxEventBytes));
    }
    if (in.error()) return *in.error();
    batch_bytes += static_cast<int64_t>(msg->s.size()) + kEventOverhead;
    events.push_back(storage::Event{ts->i, 0, msg->s});
  }
  if (batch_bytes > kMaxBatchBytes) {
    return ApiError::InvalidParameter("Upload too large: " + std::to_string(batch_bytes) +
                                      " bytes exceeds limit of " + std::to_string(kMaxBatchBytes));
  }
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].timestamp_ms < events[i - 1].timestamp_ms) {
      return ApiError::InvalidParameter(
          "Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  std::shared_ptr<const storage::StoreSnapshot> snap = ctx.store->Snapshot();
  const storage::GroupSnapshot* g = snap->FindGroup(*group);
  if (!g) return NoSuchGroup();
  // Rejected events form a prefix (too old, expired) and a suffix (too new).
  const int64_t now = ctx.now_ms();
  const int64_t n = static_cast<int64_t>(events.size());
  int64_t too_old_end = 0, expired_end = 0, too_new_start = n;
  while (too_old_end < n && events[too_old_end].timestamp_ms < now - 14 * kDayMs) ++too_old_end;
  if (g->info.retention_days > 0) {
    const int64_t oldest = now - g->info.retention_days * kDayMs;
    while (expired_end < n && events[expired_end].timestamp_ms < oldest) ++expired_end;
  }
  while (too_new_start > 0 && events[too_new_start - 1].timestamp_ms > now + 2 * 3'600'000) {
    --too_new_start;
  }
  const int64_t first = std::max(too_old_end, expired_end);
  if (first < too_new_start &&
      events[too_new_start - 1].timestamp_ms - events[first].timestamp_ms > kDayMs) {
    return ApiError::InvalidParameter(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 "
        "hours.");
  }
  if (first < too_new_start) {
    std::span<const storage::Event> accepted(events.data() + first,
                                             static_cast<size_t>(too_new_start - first));
    Status st = ctx.store->Append(*group, *stream, accepted, /*create_stream=*/false);
    if (!st.ok()) return FromStoreError(st);
  } else if (std::none_of(g->streams.begin(), g->streams.end(),
                          [&](const storage::LogStreamInfo& s) { return s.name == *stream; })) {
    return NoSuchStream();
  }
  JsonWriter w;
  w.BeginObject();
  w.Member("nextSequenceToken", std::to_string(now) + std::to_string(n));
  if (too_old_end || expired_end || too_new_start < n) {
    w.Key("rejectedLogEventsInfo");
    w.BeginObject();
    if (too_new_start < n) w.Member("tooNewLogEventStartIndex", too_new_start);
    if (too_old_end) w.Member("tooOldLogEventEndIndex", too_old_end);
    if (expired_end) w.Member("expiredLogEventEndIndex", expired_end);
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

Reply GetLogEvents(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupOfRequest(in, ctx);
  auto stream = in.String("logStreamName", kRequired, 1, 512, NamePattern::kLogStream);
  auto start = in.Int("startTime", kOptional, 0, INT64_MAX);
  auto end = in.Int("endTime", kOptional, 0, INT64_MAX);
  auto token = in.String("nextToken", kOptional, 1, -1);
  auto limit = in.Int("limit", kOptional, 1, 10000);
  auto from_head = in.Bool("startFromHead");
  in.Bool("unmask");
  if (in.error()) return *in.error();
  std::shared_ptr<const storage::StoreSnapshot> snap = ctx.store->Snapshot();
  const storage::GroupSnapshot* g = snap->FindGroup(*group);
  if (!g) return NoSuchGroup();
  if (std::none_of(g->streams.begin(), g->streams.end(),
                   [&](const storage::LogStreamInfo& s) { return s.name == *stream; })) {
    return NoSuchStream();
  }
  EventSpec spec;
  spec.group = g;
  const std::string wanted(*stream);
  spec.want_stream = [&wanted](std::string_view s) { return s == wanted; };
  if (start) spec.start_ms = *start;
  if (end) spec.end_ms = *end - 1;  // endTime is exclusive
  spec.limit = static_cast<size_t>(limit.value_or(10000));
  if (token) {
    if (!ResumeFromToken(*token, &spec)) return BadToken();
  } else if (!from_head.value_or(false)) {
    spec.cursor = Cursor::End();
    spec.backward = true;
  }
  Result<EventPage> page = FindEvents(*snap, spec);
  if (!page.ok()) return ApiError::Internal(page.status().message());
  JsonWriter w;
  w.BeginObject();
  w.Key("events");
  w.BeginArray();
  for (const FoundEvent& e : page->events) {
    w.BeginObject();
    w.Member("timestamp", e.key.timestamp_ms);
    w.Member("message", e.message);
    w.Member("ingestionTime", e.key.ingestion_time_ms);
    w.EndObject();
  }
  w.EndArray();
  // At the end of the stream a token comes back unchanged, which tells the
  // clients to stop.
  std::string forward, backward;
  if (page->events.empty()) {
    forward = token && (*token)[0] == 'f' ? std::string(*token) : EventToken(false, spec.cursor);
    backward = token && (*token)[0] == 'b' ? std::string(*token) : EventToken(true, spec.cursor);
  } else {
    forward = EventToken(false, page->events.back().After());
    backward = EventToken(true, page->events.front().Before());
  }
  w.Member("nextForwardToken", forward);
  w.Member("nextBackwardToken", backward);
  w.EndObject();
  return w.Take();
}

}  // namespace flowlens::server
