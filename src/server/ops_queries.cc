// Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries and
// GetLogRecord (the event behind an @ptr).
#include <algorithm>

#include "query/analyzer.h"
#include "query/json.h"
#include "query/parser.h"
#include "query/store_scan.h"
#include "query/value.h"
#include "server/json_writer.h"
#include "server/operations.h"

namespace flowlens::server {
namespace {

ApiError Malformed(const std::string& message, int start, int end) {
  ApiError e = ApiError::Make("MalformedQueryException", message);
  JsonWriter w;
  w.BeginObject();
  w.Key("location");
  w.BeginObject();
  w.Member("startCharOffset", start);
  w.Member("endCharOffset", end);
  w.EndObject();
  w.Member("message", message);
  w.EndObject();
  e.extra = "\"queryCompileError\": " + w.Take();
  return e;
}

ApiError NoSuchQuery() {
  return ApiError::ResourceNotFound("The specified query does not exist.");
}

std::optional<std::string_view> QueryId(RequestReader& in) {
  return in.String("queryId", kRequired, 1, 256);
}

}  // namespace

Reply StartQuery(const ServiceContext& ctx, const Caller& caller, RequestReader& in) {
  auto one = in.String("logGroupName", kOptional, 1, 512, NamePattern::kLogGroup);
  auto names = in.StringList("logGroupNames", kOptional, 0, 50, 1, 512, NamePattern::kLogGroup);
  auto idents = in.StringList("logGroupIdentifiers", kOptional, 0, 50, 1, 2048,
                              NamePattern::kLogGroupIdentifier);
  auto start = in.Int("startTime", kRequired, 0, INT64_MAX / 1000 - 1);
  auto end = in.Int("endTime", kRequired, 0, INT64_MAX / 1000 - 1);
  auto text = in.String("queryString", kRequired, 0, 10000);
  auto limit = in.Int("limit", kOptional, 1, 100000);
  auto language = in.String("queryLanguage", kOptional, 0, -1);
  if (in.error()) return *in.error();
  if (language && *language != "CWLI") {
    return ApiError::InvalidParameter("queryLanguage " + std::string(*language) +
                                      " is not supported; this server runs Logs Insights (CWLI).");
  }
  int given = (one ? 1 : 0) + (names ? 1 : 0) + (idents ? 1 : 0);
  if (given != 1) {
    return ApiError::InvalidParameter(
        "A StartQuery operation must include exactly one of logGroupName, logGroupNames or "
        "logGroupIdentifiers.");
  }
  if (*end < *start) {
    return ApiError::InvalidParameter("endTime cannot be earlier than startTime.");
  }
  QuerySpec spec;
  if (one) spec.group_names.emplace_back(*one);
  if (names) {
    for (std::string_view n : *names) spec.group_names.emplace_back(n);
  }
  if (idents) {
    for (std::string_view id : *idents) {
      if (id.ends_with("*")) {
        return ApiError::InvalidParameter("logGroupIdentifiers cannot end with '*': " +
                                          std::string(id));
      }
      spec.group_names.push_back(GroupFromIdentifier(id));
    }
  }
  if (spec.group_names.empty()) {
    return ApiError::InvalidParameter("Give at least one log group to query.");
  }
  {
    auto snap = ctx.store->Snapshot();
    for (const std::string& g : spec.group_names) {
      if (!snap->FindGroup(g)) {
        return ApiError::ResourceNotFound("Log group '" + g + "' does not exist.");
      }
    }
  }
  // Syntax and field errors now, with their position, rather than a Failed query later.
  query::QueryError perr;
  Result<query::Query> parsed = query::ParseQuery(*text, &perr);
  if (!parsed.ok()) return Malformed(parsed.status().message(), perr.start_offset, perr.end_offset);
  query::AnalyzeError aerr;
  Result<query::Plan> plan = query::Analyze(*parsed, &aerr);
  if (!plan.ok()) {
    return Malformed(plan.status().message(), aerr.span.offset,
                     aerr.span.offset + aerr.span.length);
  }
  spec.query_string = std::string(*text);
  spec.start_ms = *start * 1000;
  spec.end_ms = *end * 1000 + 999;  // both ends inclusive, in seconds
  spec.limit = limit.value_or(10000);
  spec.user = caller.user_name;
  Result<std::string> id = ctx.queries->Start(std::move(spec));
  if (!id.ok()) return ApiError::LimitExceeded(id.status().message());
  JsonWriter w;
  w.BeginObject();
  w.Member("queryId", *id);
  w.EndObject();
  return w.Take();
}

Reply GetQueryResults(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto id = QueryId(in);
  auto max_items = in.Int("maxItems", kOptional, 1, 10000);
  auto token = in.String("nextToken", kOptional, 1, -1);
  if (in.error()) return *in.error();
  size_t first_row = 0;
  if (token) {
    std::optional<size_t> row = QueryManager::ParsePageToken(*token);
    if (!row) return ApiError::InvalidParameter("The specified nextToken is not valid.");
    first_row = *row;
  }
  // Without maxItems, every row (as GetQueryResults did before it paginated).
  const size_t max_rows = max_items ? static_cast<size_t>(*max_items) : SIZE_MAX;
  std::optional<std::string> body = ctx.queries->ResultsJson(std::string(*id), first_row, max_rows);
  if (!body) return NoSuchQuery();
  return std::move(*body);
}

Reply StopQuery(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto id = QueryId(in);
  if (in.error()) return *in.error();
  switch (ctx.queries->Stop(std::string(*id))) {
    case QueryManager::StopOutcome::kUnknown:
      return NoSuchQuery();
    case QueryManager::StopOutcome::kNotRunning:
      return ApiError::InvalidParameter("Query " + std::string(*id) + " is not running.");
    case QueryManager::StopOutcome::kStopped:
      break;
  }
  return std::string("{\"success\": true}");
}

Reply DescribeQueries(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = in.String("logGroupName", kOptional, 1, 512, NamePattern::kLogGroup);
  auto status = in.String("status", kOptional, 0, -1);
  auto max = in.Int("maxResults", kOptional, 1, 1000);
  auto token = in.String("nextToken", kOptional, 1, -1);
  in.String("queryLanguage", kOptional, 0, -1);
  if (in.error()) return *in.error();
  std::optional<QueryStatus> want;
  if (status) {
    want = ParseQueryStatus(*status);
    if (!want) {
      in.Fail("status", "'" + std::string(*status) + "'",
              "Member must satisfy enum value set: [Scheduled, Running, Complete, Failed, "
              "Cancelled, Timeout, Unknown]");
      return *in.error();
    }
  }
  size_t skip = 0;
  if (token) {
    auto t = DecodeToken("q", *token);
    if (!t || t->empty() || t->size() > 9 ||
        t->find_first_not_of("0123456789") != std::string::npos) {
      return BadToken();
    }
    skip = std::stoull(*t);
  }
  const size_t page = static_cast<size_t>(max.value_or(1000));
  JsonWriter w;
  w.BeginObject();
  w.Key("queries");
  w.BeginArray();
  size_t matched = 0, written = 0;
  bool more = false;
  for (const QueryInfo& q : ctx.queries->List()) {
    if (want && q.status != *want) continue;
    if (group && std::find(q.spec.group_names.begin(), q.spec.group_names.end(), *group) ==
                     q.spec.group_names.end()) {
      continue;
    }
    if (matched++ < skip) continue;
    if (written == page) {
      more = true;
      break;
    }
    ++written;
    w.BeginObject();
    w.Member("queryLanguage", "CWLI");
    w.Member("queryId", q.id);
    w.Member("queryString", q.spec.query_string);
    w.Member("status", QueryStatusName(q.status));
    w.Member("createTime", q.create_time_ms);
    if (!q.spec.group_names.empty()) w.Member("logGroupName", q.spec.group_names.front());
    if (q.status != QueryStatus::kScheduled && q.status != QueryStatus::kRunning) {
      w.Member("queryDuration", q.duration_ms);
    }
    w.Key("bytesScanned");
    w.Double(q.bytes_scanned);
    if (!q.spec.user.empty()) {
      w.Member("userIdentity", "arn:aws:iam::" + ctx.account_id + ":user/" + q.spec.user);
    }
    w.EndObject();
  }
  w.EndArray();
  if (more) w.Member("nextToken", EncodeToken("q", std::to_string(skip + written)));
  w.EndObject();
  return w.Take();
}

namespace {

// Every field of an event, as GetLogRecord gives them: system fields, the
// flow-log fields of the group's format (when the line is a record of it),
// and the fields of a JSON event.
std::string RecordJson(const ServiceContext& ctx, const std::string& group, const Layout& layout,
                       std::string_view stream, int64_t ts, int64_t ingestion,
                       std::string_view message) {
  JsonWriter w;
  w.BeginObject();
  w.Key("logRecord");
  w.BeginObject();
  w.Member("@ingestionTime", std::to_string(ingestion));
  w.Member("@log", ctx.account_id + ":" + group);
  w.Member("@logStream", stream);
  w.Member("@message", message);
  w.Member("@timestamp", std::to_string(ts));
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < message.size()) {
    while (i < message.size() && (message[i] == ' ' || message[i] == '\t')) ++i;
    size_t j = i;
    while (j < message.size() && message[j] != ' ' && message[j] != '\t') ++j;
    if (j > i) tokens.push_back(message.substr(i, j - i));
    i = j;
  }
  Arena arena;
  const query::JsonNode* json = nullptr;
  if (!message.empty() && message.front() == '{') json = query::ParseJson(message, &arena);
  if (json && json->type == query::JsonType::kObject) {
    query::FlattenJson(
        json, 200,
        [&](std::string_view name, const query::Value& v) {
          if (!v.is_null()) w.Member(name, query::ValueToText(v));
        },
        &arena);
  } else if (tokens.size() == layout.size()) {
    for (size_t p = 0; p < layout.size(); ++p) {
      if (tokens[p] != "-") w.Member(layout.field(p).insights_name, tokens[p]);
    }
  }
  w.EndObject();
  w.EndObject();
  return w.Take();
}

}  // namespace

Reply GetLogRecord(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto ptr = in.String("logRecordPointer", kRequired, 0, -1);
  in.Bool("unmask");
  if (in.error()) return *in.error();
  const ApiError missing =
      ApiError::ResourceNotFound("The log record pointer does not point to a log record.");
  auto snap = ctx.store->Snapshot();
  if (QueryManager::IsLocalPointer(*ptr)) {
    std::optional<PointedEvent> e = ctx.queries->FindPointedEvent(*ptr);
    if (!e) return missing;
    const storage::GroupSnapshot* g = snap->FindGroup(e->group);
    const Layout& layout = g && g->info.id == e->group_id ? g->layout() : Layout::Default();
    return RecordJson(ctx, e->group, layout, e->stream, e->timestamp_ms, e->ingestion_time_ms,
                      e->message);
  }
  uint64_t group_id, segment_id, row;
  if (!query::ParseStorePointer(*ptr, &group_id, &segment_id, &row) || segment_id == 0) {
    return ApiError::InvalidParameter("The log record pointer is not valid.");
  }
  const storage::GroupSnapshot* group = nullptr;
  for (const auto& g : snap->groups()) {
    if (g.info.id == group_id) group = &g;
  }
  if (!group) return missing;
  std::string body;
  Status st = snap->GetEvent(*group, segment_id, row, [&](const storage::EventView& e) {
    body = RecordJson(ctx, group->info.name, group->layout(), e.stream, e.timestamp_ms,
                      e.ingestion_time_ms, e.message);
    return Status::Ok();
  });
  if (st.code() == StatusCode::kNotFound || st.code() == StatusCode::kOutOfRange) return missing;
  if (!st.ok()) return ApiError::Internal(st.message());
  return body;
}

}  // namespace flowlens::server
