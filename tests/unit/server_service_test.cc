// The API service in process (no HTTP): request validation and its AWS
// messages, PutLogEvents' rejected ranges with a pinned clock, GetLogEvents
// tokens, and @ptr of events still in the WAL resolving after a flush.
#include "server/service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "common/arena.h"
#include "query/json.h"
#include "server/crypto.h"

#include <fmt/core.h>

namespace flowlens::server {
namespace {

constexpr int64_t kNow = 1795850258000;  // 2026-11-28T07:17:38Z

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-service-XXXXXX";
    dir_ = mkdtemp(tmpl);
    storage::StoreOptions so;
    so.clock = [] { return kNow; };
    store_ = std::move(storage::Store::Open(dir_ + "/data", so).value());
    QueryManagerOptions qo;
    qo.clock = [] { return kNow; };
    queries_ = std::make_unique<QueryManager>(store_.get(), qo);
    defs_ = std::move(QueryDefinitions::Open(dir_ + "/defs.json").value());
    creds_ = std::move(
        Credentials::Parse("[u]\naws_access_key_id=K\naws_secret_access_key=S\n").value());
    ServiceContext ctx{store_.get(), queries_.get(), defs_.get(),
                       "us-east-1",  "000000000000", [] { return kNow; }};
    service_ = std::make_unique<Service>(ctx, &creds_, ServiceOptions{});
  }
  void TearDown() override {
    service_.reset();
    queries_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A signed request for `op` with `body`, as the SDKs send it.
  HttpResponse Call(const std::string& op, const std::string& body, std::string secret = "S") {
    HttpRequest r;
    r.method = "POST";
    r.path = "/";
    r.body = body;
    std::string date = FormatAmzDate(kNow / 1000);
    r.headers = {{"host", "127.0.0.1:4590"},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-date", date},
                 {"x-amz-target", "Logs_20140328." + op}};
    std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date",
                                               "x-amz-target"};
    SigV4Request sr{"POST", "/", "", &r.headers, body};
    std::string scope = date.substr(0, 8) + "/us-east-1/logs/aws4_request";
    std::string to_sign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" +
                          Sha256Hex(CanonicalRequest(sr, signed_headers));
    std::string sig =
        HexEncode(HmacSha256(SigningKey(secret, date.substr(0, 8), "us-east-1", "logs"), to_sign));
    r.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=K/" + scope +
                                                ", SignedHeaders=content-type;host;x-amz-date;"
                                                "x-amz-target, Signature=" +
                                                sig);
    return service_->Handle(r);
  }
  std::string Type(const HttpResponse& r) {
    Arena a;
    const query::JsonNode* n = query::ParseJson(r.body, &a);
    const query::JsonNode* t = n ? n->Get("__type") : nullptr;
    return t ? std::string(t->s) : "";
  }
  std::string Field(const std::string& body, const std::string& key) {
    Arena a;
    const query::JsonNode* n = query::ParseJson(body, &a);
    const query::JsonNode* t = n ? n->Get(key) : nullptr;
    if (!t) return "";
    std::string out;
    if (t->type == query::JsonType::kString) return std::string(t->s);
    query::AppendJson(t, &out);
    return out;
  }

  // GetQueryResults' body once the query is no longer Scheduled or Running
  // (or after 5 s).
  std::string AwaitResults(QueryManager* qm, const std::string& id) {
    std::string body;
    for (int i = 0; i < 500; ++i) {
      body = *qm->ResultsJson(id);
      std::string st = Field(body, "status");
      if (st != "Scheduled" && st != "Running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return body;
  }

  // StartQuery with `body`, then the results once it ends ("" if refused).
  std::string QueryAndWait(const std::string& body, std::string* id = nullptr) {
    HttpResponse r = Call("StartQuery", body);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return "";
    if (id) *id = Field(r.body, "queryId");
    return AwaitResults(queries_.get(), Field(r.body, "queryId"));
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<QueryManager> queries_;
  std::unique_ptr<QueryDefinitions> defs_;
  Credentials creds_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, ValidationMessages) {
  HttpResponse r = Call("CreateLogGroup", R"J({"logGroupName": 5})J");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Type(r), "InvalidParameterException");
  EXPECT_EQ(Field(r.body, "message"),
            "1 validation error detected: Value '5' at 'logGroupName' failed to satisfy "
            "constraint: Member must be a string");
  r = Call("CreateLogGroup", "{}");
  EXPECT_EQ(Field(r.body, "message"),
            "1 validation error detected: Value null at 'logGroupName' failed to satisfy "
            "constraint: Member must not be null");
  r = Call("CreateLogGroup", R"J({"logGroupName": "a b"})J");
  EXPECT_NE(Field(r.body, "message").find("Member must satisfy regular expression pattern"),
            std::string::npos);
  r = Call("CreateLogGroup", "{\"logGroupName\": \"" + std::string(513, 'a') + "\"}");
  EXPECT_NE(Field(r.body, "message").find("length less than or equal to 512"), std::string::npos);
  r = Call("DescribeLogGroups", R"J({"limit": 0})J");
  EXPECT_NE(Field(r.body, "message").find("value greater than or equal to 1"), std::string::npos);
  r = Call("DescribeLogGroups", R"J({"nextToken": "zz"})J");
  EXPECT_EQ(Field(r.body, "message"), "The specified nextToken is invalid.");
  r = Call("DescribeLogGroups", R"J({"logGroupNamePrefix": )J");
  EXPECT_EQ(Type(r), "SerializationException");
  r = Call("NoSuchOperation", "{}");
  EXPECT_EQ(Type(r), "UnknownOperationException");
  r = Call("DescribeLogGroups", "{}", "wrong");
  EXPECT_EQ(Type(r), "InvalidSignatureException");
  r = Call("DescribeLogGroups", "");  // an empty body reads as {}
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.request_id.empty());
}

TEST_F(ServiceTest, PutLogEventsRejectsTooOldAndTooNew) {
  ASSERT_EQ(Call("CreateLogGroup", R"J({"logGroupName": "g"})J").status, 200);
  ASSERT_EQ(Call("CreateLogStream", R"J({"logGroupName": "g", "logStreamName": "s"})J").status,
            200);
  const int64_t day = 86'400'000;
  std::string body =
      "{\"logGroupName\": \"g\", \"logStreamName\": \"s\", \"logEvents\": [" +
      fmt::format(R"J({{"timestamp": {}, "message": "old"}}, )J", kNow - 15 * day) +
      fmt::format(R"J({{"timestamp": {}, "message": "ok1"}}, )J", kNow - 1000) +
      fmt::format(R"J({{"timestamp": {}, "message": "ok2"}}, )J", kNow) +
      fmt::format(R"J({{"timestamp": {}, "message": "new"}})J", kNow + 3 * 3'600'000) + "]}";
  HttpResponse r = Call("PutLogEvents", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "rejectedLogEventsInfo"),
            R"J({"tooNewLogEventStartIndex":3,"tooOldLogEventEndIndex":1})J");
  // Retention of 1 day: older events are expired.
  ASSERT_EQ(Call("PutRetentionPolicy", R"J({"logGroupName": "g", "retentionInDays": 1})J").status,
            200);
  body = "{\"logGroupName\": \"g\", \"logStreamName\": \"s\", \"logEvents\": [" +
         fmt::format(R"J({{"timestamp": {}, "message": "x"}}, )J", kNow - 2 * day) +
         fmt::format(R"J({{"timestamp": {}, "message": "y"}}]}})J", kNow);
  r = Call("PutLogEvents", body);
  EXPECT_EQ(Field(r.body, "rejectedLogEventsInfo"), R"J({"expiredLogEventEndIndex":1})J");
  // Out of order, more than 24 hours, too large.
  body = "{\"logGroupName\": \"g\", \"logStreamName\": \"s\", \"logEvents\": [" +
         fmt::format(R"J({{"timestamp": {}, "message": "x"}}, )J", kNow) +
         fmt::format(R"J({{"timestamp": {}, "message": "y"}}]}})J", kNow - 1);
  EXPECT_EQ(Field(Call("PutLogEvents", body).body, "message"),
            "Log events in a single PutLogEvents request must be in chronological order.");
  ASSERT_EQ(Call("DeleteRetentionPolicy", R"J({"logGroupName": "g"})J").status, 200);
  body = "{\"logGroupName\": \"g\", \"logStreamName\": \"s\", \"logEvents\": [" +
         fmt::format(R"J({{"timestamp": {}, "message": "x"}}, )J", kNow - 2 * day) +
         fmt::format(R"J({{"timestamp": {}, "message": "y"}}]}})J", kNow);
  EXPECT_NE(Field(Call("PutLogEvents", body).body, "message").find("24 hours"), std::string::npos);
  std::string big(600'000, 'a');
  body = "{\"logGroupName\": \"g\", \"logStreamName\": \"s\", \"logEvents\": [" +
         fmt::format(R"J({{"timestamp": {}, "message": "{}"}}, )J", kNow, big) +
         fmt::format(R"J({{"timestamp": {}, "message": "{}"}}]}})J", kNow, big);
  EXPECT_NE(Field(Call("PutLogEvents", body).body, "message").find("Upload too large"),
            std::string::npos);
  EXPECT_EQ(Field(Call("PutLogEvents", R"J({"logGroupName": "g", "logStreamName": "nope",
      "logEvents": [{"timestamp": 1795850258000, "message": "m"}]})J")
                      .body,
                  "message"),
            "The specified log stream does not exist.");
}

TEST_F(ServiceTest, GetLogEventsPagesAndIdenticalEvents) {
  ASSERT_EQ(Call("CreateLogGroup", R"J({"logGroupName": "g"})J").status, 200);
  ASSERT_EQ(Call("CreateLogStream", R"J({"logGroupName": "g", "logStreamName": "s"})J").status,
            200);
  // Five identical events and two others: pages of 2 must give all seven.
  std::string events;
  for (int i = 0; i < 5; ++i)
    events += fmt::format(R"J({{"timestamp": {}, "message": "same"}}, )J", kNow);
  events += fmt::format(R"J({{"timestamp": {}, "message": "a"}}, )J", kNow + 1);
  events += fmt::format(R"J({{"timestamp": {}, "message": "b"}})J", kNow + 2);
  ASSERT_EQ(Call("PutLogEvents",
                 R"J({"logGroupName": "g", "logStreamName": "s", "logEvents": [)J" + events + "]}")
                .status,
            200);
  std::string token, all;
  for (int page = 0; page < 10; ++page) {
    std::string body = R"J({"logGroupName": "g", "logStreamName": "s", "limit": 2, )J";
    body += token.empty() ? R"J("startFromHead": true})J" : "\"nextToken\": \"" + token + "\"}";
    HttpResponse r = Call("GetLogEvents", body);
    ASSERT_EQ(r.status, 200) << r.body;
    Arena a;
    const query::JsonNode* n = query::ParseJson(r.body, &a);
    for (size_t i = 0; i < n->Get("events")->size; ++i) {
      all += std::string(n->Get("events")->items[i]->Get("message")->s) + ",";
    }
    std::string next(n->Get("nextForwardToken")->s);
    if (next == token) break;
    token = next;
  }
  EXPECT_EQ(all, "same,same,same,same,same,a,b,");
  // After a flush the same answer (events now in a segment).
  ASSERT_TRUE(store_->Flush().ok());
  HttpResponse r = Call("FilterLogEvents", R"J({"logGroupName": "g", "filterPattern": "same"})J");
  Arena a;
  EXPECT_EQ(query::ParseJson(r.body, &a)->Get("events")->size, 5u) << r.body;
}

TEST_F(ServiceTest, PointerOfAnUnflushedEventSurvivesAFlush) {
  ASSERT_EQ(Call("CreateLogGroup", R"J({"logGroupName": "g"})J").status, 200);
  ASSERT_EQ(Call("CreateLogStream", R"J({"logGroupName": "g", "logStreamName": "s"})J").status,
            200);
  std::string line =
      "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
      "1795850200 1795850258 ACCEPT OK";
  ASSERT_EQ(Call("PutLogEvents", fmt::format(R"J({{"logGroupName": "g", "logStreamName": "s",
      "logEvents": [{{"timestamp": {}, "message": "first"}}, {{"timestamp": {}, "message": "{}"}}]}})J",
                                             kNow - 10, kNow, line))
                .status,
            200);
  std::string results = QueryAndWait(R"J({"logGroupName": "g", "startTime": 1795850000,
      "endTime": 1795850300, "queryString": "fields @message | sort @timestamp desc | limit 1"})J");
  ASSERT_EQ(Field(results, "status"), "Complete") << results;
  Arena a;
  const query::JsonNode* row = query::ParseJson(results, &a)->Get("results")->items[0];
  std::string ptr;
  for (size_t i = 0; i < row->size; ++i) {
    if (row->items[i]->Get("field")->s == "@ptr") ptr = std::string(row->items[i]->Get("value")->s);
  }
  ASSERT_FALSE(ptr.empty());
  // A flush moves the events into a segment (and renumbers them).
  ASSERT_TRUE(store_->Flush().ok());
  HttpResponse r = Call("GetLogRecord", "{\"logRecordPointer\": \"" + ptr + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"@message\": \"" + line + "\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"dstPort\": \"22\""), std::string::npos) << r.body;
  // A query after the flush gives a segment pointer; it resolves too.
  results = QueryAndWait(R"J({"logGroupName": "g", "startTime": 1795850000,
      "endTime": 1795850300, "queryString": "fields @message | filter @message like /first/"})J");
  Arena b;
  row = query::ParseJson(results, &b)->Get("results")->items[0];
  for (size_t i = 0; i < row->size; ++i) {
    if (row->items[i]->Get("field")->s == "@ptr") ptr = std::string(row->items[i]->Get("value")->s);
  }
  r = Call("GetLogRecord", "{\"logRecordPointer\": \"" + ptr + "\"}");
  EXPECT_NE(r.body.find("\"@message\": \"first\""), std::string::npos) << r.body;
  EXPECT_EQ(Type(Call("GetLogRecord", R"J({"logRecordPointer": "nonsense"})J")),
            "InvalidParameterException");
}

TEST_F(ServiceTest, StopQueryAndLimits) {
  EXPECT_EQ(Type(Call("StopQuery", R"J({"queryId": "nope"})J")), "ResourceNotFoundException");
  EXPECT_EQ(Type(Call("StartQuery", R"J({"logGroupName": "g", "startTime": 1, "endTime": 2,
      "queryString": "stats count(*)"
})J")),
            "ResourceNotFoundException");
  ASSERT_EQ(Call("CreateLogGroup", R"J({"logGroupName": "g"})J").status, 200);
  HttpResponse r = Call("StartQuery", R"J({"logGroupName": "g", "startTime": 1, "endTime": 2,
      "queryString": "stats count(*) by"})J");
  EXPECT_EQ(Type(r), "MalformedQueryException");
  EXPECT_NE(r.body.find("\"queryCompileError\": {\"location\""), std::string::npos) << r.body;
  EXPECT_EQ(Type(Call("StartQuery", R"J({"logGroupName": "g", "logGroupNames": ["g"],
      "startTime": 1, "endTime": 2, "queryString": "stats count(*)"
  })J")),
            "InvalidParameterException");
  EXPECT_EQ(Type(Call("StartQuery", R"J({"logGroupName": "g", "startTime": 5, "endTime": 2,
      "queryString": "stats count(*)"
  })J")),
            "InvalidParameterException");
}

TEST_F(ServiceTest, RunningQueryShowsPartialResults) {
  ASSERT_EQ(Call("CreateLogGroup", R"J({"logGroupName": "g"})J").status, 200);
  ASSERT_EQ(Call("CreateLogStream", R"J({"logGroupName": "g", "logStreamName": "s"})J").status,
            200);
  // Three hours, one segment each: 10, 20 and 30 events.
  const int64_t hour0 = (kNow / 3600000 - 5) * 3600000;
  for (int h = 0; h < 3; ++h) {
    std::string events;
    for (int i = 0; i < 10 * (h + 1); ++i) {
      events += fmt::format("{}{{\"timestamp\": {}, \"message\": \"event {} {}\"}}", i ? ", " : "",
                            hour0 + h * 3600000 + i, h, i);
    }
    ASSERT_EQ(Call("PutLogEvents", R"J({"logGroupName": "g", "logStreamName": "s",
        "logEvents": [)J" + events + "]}")
                  .status,
              200);
    ASSERT_TRUE(store_->Flush().ok());
  }
  // A partial result after every segment; each one read while the query
  // still runs.
  std::vector<std::string> seen;
  QueryManagerOptions qo;
  qo.clock = [] { return kNow; };
  qo.partial_interval_ms = 0;
  QueryManager* qm = nullptr;
  qo.partial_published = [&](const std::string& id) { seen.push_back(*qm->ResultsJson(id)); };
  QueryManager manager(store_.get(), qo);
  qm = &manager;
  QuerySpec spec;
  spec.query_string = "stats count(*) as n by bin(1h) as hour | sort hour";
  spec.group_names = {"g"};
  spec.start_ms = hour0;
  spec.end_ms = hour0 + 3 * 3600000;
  std::string id = manager.Start(spec).value();
  std::string final_body;
  final_body = AwaitResults(&manager, id);
  ASSERT_EQ(Field(final_body, "status"), "Complete") << final_body;
  ASSERT_GE(seen.size(), 2u);
  // The first partial: the first segment's hour only, status Running.
  EXPECT_EQ(Field(seen[0], "status"), "Running") << seen[0];
  EXPECT_NE(seen[0].find("{\"field\": \"n\", \"value\": \"10\"}"), std::string::npos) << seen[0];
  EXPECT_EQ(seen[0].find("\"value\": \"20\""), std::string::npos) << seen[0];
  EXPECT_EQ(Field(seen[0], "statistics"),
            "{\"recordsMatched\":10,\"recordsScanned\":10,\"bytesScanned\":" +
                Field(Field(seen[0], "statistics"), "bytesScanned") + "}");
  // The second: two hours.
  EXPECT_NE(seen[1].find("\"value\": \"20\""), std::string::npos) << seen[1];
  EXPECT_EQ(seen[1].find("\"value\": \"30\""), std::string::npos) << seen[1];
  // The end: all three, and no partial is shown any more.
  for (const char* n : {"\"value\": \"10\"", "\"value\": \"20\"", "\"value\": \"30\""}) {
    EXPECT_NE(final_body.find(n), std::string::npos) << final_body;
  }
  EXPECT_NE(final_body.find("\"recordsMatched\": 60"), std::string::npos) << final_body;
}

TEST_F(ServiceTest, GetQueryResultsPages) {
  ASSERT_EQ(Call("CreateLogGroup", R"J({"logGroupName": "g"})J").status, 200);
  ASSERT_EQ(Call("CreateLogStream", R"J({"logGroupName": "g", "logStreamName": "s"})J").status,
            200);
  std::string events;
  for (int i = 0; i < 25; ++i) {
    events += fmt::format("{}{{\"timestamp\": {}, \"message\": \"m{:02}\"}}", i ? ", " : "",
                          kNow - 100 + i, i);
  }
  ASSERT_EQ(Call("PutLogEvents",
                 R"J({"logGroupName": "g", "logStreamName": "s", "logEvents": [)J" + events + "]}")
                .status,
            200);
  std::string id;
  std::string body = QueryAndWait(R"J({"logGroupName": "g", "startTime": 1795850000,
      "endTime": 1795850300, "queryString": "fields @message | sort @message"})J",
                                  &id);
  ASSERT_EQ(Field(body, "status"), "Complete") << body;
  EXPECT_EQ(Field(body, "nextToken"), "");  // no maxItems: every row
  // Pages of 10: m00..m09, m10..m19, m20..m24.
  std::string token;
  std::vector<std::string> firsts;
  int pages = 0;
  do {
    std::string req = "{\"queryId\": \"" + id + "\", \"maxItems\": 10" +
                      (token.empty() ? "" : ", \"nextToken\": \"" + token + "\"") + "}";
    HttpResponse page = Call("GetQueryResults", req);
    ASSERT_EQ(page.status, 200) << page.body;
    Arena a;
    const query::JsonNode* rows = query::ParseJson(page.body, &a)->Get("results");
    ASSERT_EQ(rows->size, pages < 2 ? 10u : 5u) << page.body;
    firsts.emplace_back(rows->items[0]->items[0]->Get("value")->s);
    token = Field(page.body, "nextToken");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(firsts, (std::vector<std::string>{"m00", "m10", "m20"}));
  EXPECT_EQ(Type(Call("GetQueryResults",
                      "{\"queryId\": \"" + id + "\", \"maxItems\": 10, \"nextToken\": \"x\"}")),
            "InvalidParameterException");
  EXPECT_EQ(Type(Call("GetQueryResults", "{\"queryId\": \"" + id + "\", \"maxItems\": 0}")),
            "InvalidParameterException");
}

}  // namespace
}  // namespace flowlens::server
