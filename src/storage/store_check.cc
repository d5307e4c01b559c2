// Store::Check: verifies every checksum of the data directory.
#include <fmt/format.h>

#include "storage/filenames.h"
#include "storage/store.h"

namespace flowlens::storage {

CheckReport Store::Check() const {
  CheckReport report;
  std::shared_ptr<const StoreSnapshot> snap = Snapshot();
  for (const GroupSnapshot& g : snap->groups()) {
    for (const auto& seg : g.segments) {
      ++report.segments_checked;
      Result<std::unique_ptr<SegmentReader>> reader = snap->OpenSegment(*seg);
      Status s = reader.ok() ? (*reader)->Verify() : reader.status();
      if (s.ok() && (*reader)->rows() != seg->entry.rows) {
        s = Status::DataLoss(
            fmt::format("has {} rows, the manifest says {}", (*reader)->rows(), seg->entry.rows));
      }
      if (!s.ok()) {
        report.problems.push_back(
            {seg->path, fmt::format("log group '{}': {}", g.info.name, s.message())});
      }
    }
  }
  std::string manifest = ManifestFileName(dir_);
  if (fs_->Exists(manifest)) {
    Result<std::string> bytes = fs_->ReadFile(manifest);
    Status s = bytes.ok() ? DecodeManifest(*bytes, manifest).status() : bytes.status();
    if (!s.ok()) report.problems.push_back({manifest, s.message()});
  }
  // The WAL files, while no write is in progress.
  auto* self = const_cast<Store*>(this);
  std::lock_guard write(self->write_mu_);
  std::vector<uint64_t> wals = old_wals_;
  if (wal_) wals.push_back(wal_->number());
  for (uint64_t n : wals) {
    std::string path = WalFileName(dir_, n);
    ++report.wal_files_checked;
    Result<std::string> data = fs_->ReadFile(path);
    if (!data.ok()) {
      report.problems.push_back({path, data.status().message()});
      continue;
    }
    Result<WalFileReport> r =
        ReadWal(path, *data, [](format::WalRecordType, std::string_view) { return Status::Ok(); });
    if (!r.ok()) {
      report.problems.push_back({path, r.status().message()});
      continue;
    }
    // A torn tail is no damage: it is an Append that failed or a crash, never acknowledged.
    report.wal_records_checked += r->records;
  }
  return report;
}

}  // namespace flowlens::storage
