// The store's data model, as CloudWatch Logs has it: log groups, the log
// streams inside them, and events; plus the rules AWS applies to their names
// and retention values.
//
// Group names: 1-512 characters of [.\-_/#A-Za-z0-9]. Stream names: 1-512
// characters, no ':' or '*'. Retention: one of the day counts AWS accepts
// (kRetentionDays), or none (0). Times are Unix milliseconds.
//
//   Status s = ValidateGroupName("/aws/vpc/flow-logs");
//   Event e{.timestamp_ms = 1795737601000, .message = line};
//
// Thread safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace flowlens::storage {

// One log event as given to Store::Append. `message` is copied by Append.
struct Event {
  int64_t timestamp_ms = 0;
  int64_t ingestion_time_ms = 0;  // 0: set to the time of the Append
  std::string_view message;
};

struct LogGroupInfo {
  std::string name;
  uint64_t id = 0;  // unique in the data directory, never reused
  int64_t creation_time_ms = 0;
  int retention_days = 0;  // 0 = never expire
  std::string format;      // a known flow-log format string, or empty (Layout::Default())
  uint64_t stored_bytes = 0;
};

struct LogStreamInfo {
  std::string name;
  int64_t creation_time_ms = 0;
  int64_t first_event_time_ms = 0;  // 0 while the stream has no events
  int64_t last_event_time_ms = 0;
  int64_t last_ingestion_time_ms = 0;
  uint64_t stored_bytes = 0;  // bytes of event messages, uncompressed
};

// An ingested object (file, S3 object): its path and a hash of its content.
struct ObjectKey {
  std::string path;
  std::string content_hash;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

struct IngestedObject {
  ObjectKey key;
  int64_t ingested_ms = 0;
};

inline constexpr std::array<int, 22> kRetentionDays = {1,    3,    5,    7,    14,   30,  60,  90,
                                                       120,  150,  180,  365,  400,  545, 731, 1096,
                                                       1827, 2192, 2557, 2922, 3288, 3653};

// InvalidArgument naming the rule that is broken, OK otherwise.
Status ValidateGroupName(std::string_view name);
Status ValidateStreamName(std::string_view name);
Status ValidateRetentionDays(int days);

}  // namespace flowlens::storage
