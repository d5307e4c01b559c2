// Log groups, log streams and retention: CreateLogGroup, DeleteLogGroup,
// DescribeLogGroups, CreateLogStream, DeleteLogStream, DescribeLogStreams,
// PutRetentionPolicy, DeleteRetentionPolicy.
#include <algorithm>
#include <cstdio>

#include "server/json_writer.h"
#include "server/operations.h"
#include "storage/model.h"

namespace flowlens::server {
namespace {

std::optional<std::string_view> GroupName(RequestReader& in) {
  return in.String("logGroupName", kRequired, 1, 512, NamePattern::kLogGroup);
}
std::optional<std::string_view> StreamName(RequestReader& in) {
  return in.String("logStreamName", kRequired, 1, 512, NamePattern::kLogStream);
}

}  // namespace

Reply CreateLogGroup(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto name = GroupName(in);
  in.String("kmsKeyId", kOptional, 0, 256);
  if (in.error()) return *in.error();
  if (name->starts_with("aws/")) {
    return ApiError::InvalidParameter("Log group names can't start with 'aws/'.");
  }
  Status st = ctx.store->CreateLogGroup(*name);
  if (st.code() == StatusCode::kAlreadyExists) {
    return ApiError::AlreadyExists("The specified log group already exists");
  }
  if (!st.ok()) return FromStoreError(st);
  return std::string();
}

Reply DeleteLogGroup(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto name = GroupName(in);
  if (in.error()) return *in.error();
  Status st = ctx.store->DeleteLogGroup(*name);
  if (!st.ok()) return FromStoreError(st);
  return std::string();
}

Reply DescribeLogGroups(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto prefix = in.String("logGroupNamePrefix", kOptional, 1, 512, NamePattern::kLogGroup);
  auto pattern = in.String("logGroupNamePattern", kOptional, 0, 512, NamePattern::kLogGroup);
  auto idents = in.StringList("logGroupIdentifiers", kOptional, 1, 50, 1, 2048,
                              NamePattern::kLogGroupIdentifier);
  auto limit = in.Int("limit", kOptional, 1, 50);
  auto token = in.String("nextToken", kOptional, 1, -1);
  if (in.error()) return *in.error();
  if (prefix && pattern) {
    return ApiError::InvalidParameter(
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  Pager pager("g", static_cast<size_t>(limit.value_or(50)));
  if (!pager.Resume(token)) return BadToken();
  std::vector<std::string> wanted;
  if (idents) {
    for (std::string_view id : *idents) wanted.push_back(GroupFromIdentifier(id));
  }
  std::vector<storage::LogGroupInfo> groups = ctx.store->ListLogGroups(prefix.value_or(""));
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  JsonWriter w;
  w.BeginObject();
  w.Key("logGroups");
  w.BeginArray();
  for (const storage::LogGroupInfo& g : groups) {
    if (pattern && g.name.find(*pattern) == std::string::npos) continue;
    if (idents && std::find(wanted.begin(), wanted.end(), g.name) == wanted.end()) continue;
    Pager::Step step = pager.Next(g.name);
    if (step == Pager::Step::kStop) break;
    if (step == Pager::Step::kSkip) continue;
    const std::string arn = GroupArn(ctx, g.name);
    w.BeginObject();
    w.Member("logGroupName", g.name);
    w.Member("creationTime", g.creation_time_ms);
    if (g.retention_days) w.Member("retentionInDays", g.retention_days);
    w.Member("metricFilterCount", 0);
    w.Member("arn", arn + ":*");
    w.Member("storedBytes", static_cast<int64_t>(g.stored_bytes));
    w.Member("logGroupClass", "STANDARD");
    w.Member("logGroupArn", arn);
    w.EndObject();
  }
  w.EndArray();
  pager.WriteNextToken(&w);
  w.EndObject();
  return w.Take();
}

Reply CreateLogStream(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupName(in);
  auto stream = StreamName(in);
  if (in.error()) return *in.error();
  Status st = ctx.store->CreateLogStream(*group, *stream);
  if (st.code() == StatusCode::kAlreadyExists) {
    return ApiError::AlreadyExists("The specified log stream already exists");
  }
  if (!st.ok()) return FromStoreError(st);
  return std::string();
}

Reply DeleteLogStream(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupName(in);
  auto stream = StreamName(in);
  if (in.error()) return *in.error();
  Status st = ctx.store->DeleteLogStream(*group, *stream);
  if (!st.ok()) return FromStoreError(st);
  return std::string();
}

Reply DescribeLogStreams(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupOfRequest(in, ctx);
  auto prefix = in.String("logStreamNamePrefix", kOptional, 1, 512, NamePattern::kLogStream);
  auto order = in.String("orderBy", kOptional, 0, -1);
  auto descending = in.Bool("descending");
  auto limit = in.Int("limit", kOptional, 1, 50);
  auto token = in.String("nextToken", kOptional, 1, -1);
  if (in.error()) return *in.error();
  if (order && *order != "LogStreamName" && *order != "LastEventTime") {
    in.Fail("orderBy", "'" + std::string(*order) + "'",
            "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
    return *in.error();
  }
  const bool by_time = order && *order == "LastEventTime";
  if (by_time && prefix) {
    return ApiError::InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  auto streams = ctx.store->ListLogStreams(*group, prefix.value_or(""));
  if (!streams.ok()) return FromStoreError(streams.status());
  // The sort key of a stream: (last event time if ordered by it, name).
  auto key = [&](const storage::LogStreamInfo& s) {
    char buf[24];
    snprintf(buf, sizeof buf, "%020lld",
             static_cast<long long>(by_time ? s.last_event_time_ms : 0));
    return std::string(buf) + s.name;
  };
  const bool desc = descending.value_or(false);
  std::vector<std::pair<std::string, const storage::LogStreamInfo*>> sorted;
  for (const auto& s : *streams) sorted.emplace_back(key(s), &s);
  std::sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
    return desc ? a.first > b.first : a.first < b.first;
  });
  Pager pager("s", static_cast<size_t>(limit.value_or(50)), desc);
  if (!pager.Resume(token)) return BadToken();
  JsonWriter w;
  w.BeginObject();
  w.Key("logStreams");
  w.BeginArray();
  for (const auto& [k, s] : sorted) {
    Pager::Step step = pager.Next(k);
    if (step == Pager::Step::kStop) break;
    if (step == Pager::Step::kSkip) continue;
    w.BeginObject();
    w.Member("logStreamName", s->name);
    w.Member("creationTime", s->creation_time_ms);
    if (s->last_event_time_ms) {
      w.Member("firstEventTimestamp", s->first_event_time_ms);
      w.Member("lastEventTimestamp", s->last_event_time_ms);
      w.Member("lastIngestionTime", s->last_ingestion_time_ms);
    }
    w.Member("arn", GroupArn(ctx, *group) + ":log-stream:" + s->name);
    w.Member("storedBytes", int64_t{0});
    w.EndObject();
  }
  w.EndArray();
  pager.WriteNextToken(&w);
  w.EndObject();
  return w.Take();
}

Reply PutRetentionPolicy(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupName(in);
  auto days = in.Int("retentionInDays", kRequired, INT32_MIN, INT32_MAX);
  if (in.error()) return *in.error();
  if (!storage::ValidateRetentionDays(static_cast<int>(*days)).ok() || *days == 0) {
    in.Fail("retentionInDays", "'" + std::to_string(*days) + "'",
            "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, "
            "400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]");
    return *in.error();
  }
  Status st = ctx.store->PutRetentionPolicy(*group, static_cast<int>(*days));
  if (!st.ok()) return FromStoreError(st);
  return std::string();
}

Reply DeleteRetentionPolicy(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto group = GroupName(in);
  if (in.error()) return *in.error();
  Status st = ctx.store->DeleteRetentionPolicy(*group);
  if (!st.ok()) return FromStoreError(st);
  return std::string();
}

}  // namespace flowlens::server
