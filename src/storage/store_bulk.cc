// Store bulk loading: segments written straight from parsed files, committed
// with their streams' counters and the object's ingested mark in one manifest
// (store.h, "Bulk loading"; docs/formats/segment.md, "Bulk loads").
#include <algorithm>

#include <fmt/format.h>

#include "storage/store.h"

namespace flowlens::storage {

Result<std::shared_ptr<const SegmentFile>> Store::WriteBulkSegment(std::string_view group,
                                                                   SegmentBuilder* builder) {
  uint64_t id, group_id;
  {
    // The id is taken under write_mu_: a checkpoint publishes next_segment_id_
    // as it found it at its start, so it must not run while one is handed out.
    std::lock_guard write(write_mu_);
    ASSIGN_OR_RETURN(const GroupState* g, FindGroup(group));
    std::lock_guard lock(state_mu_);
    group_id = g->info.id;
    id = next_segment_id_++;
  }
  return WriteSegmentWith(id, [&](WritableFile* file) {
    return builder->Write(file, id, group_id, options_.zstd_level);
  });
}

Status Store::CommitBulk(const BulkLoad& load) {
  for (const StreamLoad& sl : load.streams) RETURN_IF_ERROR(ValidateStreamName(sl.name));
  std::lock_guard write(write_mu_);
  CheckpointPlan plan;
  plan.bulk = &load;
  RetentionReport unused;
  return Checkpoint(plan, &unused);
}

void Store::ApplyBulk(const BulkLoad& load, GroupState* g) const {
  const int64_t now = Now();
  for (const StreamLoad& sl : load.streams) {
    auto it = g->streams.find(sl.name);
    if (it == g->streams.end()) {
      it = g->streams.emplace(sl.name, LogStreamInfo{}).first;
      it->second.name = sl.name;
      it->second.creation_time_ms = now;
    }
    LogStreamInfo& info = it->second;
    if (sl.events > 0) {
      if (info.first_event_time_ms == 0 || sl.first_event_ms < info.first_event_time_ms) {
        info.first_event_time_ms = sl.first_event_ms;
      }
      info.last_event_time_ms = std::max(info.last_event_time_ms, sl.last_event_ms);
      info.last_ingestion_time_ms = std::max(info.last_ingestion_time_ms, now);
    }
    info.stored_bytes += sl.bytes;
    g->info.stored_bytes += sl.bytes;
  }
  g->segments.insert(g->segments.end(), load.segments.begin(), load.segments.end());
  std::sort(g->segments.begin(), g->segments.end(),
            [](const auto& a, const auto& b) { return a->entry.id < b->entry.id; });
}

}  // namespace flowlens::storage
