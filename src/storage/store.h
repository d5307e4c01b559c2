// Store: the embedded store of a data directory, modelled on CloudWatch Logs:
// log groups, log streams, events; a write-ahead log, columnar segments per
// group, retention, snapshots for readers, and an ingested-objects registry.
//
// Durability. Append() returns once its events are in the WAL and, with the
// default SyncPolicy::kEveryAppend, fdatasync'd: an acknowledged event
// survives kill -9 and a machine crash. kInterval syncs from a background
// thread every sync_interval_ms (group commit: an Append is then safe from a
// process crash at once, from a machine crash within the interval); kNone
// leaves syncing to the OS. An Append that fails may or may not be there after
// a restart. Open() recovers: it loads the manifest, replays the WAL records
// after it, discards a torn tail (recovery_report() says what it found), and
// removes files a crash left behind.
//
// Flush() moves the WAL's events into segments: new WAL file, segments
// written to *.tmp, fsync, rename, fsync of the directory, then a new
// MANIFEST the same way (the commit point), then the old WAL files are
// removed. A crash at any step leaves the events visible exactly once: in the
// WAL before the manifest rename, in segments after it. Deleting a group or
// stream and ApplyRetention() are flushes with changes, committed the same
// way. Append() flushes by itself past options.flush_bytes of WAL events.
//
// Concurrency. One writer process per data directory: Open() takes an flock
// on <dir>/LOCK, and another process (or a second Open in this one) gets
// FailedPrecondition "... in use by process N". Other processes must not
// write the directory; reading its files while the writer runs is not
// supported (a flush may remove a WAL file or segment mid-read). In the
// process, all methods may be called from any thread: writes are serialized
// (a flush blocks other writes), and Snapshot() gives readers a consistent,
// immutable view at any time, also during a flush.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open("./flowlens-data", {}));
//   RETURN_IF_ERROR(store->CreateLogGroup("/vpc/flows", {}));
//   RETURN_IF_ERROR(store->Append("/vpc/flows", "eni-1", events, /*create_stream=*/true));
//   std::shared_ptr<const StoreSnapshot> snap = store->Snapshot();
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/file_system.h"
#include "storage/model.h"
#include "storage/segment_builder.h"
#include "storage/segment_writer.h"
#include "storage/snapshot.h"
#include "storage/wal.h"
#include "storage/write_batch.h"

namespace flowlens::storage {

enum class SyncPolicy { kEveryAppend, kInterval, kNone };

struct StoreOptions {
  std::shared_ptr<FileSystem> fs;  // null: the real file system
  SyncPolicy sync = SyncPolicy::kEveryAppend;
  int sync_interval_ms = 100;  // for kInterval
  // Append flushes when the unflushed events pass this many bytes; 0: never.
  uint64_t flush_bytes = 64u << 20;
  int64_t partition_ms = 3'600'000;      // a segment holds events of one such window
  uint64_t max_segment_rows = 1u << 20;  // and at most this many rows
  int zstd_level = 3;                    // 3: ~3x less CPU than 9 for ~3% more bytes (segment.md)
  bool create_if_missing = true;
  std::function<int64_t()> clock;  // Unix ms; null: the system clock
};

struct LogGroupOptions {
  int retention_days = 0;  // 0: never expire
  std::string format;      // flow-log format string, empty: the default format
};

// A bulk load's new segments, what it adds to their streams, and the object
// it came from: committed together by Store::CommitBulk.
struct BulkLoad {
  std::string group;
  std::vector<std::shared_ptr<const SegmentFile>> segments;  // from WriteBulkSegment
  std::vector<StreamLoad> streams;                           // one entry per stream
  std::optional<ObjectKey> object;                           // marked ingested with them
};

struct RecoveryReport {
  std::vector<std::string> wal_files;  // replayed, in order
  uint64_t records_replayed = 0;       // WAL records applied
  uint64_t events_replayed = 0;
  uint64_t records_skipped = 0;    // already in the manifest
  uint64_t bytes_discarded = 0;    // torn tails
  std::vector<std::string> notes;  // one line per torn tail or removed leftover
};

struct RetentionReport {
  uint64_t segments_dropped = 0;
  uint64_t events_dropped = 0;
  uint64_t bytes_freed = 0;
};

struct CheckProblem {
  std::string path;
  std::string message;
};

struct CheckReport {
  uint64_t segments_checked = 0;
  uint64_t wal_files_checked = 0;
  uint64_t wal_records_checked = 0;
  std::vector<CheckProblem> problems;
  bool ok() const { return problems.empty(); }
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const RecoveryReport& recovery_report() const { return recovery_; }
  const std::string& dir() const { return dir_; }
  const StoreOptions& options() const { return options_; }

  Status CreateLogGroup(std::string_view name, const LogGroupOptions& options = {});
  Status DeleteLogGroup(std::string_view name);
  std::vector<LogGroupInfo> ListLogGroups(std::string_view prefix = {}) const;
  Status PutRetentionPolicy(std::string_view group, int days);
  Status DeleteRetentionPolicy(std::string_view group);

  Status CreateLogStream(std::string_view group, std::string_view stream);
  Status DeleteLogStream(std::string_view group, std::string_view stream);
  Result<std::vector<LogStreamInfo>> ListLogStreams(std::string_view group,
                                                    std::string_view prefix = {}) const;

  Status Append(std::string_view group, std::string_view stream, std::span<const Event> events,
                bool create_stream = false);
  Status Append(const WriteBatch& batch);

  Status Flush();

  // Bulk loading (whole files; ingest/bulk_loader.h) bypasses the WAL.
  // WriteBulkSegment writes a builder's rows as a segment file of `group` at
  // once (synced; any number of threads may call it at the same time); the
  // segment stays invisible, and is removed as a leftover by the next Open,
  // until CommitBulk lists it in a new manifest together with the streams'
  // counters and the object's ingested mark. That commit is the same atomic
  // manifest rename as a flush's: after a crash either all of a load is
  // there or none of it, and an object is never stored twice. Segments not
  // committed are removed when the last reference to them goes.
  Result<std::shared_ptr<const SegmentFile>> WriteBulkSegment(std::string_view group,
                                                              SegmentBuilder* builder);
  Status CommitBulk(const BulkLoad& load);
  Result<RetentionReport> ApplyRetention(int64_t now_ms);

  std::shared_ptr<const StoreSnapshot> Snapshot() const;
  CheckReport Check() const;

  bool IsIngested(const ObjectKey& key) const;
  // Whether some object was marked ingested under `path` (whatever its hash).
  bool HasIngestedPath(std::string_view path) const;
  uint64_t unflushed_bytes() const;

 private:
  struct GroupState {
    LogGroupInfo info;
    std::shared_ptr<const Layout> layout;
    std::map<std::string, LogStreamInfo, std::less<>> streams;
    std::vector<std::shared_ptr<const SegmentFile>> segments;
    std::vector<std::shared_ptr<const EventChunk>> unflushed;
    uint64_t unflushed_events = 0;
  };
  // Changes a checkpoint commits along with the flush.
  struct CheckpointPlan {
    std::string delete_group;
    std::string stream_group, delete_stream;
    int64_t retention_now_ms = -1;
    const BulkLoad* bulk = nullptr;
  };
  using Groups = std::map<std::string, GroupState, std::less<>>;

  Store(std::string dir, StoreOptions options);
  int64_t Now() const;
  Status Recover();
  Status ReplayRecord(format::WalRecordType type, std::string_view payload);
  // Apply* change the in-memory state; callers hold write_mu_.
  Status ApplyCreateGroup(const CreateGroupRecord& r);
  Status ApplyPutRetention(const PutRetentionRecord& r);
  Status ApplyCreateStream(const CreateStreamRecord& r);
  void ApplyEvents(EventsRecord&& r);
  Status SetRetention(std::string_view group, int days);
  // The group's state, NotFound if there is none; caller holds write_mu_ (the
  // pointer stays valid until the caller releases it).
  Result<const GroupState*> FindGroup(std::string_view group) const;
  Status LogRecord(format::WalRecordType type, const std::string& payload);
  Status EnsureWal();
  Status ValidateBatch(const WriteBatch& batch) const;
  Status Checkpoint(const CheckpointPlan& plan, RetentionReport* report);
  Status WriteSegmentFile(uint64_t id, uint64_t group_id, const Layout* layout,
                          std::vector<std::string> streams, std::vector<SegmentRow> rows,
                          std::vector<std::shared_ptr<const SegmentFile>>* out);
  // Writes segment `id` with `write` to a temporary file, syncs and renames it.
  Result<std::shared_ptr<const SegmentFile>> WriteSegmentWith(
      uint64_t id, const std::function<Result<SegmentFooter>(WritableFile*)>& write);
  void ApplyBulk(const BulkLoad& load, GroupState* g) const;
  Result<std::vector<std::shared_ptr<const SegmentFile>>> FlushGroup(const GroupState& group,
                                                                     const CheckpointPlan& plan,
                                                                     uint64_t* next_segment_id);
  Status RewriteWithoutStream(const GroupState& group, const SegmentFile& segment,
                              std::string_view stream, uint64_t* next_segment_id,
                              std::vector<std::shared_ptr<const SegmentFile>>* out);
  // Sets *renamed once the new manifest is in place (the commit point).
  Status CommitManifest(const Groups& groups, uint64_t log_number, uint64_t next_segment_id,
                        const ObjectKey* also_ingested, bool* renamed);
  Status RotateWal();
  void RemoveObsoleteWals(uint64_t below);
  void Changed();  // invalidates the cached snapshot; caller holds state_mu_
  void SyncLoop();

  const std::string dir_;
  const StoreOptions options_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<FileLock> lock_;
  RecoveryReport recovery_;

  std::mutex write_mu_;          // serializes writers; held across I/O
  mutable std::mutex state_mu_;  // guards the fields below; never held across I/O
  Groups groups_;
  std::map<ObjectKey, int64_t> ingested_;
  std::atomic<uint64_t> last_seq_{0};  // written under write_mu_
  uint64_t next_group_id_ = 1;
  uint64_t next_segment_id_ = 1;
  uint64_t unflushed_bytes_ = 0;
  mutable std::shared_ptr<const StoreSnapshot> cached_snapshot_;

  std::unique_ptr<WalWriter> wal_;  // guarded by write_mu_ (and sync_mu_ for Sync)
  std::vector<uint64_t> old_wals_;  // replayed or rotated, removed after a checkpoint
  uint64_t next_wal_number_ = 1;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stop_sync_ = false;
  bool wal_dirty_ = false;
  std::thread sync_thread_;
};

}  // namespace flowlens::storage
