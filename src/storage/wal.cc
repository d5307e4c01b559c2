#include "storage/wal.h"

#include <fmt/format.h>

#include "storage/coding.h"
#include "storage/crc32c.h"

namespace flowlens::storage {
namespace {

using format::WalRecordType;

bool KnownType(uint8_t t) {
  return t >= static_cast<uint8_t>(WalRecordType::kEvents) &&
         t <= static_cast<uint8_t>(WalRecordType::kCreateStream);
}

uint32_t RecordCrc(uint8_t type, std::string_view payload) {
  uint32_t c = crc32c::Value(&type, 1);
  return crc32c::Mask(crc32c::Extend(c, payload.data(), payload.size()));
}

// Whether an intact record starts at `off`.
bool IntactRecordAt(std::string_view data, size_t off) {
  if (off > data.size() || data.size() - off < format::kWalFrameSize) return false;
  uint32_t len = DecodeFixed32(data.data() + off);
  uint32_t crc = DecodeFixed32(data.data() + off + 4);
  uint8_t type = static_cast<uint8_t>(data[off + 8]);
  if (len > data.size() - off - format::kWalFrameSize || len < 8) return false;
  return KnownType(type) && RecordCrc(type, data.substr(off + format::kWalFrameSize, len)) == crc;
}

}  // namespace

std::string WalHeader(uint64_t number) {
  std::string h;
  PutFixed64(&h, format::kWalMagic);
  PutFixed32(&h, format::kWalVersion);
  PutFixed64(&h, number);
  PutFixed32(&h, crc32c::Mask(crc32c::Value(h)));
  return h;
}

Result<std::unique_ptr<WalWriter>> WalWriter::Create(FileSystem* fs, const std::string& path,
                                                     uint64_t number) {
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->NewWritableFile(path));
  RETURN_IF_ERROR(file->Append(WalHeader(number)));
  RETURN_IF_ERROR(file->Sync());
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(file), path, number));
}

Status WalWriter::AddRecord(format::WalRecordType type, std::string_view payload) {
  if (broken_) return Status::FailedPrecondition("write-ahead log " + path_ + " failed earlier");
  if (payload.size() > format::kWalMaxRecordSize) {
    return Status::InvalidArgument(
        fmt::format("a write of {} bytes is larger than the limit of {} bytes", payload.size(),
                    format::kWalMaxRecordSize));
  }
  // One write per record: a crash leaves at most one partial record at the end.
  std::string frame;
  frame.reserve(format::kWalFrameSize + payload.size());
  PutFixed32(&frame, static_cast<uint32_t>(payload.size()));
  PutFixed32(&frame, RecordCrc(static_cast<uint8_t>(type), payload));
  frame.push_back(static_cast<char>(type));
  frame.append(payload);
  Status s = file_->Append(frame);
  if (!s.ok()) broken_ = true;
  return s;
}

Status WalWriter::Sync() {
  if (broken_) return Status::FailedPrecondition("write-ahead log " + path_ + " failed earlier");
  Status s = file_->Sync();
  // After a failed fsync the kernel may have dropped the dirty pages: never trust this file again.
  if (!s.ok()) broken_ = true;
  return s;
}

Status WalWriter::Close() {
  return file_->Close();
}

Result<WalFileReport> ReadWal(const std::string& path, std::string_view data,
                              const WalRecordFn& fn) {
  WalFileReport report;
  report.path = path;
  if (data.size() < format::kWalHeaderSize) {
    // A crash while the file was being created.
    report.discarded_bytes = data.size();
    report.torn_reason = "incomplete file header";
    return report;
  }
  Decoder header(data.substr(0, format::kWalHeaderSize));
  uint64_t magic = header.Fixed64();
  uint32_t version = header.Fixed32();
  header.Fixed64();
  uint32_t stored_crc = header.Fixed32();
  if (magic != format::kWalMagic ||
      crc32c::Mask(crc32c::Value(data.data(), format::kWalHeaderSize - 4)) != stored_crc) {
    if (IntactRecordAt(data, format::kWalHeaderSize)) {
      return Status::DataLoss(path + ": corrupt write-ahead log header");
    }
    report.discarded_bytes = data.size();
    report.torn_reason = "corrupt file header and no intact record after it";
    return report;
  }
  if (version != format::kWalVersion) {
    return Status::Unimplemented(fmt::format(
        "{}: write-ahead log version {} is not supported (this flowlens reads version {})", path,
        version, format::kWalVersion));
  }
  size_t off = format::kWalHeaderSize;
  while (off < data.size()) {
    std::string_view reason;
    size_t left = data.size() - off;
    uint32_t len = 0;
    if (left < format::kWalFrameSize) {
      reason = "partial record frame";
    } else {
      len = DecodeFixed32(data.data() + off);
      uint32_t crc = DecodeFixed32(data.data() + off + 4);
      uint8_t type = static_cast<uint8_t>(data[off + 8]);
      if (len > left - format::kWalFrameSize) {
        reason = "record extends past the end of the file";
      } else if (RecordCrc(type, data.substr(off + format::kWalFrameSize, len)) != crc) {
        reason = "record checksum mismatch";
      } else if (!KnownType(type) || len < 8) {
        return Status::DataLoss(fmt::format("{}: offset {}: unknown record type {}", path, off,
                                            static_cast<int>(type)));
      } else {
        RETURN_IF_ERROR(
            fn(static_cast<WalRecordType>(type), data.substr(off + format::kWalFrameSize, len)));
        ++report.records;
        off += format::kWalFrameSize + len;
        continue;
      }
    }
    if (len <= left - std::min(left, format::kWalFrameSize) &&
        IntactRecordAt(data, off + format::kWalFrameSize + len)) {
      return Status::DataLoss(fmt::format(
          "{}: offset {}: {} in the middle of the log (intact records follow)", path, off, reason));
    }
    report.torn_reason = fmt::format("{} at offset {}", reason, off);
    report.discarded_bytes = data.size() - off;
    break;
  }
  report.valid_bytes = data.size() - report.discarded_bytes;
  return report;
}

}  // namespace flowlens::storage
