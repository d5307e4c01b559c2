// Store checkpoints: Flush, DeleteLogGroup, DeleteLogStream and
// ApplyRetention all write segments and commit a new manifest (see store.h
// for the order of the steps and why a crash at any of them is safe).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "storage/filenames.h"
#include "storage/segment_writer.h"
#include "storage/store.h"

namespace flowlens::storage {
namespace {

constexpr int64_t kDayMs = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

Status Store::Flush() {
  std::lock_guard write(write_mu_);
  RetentionReport unused;
  return Checkpoint({}, &unused);
}

Result<RetentionReport> Store::ApplyRetention(int64_t now_ms) {
  std::lock_guard write(write_mu_);
  CheckpointPlan plan;
  plan.retention_now_ms = now_ms;
  RetentionReport report;
  RETURN_IF_ERROR(Checkpoint(plan, &report));
  return report;
}

Status Store::DeleteLogGroup(std::string_view name) {
  std::lock_guard write(write_mu_);
  RETURN_IF_ERROR(FindGroup(name).status());
  CheckpointPlan plan;
  plan.delete_group = std::string(name);
  RetentionReport unused;
  return Checkpoint(plan, &unused);
}

Status Store::DeleteLogStream(std::string_view group, std::string_view stream) {
  std::lock_guard write(write_mu_);
  ASSIGN_OR_RETURN(const GroupState* g, FindGroup(group));
  {
    std::lock_guard lock(state_mu_);
    if (!g->streams.count(stream)) {
      return Status::NotFound(
          fmt::format("log stream '{}' does not exist in log group '{}'", stream, group));
    }
  }
  CheckpointPlan plan;
  plan.stream_group = std::string(group);
  plan.delete_stream = std::string(stream);
  RetentionReport unused;
  return Checkpoint(plan, &unused);
}

Result<std::shared_ptr<const SegmentFile>> Store::WriteSegmentWith(
    uint64_t id, const std::function<Result<SegmentFooter>(WritableFile*)>& write) {
  std::string path = SegmentFileName(dir_, id);
  std::string tmp = TempFileName(path);
  Result<std::shared_ptr<const SegmentFile>> r =
      [&]() -> Result<std::shared_ptr<const SegmentFile>> {
    ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs_->NewWritableFile(tmp));
    ASSIGN_OR_RETURN(SegmentFooter footer, write(file.get()));
    RETURN_IF_ERROR(file->Sync());
    uint64_t size = file->size();
    RETURN_IF_ERROR(file->Close());
    RETURN_IF_ERROR(fs_->Rename(tmp, path));
    SegmentEntry e{id, footer.rows, size, footer.min_timestamp_ms, footer.max_timestamp_ms};
    auto seg = std::make_shared<SegmentFile>(e, path, fs_);
    seg->obsolete = true;  // until the manifest that lists it is committed
    return std::shared_ptr<const SegmentFile>(std::move(seg));
  }();
  if (!r.ok()) (void)fs_->Remove(tmp);
  return r;
}

Status Store::WriteSegmentFile(uint64_t id, uint64_t group_id, const Layout* layout,
                               std::vector<std::string> streams, std::vector<SegmentRow> rows,
                               std::vector<std::shared_ptr<const SegmentFile>>* out) {
  SegmentInput input;
  input.segment_id = id;
  input.group_id = group_id;
  input.layout = layout;
  input.streams = std::move(streams);
  input.rows = std::move(rows);
  input.zstd_level = options_.zstd_level;
  ASSIGN_OR_RETURN(auto seg, WriteSegmentWith(id, [&](WritableFile* file) {
                     return WriteSegment(&input, file);
                   }));
  out->push_back(std::move(seg));
  return Status::Ok();
}

Result<std::vector<std::shared_ptr<const SegmentFile>>> Store::FlushGroup(
    const GroupState& group, const CheckpointPlan& plan, uint64_t* next_segment_id) {
  bool drop_stream = plan.stream_group == group.info.name;
  // Partition by time window; within one, keep append order (the writer sorts stably).
  std::map<int64_t, std::vector<std::pair<const EventChunk*, size_t>>> parts;
  for (const auto& chunk : group.unflushed) {
    if (drop_stream && chunk->stream == plan.delete_stream) continue;
    for (size_t i = 0; i < chunk->size(); ++i) {
      parts[FloorDiv(chunk->events[i].timestamp_ms, options_.partition_ms)].push_back(
          {chunk.get(), i});
    }
  }
  std::vector<std::shared_ptr<const SegmentFile>> out;
  const Layout& layout = group.layout ? *group.layout : Layout::Default();
  for (auto& [key, events] : parts) {
    for (size_t first = 0; first < events.size(); first += options_.max_segment_rows) {
      size_t n = std::min<size_t>(options_.max_segment_rows, events.size() - first);
      std::map<std::string_view, uint32_t> stream_ids;
      std::vector<std::string> streams;
      std::vector<SegmentRow> rows;
      rows.reserve(n);
      for (size_t i = first; i < first + n; ++i) {
        const EventChunk& c = *events[i].first;
        auto [it, inserted] =
            stream_ids.try_emplace(c.stream, static_cast<uint32_t>(streams.size()));
        if (inserted) streams.push_back(c.stream);
        const EventChunk::Item& item = c.events[events[i].second];
        rows.push_back(
            {item.timestamp_ms, item.ingestion_time_ms, it->second, c.message(events[i].second)});
      }
      RETURN_IF_ERROR(WriteSegmentFile((*next_segment_id)++, group.info.id, &layout,
                                       std::move(streams), std::move(rows), &out));
    }
  }
  return out;
}

Status Store::RewriteWithoutStream(const GroupState& group, const SegmentFile& segment,
                                   std::string_view stream, uint64_t* next_segment_id,
                                   std::vector<std::shared_ptr<const SegmentFile>>* out) {
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> reader,
                   SegmentReader::Open(fs_.get(), segment.path));
  const auto& names = reader->footer().streams;
  if (std::find(names.begin(), names.end(), stream) == names.end()) return Status::Ok();
  ColumnRequest req;
  req.timestamp = req.ingestion_time = req.log_stream = req.message = true;
  std::vector<RowBlock> blocks(reader->num_blocks());
  std::vector<std::string> streams;
  std::map<std::string_view, uint32_t> stream_ids;
  std::vector<SegmentRow> rows;
  for (size_t b = 0; b < blocks.size(); ++b) {
    RETURN_IF_ERROR(reader->ReadBlock(req, b, &blocks[b]));
    for (size_t i = 0; i < blocks[b].size; ++i) {
      if (blocks[b].streams[i] == stream) continue;
      auto [it, inserted] =
          stream_ids.try_emplace(blocks[b].streams[i], static_cast<uint32_t>(streams.size()));
      if (inserted) streams.emplace_back(blocks[b].streams[i]);
      rows.push_back({blocks[b].timestamps[i], blocks[b].ingestion_times[i], it->second,
                      blocks[b].messages[i]});
    }
  }
  // The old segment goes either way; a segment of only that stream has no successor.
  if (!rows.empty()) {
    RETURN_IF_ERROR(WriteSegmentFile((*next_segment_id)++, group.info.id, reader->layout(),
                                     std::move(streams), std::move(rows), out));
  } else {
    out->push_back(nullptr);
  }
  return Status::Ok();
}

Status Store::CommitManifest(const Groups& groups, uint64_t log_number, uint64_t next_segment_id,
                             const ObjectKey* also_ingested, bool* renamed) {
  Manifest m;
  m.last_seq = last_seq_;
  m.log_number = log_number;
  m.next_group_id = next_group_id_;
  m.next_segment_id = next_segment_id;
  for (const auto& [name, g] : groups) {
    ManifestGroup mg;
    mg.info = g.info;
    for (const auto& [sname, s] : g.streams) mg.streams.push_back(s);
    for (const auto& seg : g.segments) mg.segments.push_back(seg->entry);
    m.groups.push_back(std::move(mg));
  }
  for (const auto& [key, time] : ingested_) m.ingested.push_back({key, time});
  if (also_ingested) m.ingested.push_back({*also_ingested, Now()});
  std::string path = ManifestFileName(dir_);
  std::string tmp = TempFileName(path);
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs_->NewWritableFile(tmp));
  RETURN_IF_ERROR(file->Append(EncodeManifest(m)));
  RETURN_IF_ERROR(file->Sync());
  RETURN_IF_ERROR(file->Close());
  RETURN_IF_ERROR(fs_->Rename(tmp, path));
  *renamed = true;
  return fs_->SyncDir(dir_);
}

void Store::RemoveObsoleteWals(uint64_t below) {
  std::vector<uint64_t> keep;
  for (uint64_t n : old_wals_) {
    if (n >= below || !fs_->Remove(WalFileName(dir_, n)).ok()) keep.push_back(n);
  }
  old_wals_ = std::move(keep);
}

Status Store::Checkpoint(const CheckpointPlan& plan, RetentionReport* report) {
  Groups next;
  uint64_t next_segment_id;
  bool pending = false;
  {
    std::lock_guard lock(state_mu_);
    next = groups_;
    next_segment_id = next_segment_id_;
    for (const auto& [name, g] : groups_) pending |= !g.unflushed.empty();
  }
  bool wal_used = wal_ && (wal_->broken() || wal_->size() > format::kWalHeaderSize);
  if (!pending && !wal_used && old_wals_.empty() && plan.delete_group.empty() &&
      plan.delete_stream.empty() && plan.retention_now_ms < 0 && !plan.bulk) {
    return Status::Ok();
  }
  // Records logged from now on go to a new WAL file, the one the manifest keeps.
  if (wal_used || !wal_) RETURN_IF_ERROR(RotateWal());
  uint64_t log_number = wal_->number();

  std::vector<std::shared_ptr<const SegmentFile>> created, dropped;
  bool renamed = false;
  Status s = [&]() -> Status {
    if (auto it = next.find(plan.delete_group); it != next.end()) {
      dropped.insert(dropped.end(), it->second.segments.begin(), it->second.segments.end());
      next.erase(it);
    }
    if (plan.bulk) {
      auto it = next.find(plan.bulk->group);
      if (it == next.end()) {
        return Status::NotFound(fmt::format("log group '{}' does not exist", plan.bulk->group));
      }
      ApplyBulk(*plan.bulk, &it->second);
      created.insert(created.end(), plan.bulk->segments.begin(), plan.bulk->segments.end());
    }
    for (auto& [name, g] : next) {
      if (plan.stream_group == name) {
        if (auto st = g.streams.find(plan.delete_stream); st != g.streams.end()) {
          g.info.stored_bytes -= st->second.stored_bytes;
          g.streams.erase(st);
        }
        std::vector<std::shared_ptr<const SegmentFile>> kept;
        for (const auto& seg : g.segments) {
          std::vector<std::shared_ptr<const SegmentFile>> rewritten;
          RETURN_IF_ERROR(
              RewriteWithoutStream(g, *seg, plan.delete_stream, &next_segment_id, &rewritten));
          if (rewritten.empty()) {
            kept.push_back(seg);
            continue;
          }
          dropped.push_back(seg);
          for (const auto& r : rewritten) {
            if (r) kept.push_back(r), created.push_back(r);
          }
        }
        g.segments = std::move(kept);
      }
      if (!g.unflushed.empty()) {
        ASSIGN_OR_RETURN(auto fresh, FlushGroup(g, plan, &next_segment_id));
        for (const auto& f : fresh) g.segments.push_back(f), created.push_back(f);
        g.unflushed.clear();
        g.unflushed_events = 0;
      }
      if (plan.retention_now_ms >= 0 && g.info.retention_days > 0) {
        int64_t cutoff = plan.retention_now_ms - g.info.retention_days * kDayMs;
        std::vector<std::shared_ptr<const SegmentFile>> kept;
        for (const auto& seg : g.segments) {
          if (seg->entry.max_timestamp_ms >= cutoff) {
            kept.push_back(seg);
            continue;
          }
          dropped.push_back(seg);
          ++report->segments_dropped;
          report->events_dropped += seg->entry.rows;
          report->bytes_freed += seg->entry.file_size;
        }
        g.segments = std::move(kept);
      }
    }
    if (!created.empty()) RETURN_IF_ERROR(fs_->SyncDir(SegmentDirName(dir_)));
    const ObjectKey* mark = plan.bulk && plan.bulk->object ? &*plan.bulk->object : nullptr;
    return CommitManifest(next, log_number, next_segment_id, mark, &renamed);
  }();
  if (!s.ok() && !renamed) return s;  // the new segments are still obsolete: their files go
  // Committed (if only the directory sync failed, maybe not durably: then keep
  // every old file, and a restart sees one state or the other, never a mix).
  for (const auto& c : created) c->obsolete = false;
  if (s.ok()) {
    for (const auto& d : dropped) {
      if (d) d->obsolete = true;
    }
  }
  {
    std::lock_guard lock(state_mu_);
    groups_ = std::move(next);
    next_segment_id_ = next_segment_id;
    unflushed_bytes_ = 0;
    if (renamed && plan.bulk && plan.bulk->object) ingested_[*plan.bulk->object] = Now();
    Changed();
  }
  if (s.ok()) RemoveObsoleteWals(log_number);
  return s;
}

}  // namespace flowlens::storage
