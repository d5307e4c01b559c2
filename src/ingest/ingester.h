// Ingestion of flow-log files into a log group of the store: files,
// directories (recursive, in name order), .gz, standard input, and S3 key
// layouts (AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/*.log.gz)
// with the format taken from each object's header line.
//
// Whole objects (IngestPaths, and .gz objects while following) go through the
// bulk loader (bulk_loader.h): parsed once on all cores, written straight to
// segments, committed atomically with their ingested mark; lines appended to
// followed plain files go through the write-ahead log.
//
// Each record becomes an event of the stream `<interface-id>-all` (the name
// the flow-log service gives streams in CloudWatch Logs) with @timestamp =
// start x 1000, as CloudWatch Logs sets it for flow logs. A line that is not a
// record of the layout is rejected (counted, the first few reported with file
// and line) and never stops the ingest unless `strict`. An object already
// ingested (same path and content hash) is skipped and reported; an object's
// events and its "ingested" mark are made durable together, so a re-run after
// a crash neither loses nor doubles it.
//
//   IngestOptions opts; opts.group = "/vpc/flows";
//   Result<IngestReport> r = IngestPaths(store, {"bucket/AWSLogs"}, opts);
//
// Thread safety: one ingest at a time per store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "storage/store.h"

namespace flowlens::ingest {

struct IngestOptions {
  std::string group;
  std::optional<Layout> format;  // for files without a header line; default: AWS default
  bool strict = false;           // stop at the first rejected line
  size_t errors_to_keep = 5;
  int threads = 0;  // parsing threads of a bulk load; 0: one per core (at most 8)
  // Called now and then with (bytes read so far, total bytes of the inputs).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct IngestReport {
  uint64_t files = 0;
  uint64_t files_skipped = 0;  // already ingested
  uint64_t records_stored = 0;
  uint64_t bytes_read = 0;
  uint64_t lines_rejected = 0;
  std::vector<std::string> first_errors;  // "file:line: reason"
  std::vector<std::string> skipped;       // paths of objects already ingested
  // Bytes of each plain (not .gz) file read, for FollowPaths to go on from.
  std::map<std::string, uint64_t> plain_offsets;
};

// Expands directories (recursively) and returns the files in order.
Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths);

Result<IngestReport> IngestPaths(storage::Store& store, const std::vector<std::string>& paths,
                                 const IngestOptions& options);

// Keeps ingesting until `stop`: whole lines appended to plain files (from
// where it left off; a file that shrinks starts over), and each new .gz object
// in the directories once. Polls twice a second; segments are flushed every
// few seconds and at the end. Calls `on_progress` after rounds that stored
// something. Plain files start at `start_offsets` (what IngestPaths read);
// offsets are not kept across runs.
Status FollowPaths(storage::Store& store, const std::vector<std::string>& paths,
                   const IngestOptions& options,
                   const std::map<std::string, uint64_t>& start_offsets,
                   const std::atomic<bool>& stop,
                   const std::function<void(const IngestReport&)>& on_progress);

}  // namespace flowlens::ingest
