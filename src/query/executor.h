// Runs a query: parse, analyze, scan in parallel, apply the commands, and
// render the result rows as GetQueryResults does.
//
//   QueryOptions opts;  // default: all time, 10,000 rows, both cores
//   Result<QueryResult> r = RunQueryOnFiles(text, {{"day.log"}}, opts);
//
// Thread safety: each call is independent; it starts its own worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "query/plan.h"
#include "query/scan.h"

namespace flowlens::query {

struct QueryStatistics {
  double records_matched = 0;
  double records_scanned = 0;
  double bytes_scanned = 0;
};

struct QueryResult {
  std::vector<std::string> columns;
  // Rendered values; nullopt where the field is missing in that row.
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::vector<std::string> pointers;  // @ptr of each row (non-stats queries)
  bool is_stats = false;
  QueryStatistics statistics;
  std::vector<std::string> warnings;
};

struct QueryOptions {
  int64_t start_ms = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t end_ms = std::numeric_limits<int64_t>::max();    // inclusive
  int64_t limit = 10000;                                   // result rows; 0 = no limit
  int threads = 0;                                         // 0 = every core
  size_t memory_budget_bytes = size_t{4} << 30;
  std::optional<Layout> format;  // records' layout when files have no header line
  // When set, the scan counts its progress here (records, bytes of text read),
  // for a progress display on another thread.
  ScanCounters* counters = nullptr;
  // Lookup tables by name: CSV files with a header row.
  std::map<std::string, std::string> lookup_tables;
  // When set, the query hands out partial results while it runs: the whole
  // query (later commands, sort, limit) over the records scanned so far.
  // The first comes after `partial_interval_ms`; then at most one per
  // interval, spaced further apart when making one is slow (each costs at
  // most about a fifth of the run); an interval of 0 means one after every
  // morsel (file chunk, segment) a worker finishes while no other worker is
  // making one. Called on a worker thread, one call at a time, never after
  // RunQuery returns.
  std::function<void(QueryResult&&)> on_partial;
  int64_t partial_interval_ms = 1000;
};

// Position of a query error, for MalformedQueryException.
struct QueryErrorInfo {
  int line = 0, column = 0;
  int start_offset = 0, end_offset = 0;
};

// Where a query's rows come from: files (RunQueryOnFiles) or the store
// (store_scan.h). Workers call Next concurrently; each call scans one morsel
// (a chunk of a file, a segment) into batches handed to `sink`, and returns
// false once nothing is left.
class ScanSource {
 public:
  virtual ~ScanSource() = default;
  virtual Result<bool> Next(const ScanRequest& request, size_t slot_count, int64_t start_ms,
                            int64_t end_ms, ScanCounters* counters,
                            const std::function<void(Batch&)>& sink) = 0;
  // Lines the scan wants the user to know about (corrupt segments skipped...).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// Makes the source once the query is planned (a SOURCE command in the query
// may choose the log groups).
using SourceFactory = std::function<Result<std::unique_ptr<ScanSource>>(const Plan& plan)>;

Result<QueryResult> RunQuery(std::string_view query_text, const SourceFactory& make_source,
                             const QueryOptions& options, QueryErrorInfo* error_info = nullptr);

Result<QueryResult> RunQueryOnFiles(std::string_view query_text, std::vector<ScanInput> inputs,
                                    const QueryOptions& options,
                                    QueryErrorInfo* error_info = nullptr);

}  // namespace flowlens::query
