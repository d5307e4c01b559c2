// QueryManager: Logs Insights queries run asynchronously, as StartQuery /
// GetQueryResults / StopQuery / DescribeQueries expect.
//
// A query is Scheduled when accepted, Running on a worker of a pool of
// max_concurrent threads, then Complete, Failed (an error, e.g. its memory
// budget), Cancelled (StopQuery) or Timeout (ran past timeout_ms). More than
// max_concurrent Scheduled+Running queries is LimitExceeded. While a query
// runs, GetQueryResults shows its latest partial result: the whole query over
// the records scanned so far, renewed about every partial_interval_ms
// (query::QueryOptions::on_partial), with the scan statistics of that moment.
// Finished queries are kept results_ttl_ms, then forgotten.
//
// Each query reads one store snapshot. @ptr of events that were still only in
// the WAL (not yet in a segment) name a row position that a later flush
// changes, so at completion such rows get a query-local pointer ("u" + 16
// characters) and a copy of the event, kept with the results.
//
//   QueryManager qm(store, opts);
//   Result<std::string> id = qm.Start(spec);       // LimitExceeded: ResourceExhausted
//   std::optional<std::string> body = qm.ResultsJson(*id);
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "query/executor.h"
#include "storage/store.h"

namespace flowlens::server {

enum class QueryStatus { kScheduled, kRunning, kComplete, kFailed, kCancelled, kTimeout };
const char* QueryStatusName(QueryStatus s);
std::optional<QueryStatus> ParseQueryStatus(std::string_view name);

struct QuerySpec {
  std::string query_string;
  std::vector<std::string> group_names;
  int64_t start_ms = 0, end_ms = 0;  // inclusive
  int64_t limit = 10000;
  std::string user;  // the access key's user, for DescribeQueries
};

struct QueryInfo {
  std::string id;
  QuerySpec spec;
  QueryStatus status = QueryStatus::kScheduled;
  int64_t create_time_ms = 0;
  int64_t duration_ms = 0;  // of the run, once finished
  double bytes_scanned = 0;
};

// An event a query-local pointer resolves to.
struct PointedEvent {
  std::string group;
  uint64_t group_id = 0;
  std::string stream;
  int64_t timestamp_ms = 0, ingestion_time_ms = 0;
  std::string message;
};

struct QueryManagerOptions {
  int max_concurrent = 10;
  int threads_per_query = 1;
  int64_t timeout_ms = 15 * 60 * 1000;
  size_t memory_budget_bytes = size_t{1} << 30;
  int64_t results_ttl_ms = 3600 * 1000;
  int64_t partial_interval_ms = 1000;  // how often a running query renews its partial result
  std::string account_id = "000000000000";
  std::function<int64_t()> clock;               // Unix ms; null: system clock
  std::function<void(const std::string&)> log;  // failures of queries; null: quiet
  // Called on the query's worker after each new partial result is in place
  // (for tests: the query is still Running then).
  std::function<void(const std::string& query_id)> partial_published;
};

class QueryManager {
 public:
  QueryManager(storage::Store* store, QueryManagerOptions options);
  ~QueryManager();  // cancels what runs and waits for the workers
  QueryManager(const QueryManager&) = delete;
  QueryManager& operator=(const QueryManager&) = delete;

  // The query's id; ResourceExhausted past max_concurrent active queries.
  Result<std::string> Start(QuerySpec spec);
  // GetQueryResults' body, nullopt for an unknown (or expired) id. With
  // max_rows, one page: rows [first_row, first_row + max_rows) and, when the
  // query is Complete and rows remain, a nextToken (PageToken).
  std::optional<std::string> ResultsJson(const std::string& id, size_t first_row = 0,
                                         size_t max_rows = SIZE_MAX);
  // The nextToken of a page that starts at `first_row`, and back.
  static std::string PageToken(size_t first_row);
  static std::optional<size_t> ParsePageToken(std::string_view token);
  enum class StopOutcome { kStopped, kNotRunning, kUnknown };
  StopOutcome Stop(const std::string& id);
  // Newest first.
  std::vector<QueryInfo> List();
  // The event behind a query-local pointer ("u..."), if its query is kept.
  std::optional<PointedEvent> FindPointedEvent(std::string_view pointer);
  static bool IsLocalPointer(std::string_view pointer) {
    return pointer.size() == 17 && pointer[0] == 'u';
  }

 private:
  struct Query {
    QueryInfo info;
    uint32_t serial = 0;
    std::atomic<bool> cancel{false};
    int64_t deadline_ms = 0;
    query::ScanCounters counters;
    std::shared_ptr<const query::QueryResult> result;
    std::shared_ptr<const query::QueryResult> partial;  // while Running
    std::vector<PointedEvent> pointed;
    int64_t finish_time_ms = 0;
  };
  int64_t Now() const;
  void Worker();
  void Run(Query* q);
  void Finish(Query* q, QueryStatus status, std::shared_ptr<const query::QueryResult> result,
              std::vector<PointedEvent> pointed);
  void Expire();  // caller holds mu_

  storage::Store* store_;
  QueryManagerOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Query>> queries_;
  std::map<uint32_t, std::shared_ptr<Query>> by_serial_;
  std::deque<std::shared_ptr<Query>> queue_;
  int active_ = 0;  // Scheduled + Running
  uint32_t next_serial_ = 1;
  std::vector<std::thread> workers_;
};

// A random UUID (version 4) in the canonical 8-4-4-4-12 form.
std::string NewUuid();

}  // namespace flowlens::server
