// The write-ahead log: framed, checksummed records in numbered files
// (docs/formats/wal.md).
//
// A WAL file starts with a 24-byte header (magic, version, file number,
// header CRC) followed by records: length(4) masked-crc32c(4) type(1)
// payload. Every payload starts with the record's sequence number (fixed64).
//
// WalWriter appends records; it never syncs by itself (the store decides when,
// see store.h). After any failed write or sync the writer is broken(): the
// file may end in a partial record, so the store starts a new file rather
// than write after it. A partial record at the end of a file is a torn tail
// that recovery discards.
//
// ReadWal replays one file: it calls `fn` for every intact record, stops at a
// torn tail (a short frame, a length past the end, a checksum mismatch with no
// intact record right after it) and says how many bytes it discarded. A bad
// record followed by an intact one is corruption in the middle of the log:
// DataLoss with the path and offset, because acknowledged events would be lost.
//
//   ASSIGN_OR_RETURN(auto w, WalWriter::Create(fs, path, 7));
//   RETURN_IF_ERROR(w->AddRecord(WalRecordType::kEvents, payload)); RETURN_IF_ERROR(w->Sync());
//
// Thread safety: a WalWriter belongs to one thread at a time; ReadWal is reentrant.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/file_system.h"
#include "storage/format.h"

namespace flowlens::storage {

class WalWriter {
 public:
  // Creates (or truncates) the file, writes and syncs its header.
  static Result<std::unique_ptr<WalWriter>> Create(FileSystem* fs, const std::string& path,
                                                   uint64_t number);
  // `payload` must start with the fixed64 sequence number.
  Status AddRecord(format::WalRecordType type, std::string_view payload);
  Status Sync();
  Status Close();

  bool broken() const { return broken_; }
  uint64_t number() const { return number_; }
  uint64_t size() const { return file_->size(); }
  const std::string& path() const { return path_; }

 private:
  WalWriter(std::unique_ptr<WritableFile> file, std::string path, uint64_t number)
      : file_(std::move(file)), path_(std::move(path)), number_(number) {}
  std::unique_ptr<WritableFile> file_;
  std::string path_;
  uint64_t number_;
  bool broken_ = false;
};

struct WalFileReport {
  std::string path;
  uint64_t records = 0;
  uint64_t valid_bytes = 0;      // header + intact records
  uint64_t discarded_bytes = 0;  // a torn tail
  std::string torn_reason;       // empty if the file ended cleanly
};

using WalRecordFn = std::function<Status(format::WalRecordType type, std::string_view payload)>;

// Reads `contents` (the whole file at `path`) and calls fn for each intact record.
Result<WalFileReport> ReadWal(const std::string& path, std::string_view contents,
                              const WalRecordFn& fn);

// The header bytes of WAL file `number`.
std::string WalHeader(uint64_t number);

}  // namespace flowlens::storage
