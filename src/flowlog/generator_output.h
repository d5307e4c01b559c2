// Where generated records go: one plain-text file (CloudWatch Logs style, one
// record a line, no header), S3-style gzip objects under the AWS key layout,
// or a string in memory.
//
// The writer appends each line and its '\n' to buffer() between Begin(end_time)
// and End().
// Begin may finish the current S3 object first (a new 5-minute bucket of
// record end time); End flushes a full buffer or splits an object that grew
// past the size limit. Both return false on an I/O error, kept in status().
//
//   std::unique_ptr<OutputSink> out = MakeFileSink(path);
//   RETURN_IF_ERROR(out->Open());
//   if (!out->Begin(end)) return out->status();
//   AppendLineAndNewline(&out->buffer()); if (!out->End()) return out->status();
//   RETURN_IF_ERROR(out->Finish());
//
// Thread safety: one sink per run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "flowlog/generator_truth.h"

namespace flowlens::gen {

class OutputSink {
 public:
  virtual ~OutputSink() = default;

  // Creates or truncates the destination; fails early when it is unwritable.
  virtual Status Open() = 0;
  virtual bool Begin(int64_t end_time) = 0;
  std::string& buffer() { return buf_; }
  virtual bool End() = 0;
  virtual Status Finish() = 0;

  const Status& status() const { return status_; }
  // The S3 objects written (empty for the other sinks).
  const std::vector<ObjectInfo>& objects() const { return objects_; }

 protected:
  std::string buf_;
  Status status_;
  std::vector<ObjectInfo> objects_;
};

std::unique_ptr<OutputSink> MakeFileSink(std::string path);
std::unique_ptr<OutputSink> MakeMemorySink(std::string* out);

struct S3Layout {
  std::string root;  // the directory standing for the bucket
  std::string account_id, region, flow_log_id;
  std::string header;  // the header line every object starts with
  uint64_t seed = 0;   // for the deterministic 8-hex-digit hash in object names
  uint64_t object_limit_bytes = 75'000'000;  // split objects above this (uncompressed)
};
std::unique_ptr<OutputSink> MakeS3Sink(S3Layout layout);

// The key of an S3 object of the 5-minute bucket starting at `bucket_start`:
// AWSLogs/<acct>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/<acct>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash8>.log.gz
std::string S3ObjectKey(const S3Layout& layout, int64_t bucket_start, int part);

}  // namespace flowlens::gen
