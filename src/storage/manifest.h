// Manifest: the durable state of a data directory apart from the WAL: log
// groups and streams, the segments of each group, the ingested-objects
// registry, and the WAL position it reflects (docs/formats/segment.md,
// "Manifest").
//
// The manifest is replaced atomically (MANIFEST.tmp, fsync, rename, fsync of
// the directory); that rename is the commit point of every flush, retention
// run and deletion. Recovery loads it, then replays the WAL records with a
// sequence number above last_seq.
//
//   std::string bytes = EncodeManifest(m);
//   ASSIGN_OR_RETURN(Manifest again, DecodeManifest(bytes, path));
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/model.h"

namespace flowlens::storage {

struct SegmentEntry {
  uint64_t id = 0;
  uint64_t rows = 0;
  uint64_t file_size = 0;
  int64_t min_timestamp_ms = 0;
  int64_t max_timestamp_ms = 0;
};

struct ManifestGroup {
  LogGroupInfo info;
  std::vector<LogStreamInfo> streams;
  std::vector<SegmentEntry> segments;
};

struct Manifest {
  uint64_t last_seq = 0;    // every WAL record up to here is reflected
  uint64_t log_number = 0;  // WAL files numbered below this are obsolete
  uint64_t next_group_id = 1;
  uint64_t next_segment_id = 1;
  std::vector<ManifestGroup> groups;
  std::vector<IngestedObject> ingested;
};

std::string EncodeManifest(const Manifest& m);
// DataLoss naming `path` when the bytes are not an intact manifest.
Result<Manifest> DecodeManifest(std::string_view bytes, const std::string& path);

}  // namespace flowlens::storage
