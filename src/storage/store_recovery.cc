// Store::Recover: load the manifest, replay the WAL after it, discard torn
// tails, remove what an interrupted flush left behind.
#include <algorithm>

#include <fmt/format.h>

#include "storage/filenames.h"
#include "storage/store.h"

namespace flowlens::storage {

using format::WalRecordType;

Status Store::Recover() {
  Manifest manifest;
  std::string manifest_path = ManifestFileName(dir_);
  if (fs_->Exists(manifest_path)) {
    ASSIGN_OR_RETURN(std::string bytes, fs_->ReadFile(manifest_path));
    ASSIGN_OR_RETURN(manifest, DecodeManifest(bytes, manifest_path));
  }
  std::set<uint64_t> live_segments;
  {
    std::lock_guard lock(state_mu_);
    last_seq_ = manifest.last_seq;
    next_group_id_ = manifest.next_group_id;
    next_segment_id_ = manifest.next_segment_id;
    for (ManifestGroup& mg : manifest.groups) {
      GroupState g;
      g.info = mg.info;
      if (!g.info.format.empty()) {
        Result<Layout> layout = Layout::Parse(g.info.format);
        if (!layout.ok()) return Status::DataLoss(manifest_path + ": bad format of " + g.info.name);
        g.layout = std::make_shared<const Layout>(std::move(layout).value());
      }
      for (LogStreamInfo& s : mg.streams) g.streams[s.name] = std::move(s);
      for (const SegmentEntry& e : mg.segments) {
        live_segments.insert(e.id);
        g.segments.push_back(
            std::make_shared<const SegmentFile>(e, SegmentFileName(dir_, e.id), fs_));
      }
      groups_[mg.info.name] = std::move(g);
    }
    for (IngestedObject& o : manifest.ingested) ingested_[std::move(o.key)] = o.ingested_ms;
  }

  // Leftovers of an interrupted flush: temporary files, segments not in the manifest.
  if (fs_->Exists(TempFileName(manifest_path))) {
    RETURN_IF_ERROR(fs_->Remove(TempFileName(manifest_path)));
    recovery_.notes.push_back("removed " + TempFileName(manifest_path));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> seg_files, fs_->ListDir(SegmentDirName(dir_)));
  for (const std::string& name : seg_files) {
    uint64_t id;
    FileType type = ParseFileName(name, &id);
    if (type == FileType::kTemp || (type == FileType::kSegment && !live_segments.count(id))) {
      RETURN_IF_ERROR(fs_->Remove(SegmentDirName(dir_) + "/" + name));
      recovery_.notes.push_back("removed unfinished segment " + name);
    }
  }

  ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDir(dir_));
  std::vector<uint64_t> wals;
  for (const std::string& name : names) {
    uint64_t number;
    if (ParseFileName(name, &number) == FileType::kWal) wals.push_back(number);
  }
  std::sort(wals.begin(), wals.end());
  next_wal_number_ = std::max<uint64_t>(manifest.log_number, 1);
  for (uint64_t number : wals) {
    next_wal_number_ = std::max(next_wal_number_, number + 1);
    std::string path = WalFileName(dir_, number);
    if (number < manifest.log_number) {
      RETURN_IF_ERROR(fs_->Remove(path));  // fully reflected in the manifest
      continue;
    }
    ASSIGN_OR_RETURN(std::string data, fs_->ReadFile(path));
    ASSIGN_OR_RETURN(WalFileReport report,
                     ReadWal(path, data, [this](WalRecordType type, std::string_view payload) {
                       return ReplayRecord(type, payload);
                     }));
    recovery_.wal_files.push_back(path);
    if (report.discarded_bytes > 0) {
      recovery_.bytes_discarded += report.discarded_bytes;
      recovery_.notes.push_back(fmt::format("{}: discarded a torn tail of {} bytes ({})", path,
                                            report.discarded_bytes, report.torn_reason));
      // Cut it off so that it is not found again (nothing is ever appended to this file).
      if (report.valid_bytes == 0) {
        RETURN_IF_ERROR(fs_->Remove(path));
        continue;
      }
      RETURN_IF_ERROR(fs_->Truncate(path, report.valid_bytes));
    }
    old_wals_.push_back(number);
  }
  return Status::Ok();
}

Status Store::ReplayRecord(WalRecordType type, std::string_view payload) {
  uint64_t seq = PayloadSequence(payload);
  if (seq <= last_seq_) {
    ++recovery_.records_skipped;
    return Status::Ok();
  }
  if (seq != last_seq_ + 1) {
    recovery_.notes.push_back(
        fmt::format("sequence jumps from {} to {} in the write-ahead log", last_seq_.load(), seq));
  }
  switch (type) {
    case WalRecordType::kEvents: {
      ASSIGN_OR_RETURN(EventsRecord r, DecodeEvents(payload));
      for (const WriteBatch::Entry& e : r.entries) recovery_.events_replayed += e.chunk->size();
      ApplyEvents(std::move(r));
      break;
    }
    case WalRecordType::kCreateGroup: {
      ASSIGN_OR_RETURN(CreateGroupRecord r, DecodeCreateGroup(payload));
      RETURN_IF_ERROR(ApplyCreateGroup(r));
      break;
    }
    case WalRecordType::kPutRetention: {
      ASSIGN_OR_RETURN(PutRetentionRecord r, DecodePutRetention(payload));
      RETURN_IF_ERROR(ApplyPutRetention(r));
      break;
    }
    case WalRecordType::kCreateStream: {
      ASSIGN_OR_RETURN(CreateStreamRecord r, DecodeCreateStream(payload));
      RETURN_IF_ERROR(ApplyCreateStream(r));
      break;
    }
  }
  last_seq_ = seq;
  ++recovery_.records_replayed;
  return Status::Ok();
}

}  // namespace flowlens::storage
