// The CloudWatch Logs operations the server implements, one handler each,
// grouped by file: ops_groups.cc (log groups, streams, retention),
// ops_events.cc (PutLogEvents, GetLogEvents, FilterLogEvents), ops_queries.cc
// (StartQuery ... GetLogRecord), ops_query_definitions.cc (saved queries).
// A handler reads its request (RequestReader) and returns the response body
// in the AWS shape, or an ApiError.
//
// Thread safety: handlers run concurrently; everything they share is in
// ServiceContext and is itself thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "server/api_error.h"
#include "server/json_writer.h"
#include "server/query_definitions.h"
#include "server/query_manager.h"
#include "server/request_reader.h"
#include "storage/store.h"

namespace flowlens::server {

struct ServiceContext {
  storage::Store* store = nullptr;
  QueryManager* queries = nullptr;
  QueryDefinitions* definitions = nullptr;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::function<int64_t()> now_ms;  // Unix ms
};

// Who sent the request (for DescribeQueries' userIdentity).
struct Caller {
  std::string access_key_id;  // empty when anonymous
  std::string user_name;
};

using Reply = std::variant<std::string, ApiError>;  // body, or error
using Handler = Reply (*)(const ServiceContext&, const Caller&, RequestReader&);

// The handler of an operation name (the part after "Logs_20140328."), or null.
Handler FindOperation(std::string_view name);

// Shared by the handlers.
// The log group a request names by logGroupName or logGroupIdentifier (name
// or ARN); exactly one of the two must be given.
std::optional<std::string> GroupOfRequest(RequestReader& in, const ServiceContext& ctx);
// A group name from a logGroupIdentifier (name or ARN, with or without ":*").
std::string GroupFromIdentifier(std::string_view identifier);
std::string GroupArn(const ServiceContext& ctx, std::string_view group);  // without ":*"
ApiError NoSuchGroup();
// A store error as the API reports it (NotFound of a group or a stream, ...).
ApiError FromStoreError(const Status& st);
ApiError NoSuchStream();
ApiError BadToken();
// Opaque page tokens: text <-> hex (AWS tokens are opaque to clients).
std::string EncodeToken(std::string_view prefix, std::string_view text);
std::optional<std::string> DecodeToken(std::string_view prefix, std::string_view token);

// Keyset pagination of Describe* lists: items are offered in order with
// their sort key; the token names the last key returned, so it stays valid
// when items come and go and is never repeated.
//
//   Pager pager("g", limit.value_or(50));
//   if (!pager.Resume(token)) return BadToken();
//   for (item : sorted) { auto step = pager.Next(key); if (step == kStop) break; if (step == kTake)
//   ... } pager.WriteNextToken(&w);
class Pager {
 public:
  enum class Step { kSkip, kTake, kStop };
  Pager(std::string prefix, size_t page_size, bool descending = false)
      : prefix_(std::move(prefix)), page_size_(page_size), descending_(descending) {}
  // False when the token is not one this list gave.
  bool Resume(std::optional<std::string_view> token);
  Step Next(const std::string& key);
  // "nextToken" when items remain after the page.
  void WriteNextToken(JsonWriter* w) const;

 private:
  std::string prefix_;
  size_t page_size_;
  bool descending_;
  std::optional<std::string> after_;
  size_t taken_ = 0;
  bool more_ = false;
  std::string last_;
};

#define FLOWLENS_OPERATION(name) Reply name(const ServiceContext&, const Caller&, RequestReader&)
FLOWLENS_OPERATION(CreateLogGroup);
FLOWLENS_OPERATION(DeleteLogGroup);
FLOWLENS_OPERATION(DescribeLogGroups);
FLOWLENS_OPERATION(CreateLogStream);
FLOWLENS_OPERATION(DeleteLogStream);
FLOWLENS_OPERATION(DescribeLogStreams);
FLOWLENS_OPERATION(PutRetentionPolicy);
FLOWLENS_OPERATION(DeleteRetentionPolicy);
FLOWLENS_OPERATION(PutLogEvents);
FLOWLENS_OPERATION(GetLogEvents);
FLOWLENS_OPERATION(FilterLogEvents);
FLOWLENS_OPERATION(StartQuery);
FLOWLENS_OPERATION(GetQueryResults);
FLOWLENS_OPERATION(StopQuery);
FLOWLENS_OPERATION(DescribeQueries);
FLOWLENS_OPERATION(GetLogRecord);
FLOWLENS_OPERATION(PutQueryDefinition);
FLOWLENS_OPERATION(DescribeQueryDefinitions);
FLOWLENS_OPERATION(DeleteQueryDefinition);
#undef FLOWLENS_OPERATION

}  // namespace flowlens::server
