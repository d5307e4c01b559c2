// Store: opening, the catalog operations, Append and snapshots. Flushes,
// deletions and retention are in store_flush.cc, recovery in
// store_recovery.cc, Check in store_check.cc.
#include "storage/store.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "storage/filenames.h"

namespace flowlens::storage {

using format::WalRecordType;

Store::Store(std::string dir, StoreOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  fs_ = options_.fs ? options_.fs : DefaultFileSystem();
}

Store::~Store() {
  if (sync_thread_.joinable()) {
    {
      std::lock_guard lock(sync_mu_);
      stop_sync_ = true;
    }
    sync_cv_.notify_all();
    sync_thread_.join();
  }
  std::lock_guard lock(write_mu_);
  if (wal_ && !wal_->broken()) {
    if (options_.sync != SyncPolicy::kNone) (void)wal_->Sync();
    (void)wal_->Close();
  }
}

int64_t Store::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(dir, options));
  FileSystem* fs = store->fs_.get();
  if (!fs->Exists(dir)) {
    if (!options.create_if_missing) return Status::NotFound("no data directory " + dir);
    RETURN_IF_ERROR(fs->CreateDirs(dir));
  }
  ASSIGN_OR_RETURN(store->lock_, fs->LockFile(LockFileName(dir)));
  RETURN_IF_ERROR(fs->CreateDirs(SegmentDirName(dir)));
  RETURN_IF_ERROR(store->Recover());
  if (options.sync == SyncPolicy::kInterval) {
    store->sync_thread_ = std::thread([s = store.get()] { s->SyncLoop(); });
  }
  return store;
}

void Store::SyncLoop() {
  std::unique_lock lock(sync_mu_);
  while (!stop_sync_) {
    sync_cv_.wait_for(lock, std::chrono::milliseconds(options_.sync_interval_ms));
    if (stop_sync_ || !wal_dirty_) continue;
    wal_dirty_ = false;
    lock.unlock();
    {
      std::lock_guard write(write_mu_);
      if (wal_ && !wal_->broken())
        (void)wal_->Sync();  // a failure breaks the writer: the next Append rotates
    }
    lock.lock();
  }
}

void Store::Changed() {
  cached_snapshot_.reset();
}

Status Store::EnsureWal() {
  // No WAL yet, or the last write or sync failed: continue in a new file.
  if (wal_ && !wal_->broken()) return Status::Ok();
  return RotateWal();
}

Status Store::RotateWal() {
  uint64_t number = next_wal_number_;
  ASSIGN_OR_RETURN(std::unique_ptr<WalWriter> w,
                   WalWriter::Create(fs_.get(), WalFileName(dir_, number), number));
  RETURN_IF_ERROR(fs_->SyncDir(dir_));
  ++next_wal_number_;
  if (wal_) {
    if (!wal_->broken() && options_.sync != SyncPolicy::kNone) (void)wal_->Sync();
    (void)wal_->Close();
    old_wals_.push_back(wal_->number());
  }
  wal_ = std::move(w);
  return Status::Ok();
}

Status Store::LogRecord(WalRecordType type, const std::string& payload) {
  RETURN_IF_ERROR(EnsureWal());
  RETURN_IF_ERROR(wal_->AddRecord(type, payload));
  if (options_.sync == SyncPolicy::kEveryAppend) {
    RETURN_IF_ERROR(wal_->Sync());
  } else if (options_.sync == SyncPolicy::kInterval) {
    std::lock_guard lock(sync_mu_);
    wal_dirty_ = true;
  }
  return Status::Ok();
}

Status Store::CreateLogGroup(std::string_view name, const LogGroupOptions& options) {
  RETURN_IF_ERROR(ValidateGroupName(name));
  if (options.retention_days != 0) RETURN_IF_ERROR(ValidateRetentionDays(options.retention_days));
  if (!options.format.empty()) {
    Result<Layout> layout = Layout::Parse(options.format);
    if (!layout.ok()) return layout.status().WithContext("log group format");
  }
  std::lock_guard write(write_mu_);
  CreateGroupRecord r;
  {
    std::lock_guard lock(state_mu_);
    if (groups_.count(name)) {
      return Status::AlreadyExists(fmt::format("log group '{}' already exists", name));
    }
    r.info.id = next_group_id_;
  }
  r.info.name = std::string(name);
  r.info.creation_time_ms = Now();
  r.info.retention_days = options.retention_days;
  r.info.format = options.format;
  RETURN_IF_ERROR(LogRecord(WalRecordType::kCreateGroup, EncodeCreateGroup(last_seq_ + 1, r)));
  ++last_seq_;
  return ApplyCreateGroup(r);
}

Status Store::ApplyCreateGroup(const CreateGroupRecord& r) {
  GroupState g;
  g.info = r.info;
  if (!r.info.format.empty()) {
    Result<Layout> layout = Layout::Parse(r.info.format);
    if (!layout.ok()) return layout.status().WithContext("log group " + r.info.name);
    g.layout = std::make_shared<const Layout>(std::move(layout).value());
  }
  std::lock_guard lock(state_mu_);
  next_group_id_ = std::max(next_group_id_, r.info.id + 1);
  groups_[r.info.name] = std::move(g);
  Changed();
  return Status::Ok();
}

Status Store::PutRetentionPolicy(std::string_view group, int days) {
  RETURN_IF_ERROR(ValidateRetentionDays(days));
  return SetRetention(group, days);
}

Status Store::DeleteRetentionPolicy(std::string_view group) {
  return SetRetention(group, 0);
}

Status Store::SetRetention(std::string_view group, int days) {
  std::lock_guard write(write_mu_);
  RETURN_IF_ERROR(FindGroup(group).status());
  PutRetentionRecord r{std::string(group), days};
  RETURN_IF_ERROR(LogRecord(WalRecordType::kPutRetention, EncodePutRetention(last_seq_ + 1, r)));
  ++last_seq_;
  return ApplyPutRetention(r);
}

Result<const Store::GroupState*> Store::FindGroup(std::string_view group) const {
  std::lock_guard lock(state_mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    return Status::NotFound(fmt::format("log group '{}' does not exist", group));
  }
  return &it->second;
}

Status Store::ApplyPutRetention(const PutRetentionRecord& r) {
  std::lock_guard lock(state_mu_);
  auto it = groups_.find(r.group);
  if (it == groups_.end()) return Status::DataLoss("retention for unknown group " + r.group);
  it->second.info.retention_days = r.days;
  Changed();
  return Status::Ok();
}

Status Store::CreateLogStream(std::string_view group, std::string_view stream) {
  RETURN_IF_ERROR(ValidateStreamName(stream));
  std::lock_guard write(write_mu_);
  ASSIGN_OR_RETURN(const GroupState* g, FindGroup(group));
  {
    std::lock_guard lock(state_mu_);
    if (g->streams.count(stream)) {
      return Status::AlreadyExists(
          fmt::format("log stream '{}' already exists in log group '{}'", stream, group));
    }
  }
  CreateStreamRecord r{std::string(group), std::string(stream), Now()};
  RETURN_IF_ERROR(LogRecord(WalRecordType::kCreateStream, EncodeCreateStream(last_seq_ + 1, r)));
  ++last_seq_;
  return ApplyCreateStream(r);
}

Status Store::ApplyCreateStream(const CreateStreamRecord& r) {
  std::lock_guard lock(state_mu_);
  auto it = groups_.find(r.group);
  if (it == groups_.end()) return Status::DataLoss("stream of unknown group " + r.group);
  LogStreamInfo& s = it->second.streams[r.stream];
  s.name = r.stream;
  s.creation_time_ms = r.creation_time_ms;
  Changed();
  return Status::Ok();
}

Status Store::Append(std::string_view group, std::string_view stream, std::span<const Event> events,
                     bool create_stream) {
  WriteBatch batch;
  batch.Add(group, stream, events, create_stream);
  return Append(batch);
}

Status Store::ValidateBatch(const WriteBatch& batch) const {
  std::lock_guard lock(state_mu_);
  for (const WriteBatch::Entry& e : batch.entries()) {
    auto it = groups_.find(e.group);
    if (it == groups_.end()) {
      return Status::NotFound(fmt::format("log group '{}' does not exist", e.group));
    }
    if (!it->second.streams.count(e.chunk->stream)) {
      if (!e.create_stream) {
        return Status::NotFound(fmt::format("log stream '{}' does not exist in log group '{}'",
                                            e.chunk->stream, e.group));
      }
      RETURN_IF_ERROR(ValidateStreamName(e.chunk->stream));
    }
  }
  return Status::Ok();
}

Status Store::Append(const WriteBatch& batch) {
  if (batch.entries().empty() && batch.objects().empty()) return Status::Ok();
  bool flush = false;
  {
    std::lock_guard write(write_mu_);
    RETURN_IF_ERROR(ValidateBatch(batch));
    std::string payload = EncodeEvents(last_seq_ + 1, batch, Now());
    RETURN_IF_ERROR(LogRecord(WalRecordType::kEvents, payload));
    ++last_seq_;
    // Decoding what was logged applies exactly what recovery would.
    Result<EventsRecord> r = DecodeEvents(payload);
    if (!r.ok()) return Status::Internal("events record does not decode: " + r.status().message());
    ApplyEvents(std::move(r).value());
    std::lock_guard lock(state_mu_);
    flush = options_.flush_bytes != 0 && unflushed_bytes_ >= options_.flush_bytes;
  }
  // The events are durable already; a failed automatic flush leaves them in the WAL.
  if (flush) (void)Flush();
  return Status::Ok();
}

void Store::ApplyEvents(EventsRecord&& r) {
  std::lock_guard lock(state_mu_);
  for (WriteBatch::Entry& e : r.entries) {
    auto it = groups_.find(e.group);
    if (it == groups_.end() || e.chunk->size() == 0) continue;
    GroupState& g = it->second;
    auto s = g.streams.find(e.chunk->stream);
    if (s == g.streams.end()) {
      if (!e.create_stream) continue;
      s = g.streams.emplace(e.chunk->stream, LogStreamInfo{}).first;
      s->second.name = e.chunk->stream;
      s->second.creation_time_ms = e.chunk->events.front().ingestion_time_ms;
    }
    LogStreamInfo& info = s->second;
    for (const EventChunk::Item& item : e.chunk->events) {
      if (info.first_event_time_ms == 0 || item.timestamp_ms < info.first_event_time_ms) {
        info.first_event_time_ms = item.timestamp_ms;
      }
      info.last_event_time_ms = std::max(info.last_event_time_ms, item.timestamp_ms);
      info.last_ingestion_time_ms = std::max(info.last_ingestion_time_ms, item.ingestion_time_ms);
    }
    info.stored_bytes += e.chunk->text.size();
    g.info.stored_bytes += e.chunk->text.size();
    g.unflushed_events += e.chunk->size();
    unflushed_bytes_ += e.chunk->text.size() + sizeof(EventChunk::Item) * e.chunk->size();
    g.unflushed.push_back(std::move(e.chunk));
  }
  for (IngestedObject& o : r.objects) ingested_[std::move(o.key)] = o.ingested_ms;
  Changed();
}

std::vector<LogGroupInfo> Store::ListLogGroups(std::string_view prefix) const {
  std::lock_guard lock(state_mu_);
  std::vector<LogGroupInfo> out;
  for (auto it = groups_.lower_bound(prefix); it != groups_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    out.push_back(it->second.info);
  }
  return out;
}

Result<std::vector<LogStreamInfo>> Store::ListLogStreams(std::string_view group,
                                                         std::string_view prefix) const {
  std::lock_guard lock(state_mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) {
    return Status::NotFound(fmt::format("log group '{}' does not exist", group));
  }
  std::vector<LogStreamInfo> out;
  for (auto it = g->second.streams.lower_bound(prefix); it != g->second.streams.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    out.push_back(it->second);
  }
  return out;
}

bool Store::IsIngested(const ObjectKey& key) const {
  std::lock_guard lock(state_mu_);
  return ingested_.count(key) != 0;
}

bool Store::HasIngestedPath(std::string_view path) const {
  std::lock_guard lock(state_mu_);
  // Keys order by path first: the first key not below (path, "") has it if any does.
  auto it = ingested_.lower_bound(ObjectKey{std::string(path), std::string()});
  return it != ingested_.end() && it->first.path == path;
}

uint64_t Store::unflushed_bytes() const {
  std::lock_guard lock(state_mu_);
  return unflushed_bytes_;
}

std::shared_ptr<const StoreSnapshot> Store::Snapshot() const {
  std::lock_guard lock(state_mu_);
  if (cached_snapshot_) return cached_snapshot_;
  std::vector<GroupSnapshot> groups;
  groups.reserve(groups_.size());
  for (const auto& [name, g] : groups_) {
    GroupSnapshot s;
    s.info = g.info;
    for (const auto& [sname, stream] : g.streams) s.streams.push_back(stream);
    s.segments = g.segments;
    s.unflushed = g.unflushed;
    s.unflushed_events = g.unflushed_events;
    s.layout_ = g.layout;
    groups.push_back(std::move(s));
  }
  cached_snapshot_ = std::make_shared<const StoreSnapshot>(last_seq_, std::move(groups), fs_);
  return cached_snapshot_;
}

}  // namespace flowlens::storage
