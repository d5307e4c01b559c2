// FaultInjectingFileSystem: a FileSystem over another one that fails chosen
// operations, for the fault-injection tests and the fuzzers.
//
// Every mutating operation (create, append, sync, rename, remove, truncate,
// mkdir, directory sync) is counted. FailAt(n, fault, kinds) makes the n-th
// matching operation from now fail: with an I/O error, ENOSPC, a short write
// (half the bytes land, then the error), or a crash (that operation and every
// later mutating one fail, as if the process had died there). Reads never
// fail. DropUnsyncedData() then simulates a machine crash: every file written
// through this object is cut back to what was last synced.
//
//   auto fault = std::make_shared<FaultInjectingFileSystem>(DefaultFileSystem());
//   fault->FailAt(3, Fault::kCrash);
//   (store->Flush() fails)  ...  fault->DropUnsyncedData(); reopen with the real fs.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/file_system.h"

namespace flowlens::storage {

enum class Fault { kNone, kIoError, kNoSpace, kShortWrite, kCrash };

// Which operations a fault applies to (a bit set).
enum OpKind : uint32_t {
  kOpCreate = 1,
  kOpAppend = 2,
  kOpSync = 4,
  kOpRename = 8,
  kOpRemove = 16,
  kOpTruncate = 32,
  kOpMkdir = 64,
  kOpSyncDir = 128,
  kOpAny = 255,
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(std::shared_ptr<FileSystem> base) : base_(std::move(base)) {}

  // The `n`-th (0 = next) operation of a kind in `kinds` fails with `fault`.
  void FailAt(int64_t n, Fault fault, uint32_t kinds = kOpAny);
  void ClearFaults();
  bool crashed() const;
  int64_t operations() const;  // mutating operations seen so far
  // Cuts every file written through this object back to its last synced size.
  Status DropUnsyncedData();

  // Used by the file objects.
  Status Check(OpKind kind, const std::string& path);
  Fault PendingWriteFault(OpKind kind);
  void NoteSize(const std::string& path, uint64_t size, bool synced);

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status CreateDirs(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };
  // Decides the fate of one operation; caller holds mu_.
  Fault Next(OpKind kind);

  std::shared_ptr<FileSystem> base_;
  mutable std::mutex mu_;
  int64_t ops_ = 0;
  int64_t countdown_ = -1;
  Fault fault_ = Fault::kNone;
  uint32_t kinds_ = kOpAny;
  bool crashed_ = false;
  std::map<std::string, FileState> files_;
};

}  // namespace flowlens::storage
