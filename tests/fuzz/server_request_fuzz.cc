// libFuzzer target: whole API requests through Service::Handle, in process
// (no sockets): method and path checks, SigV4 (the captured requests verify
// against the example credentials with the clock pinned to their time),
// X-Amz-Target dispatch, the JSON body and every operation's handler on a
// real store. Anonymous requests are allowed, so unsigned inputs reach the
// handlers.
//
// An input is up to 8 requests in the text form of request_text.h, run in
// order against a fresh store (so a finding reproduces from its input
// alone): CreateLogGroup, PutLogEvents, then FilterLogEvents or StartQuery
// reach deep. Queries are waited for before GetQueryResults, GetLogRecord
// and DescribeQueries, so those see finished results. A body may name
// values of earlier answers (query id, page tokens, @ptr: see Carried).
//
// Checks: every answer has a request id and is a JSON object (or empty, for
// operations without output); an error has __type and message; no answer is
// a 5xx (bad input must get a 4xx, and nothing here fails the disk); when
// the input changed something, what the API shows (groups, streams, events,
// saved queries) is the same after a flush and after a restart.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "../unit/server_world.h"
#include "common/arena.h"
#include "query/json.h"
#include "request_text.h"
#include "server/credentials.h"
#include "server/json_writer.h"
#include "server/operations.h"
#include "server/query_definitions.h"
#include "server/query_manager.h"
#include "server/service.h"
#include "storage/store.h"

namespace {

using namespace flowlens;
using namespace flowlens::server;

// Between the first and the last captured request (2026-11-28T07:17:38Z ..
// 07:27:04Z), so that with a 300 s skew window every capture verifies.
constexpr int64_t kNowMs = 1795850541000;
constexpr size_t kMaxRequests = 8;
constexpr size_t kMaxBody = 64 << 10;

// The example credentials AWS documents, which signed the captures.
constexpr std::string_view kCredentials =
    "[example]\n"
    "aws_access_key_id = AKIDEXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
    "[tokened]\n"
    "aws_access_key_id = AKIDTOKEN\n"
    "aws_secret_access_key = secret\n"
    "aws_session_token = FQoGZXIvYXdzEXAMPLETOKEN\n";

const std::string& ParentDir() {
  static const std::string dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  return dir;
}

[[noreturn]] void Finding(const std::string& what, const HttpRequest& req,
                          const HttpResponse& res) {
  fprintf(stderr, "FINDING: %s\nrequest: %s %s?%s\n", what.c_str(), req.method.c_str(),
          req.path.c_str(), req.query.c_str());
  for (const auto& [k, v] : req.headers) fprintf(stderr, "  %s: %s\n", k.c_str(), v.c_str());
  fprintf(stderr, "  body: %.2000s\nstatus %d, body: %.2000s\n", req.body.c_str(), res.status,
          res.body.c_str());
  abort();
}

// Until no query is Scheduled or Running (libFuzzer's -timeout catches a hang).
void WaitForQueries(QueryManager* queries) {
  for (;;) {
    bool busy = false;
    for (const QueryInfo& q : queries->List()) {
      busy |= q.status == QueryStatus::kScheduled || q.status == QueryStatus::kRunning;
    }
    if (!busy) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void CheckResponse(const HttpRequest& req, const HttpResponse& res) {
  if (res.request_id.empty()) Finding("no request id", req, res);
  if (res.status >= 500 || res.status < 200)
    Finding("status " + std::to_string(res.status), req, res);
  if (res.status == 200 && res.body.empty()) return;  // operations without output, as AWS
  Arena arena;
  const query::JsonNode* doc = query::ParseJson(res.body, &arena);
  if (!doc || doc->type != query::JsonType::kObject) Finding("body is not a JSON object", req, res);
  if (res.status != 200) {
    const query::JsonNode* type = doc->Get("__type");
    const query::JsonNode* message = doc->Get("message");
    if (!type || type->type != query::JsonType::kString || type->s.empty() || !message ||
        message->type != query::JsonType::kString) {
      Finding("error without __type and message", req, res);
    }
  }
}

// Values of earlier answers that later requests of an input refer to, so
// that sequences reach what needs an id: "$QID" (queryId), "$NEXT"
// (nextToken or nextForwardToken), "$BACK" (nextBackwardToken), "$PTR" (the
// first @ptr of query results), "$DEFID" (queryDefinitionId).
struct Carried {
  std::vector<std::pair<std::string, std::string>> values;

  void Learn(const std::string& body) {
    Arena arena;
    const query::JsonNode* doc = query::ParseJson(body, &arena);
    if (!doc || doc->type != query::JsonType::kObject) return;
    auto keep = [&](const char* name, const query::JsonNode* n) {
      if (n && n->type == query::JsonType::kString) Set(name, std::string(n->s));
    };
    keep("$QID", doc->Get("queryId"));
    keep("$NEXT", doc->Get("nextToken"));
    keep("$NEXT", doc->Get("nextForwardToken"));
    keep("$BACK", doc->Get("nextBackwardToken"));
    keep("$DEFID", doc->Get("queryDefinitionId"));
    const query::JsonNode* rows = doc->Get("results");
    for (size_t i = 0; rows && rows->type == query::JsonType::kArray && i < rows->size; ++i) {
      const query::JsonNode* row = rows->items[i];
      for (size_t j = 0; row->type == query::JsonType::kArray && j < row->size; ++j) {
        const query::JsonNode* field = row->items[j]->Get("field");
        if (field && field->type == query::JsonType::kString && field->s == "@ptr") {
          keep("$PTR", row->items[j]->Get("value"));
          return;
        }
      }
    }
  }
  void Set(const std::string& name, std::string value) {
    for (auto& [k, v] : values) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    values.emplace_back(name, std::move(value));
  }
  void Apply(std::string* body) const {
    for (const auto& [k, v] : values) {
      for (size_t at = body->find(k); at != std::string::npos; at = body->find(k, at + v.size())) {
        body->replace(at, k.size(), v);
      }
    }
  }
};

// What the API shows of the data: every group, its streams and events, and
// the saved queries.
std::string ApiState(const ServerWorld& w) {
  std::string groups = w.Call("DescribeLogGroups", "{}").body;
  std::string out = groups + "\n" + w.Call("DescribeQueryDefinitions", "{}").body + "\n";
  Arena arena;
  const query::JsonNode* doc = query::ParseJson(groups, &arena);
  const query::JsonNode* list = doc ? doc->Get("logGroups") : nullptr;
  for (size_t i = 0; list && i < list->size; ++i) {
    JsonWriter name;
    name.BeginObject();
    name.Member("logGroupName", list->items[i]->Get("logGroupName")->s);
    name.EndObject();
    const std::string body = name.Take();
    out += w.Call("DescribeLogStreams", body).body + "\n" + w.Call("FilterLogEvents", body).body;
  }
  return out;
}

void ExpectSame(const std::string& before, const std::string& after, const char* what) {
  if (before == after) return;
  fprintf(stderr, "FINDING: the data changed %s:\n%s\n----\n%s\n", what, before.c_str(),
          after.c_str());
  abort();
}

bool Mutates(std::string_view target) {
  for (std::string_view op : {"CreateLogGroup", "DeleteLogGroup", "CreateLogStream",
                              "DeleteLogStream", "PutRetentionPolicy", "DeleteRetentionPolicy",
                              "PutLogEvents", "PutQueryDefinition", "DeleteQueryDefinition"}) {
    if (target.ends_with(op)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Credentials credentials = Credentials::Parse(kCredentials).value();
  static const bool verbose = getenv("FLOWLENS_FUZZ_VERBOSE") != nullptr;  // to check seeds
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ServerWorldOptions o;
  o.parent_dir = ParentDir();
  o.now_ms = kNowMs;
  o.sync = storage::SyncPolicy::kNone;  // tmpfs anyway; no fsync per request
  o.queries.max_concurrent = 2;
  o.queries.threads_per_query = 1;
  o.queries.memory_budget_bytes = 64 << 20;
  o.service.max_skew_seconds = 300;
  ServerWorld world(&credentials, o);
  bool changed = false;
  Carried carried;
  for (std::string_view text : fuzz::SplitRequests(input, kMaxRequests)) {
    HttpRequest req = fuzz::ParseRequestText(text);
    if (req.body.size() > kMaxBody) req.body.resize(kMaxBody);
    std::string target = FindHeader(req.headers, "x-amz-target").value_or("");
    if (target.ends_with(".GetQueryResults") || target.ends_with(".GetLogRecord") ||
        target.ends_with(".DescribeQueries")) {
      WaitForQueries(world.queries.get());
    }
    carried.Apply(&req.body);
    HttpResponse res = world.service->Handle(req);
    if (verbose) fprintf(stderr, "%s -> %d %.200s\n", target.c_str(), res.status, res.body.c_str());
    CheckResponse(req, res);
    changed |= res.status == 200 && Mutates(target);
    if (res.status == 200) carried.Learn(res.body);
  }
  if (changed) {
    // What was accepted stays as it was through a flush and a restart.
    WaitForQueries(world.queries.get());
    const std::string before = ApiState(world);
    Status flushed = world.store->Flush();
    if (!flushed.ok()) {
      fprintf(stderr, "FINDING: flush failed: %s\n", flushed.message().c_str());
      abort();
    }
    ExpectSame(before, ApiState(world), "in a flush");
    world.Reopen();
    ExpectSame(before, ApiState(world), "in a restart");
  }
  return 0;
}
