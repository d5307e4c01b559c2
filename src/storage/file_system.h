// FileSystem: the store's only way to touch files, so that tests can inject
// failures (fault_file_system.h) at any write, sync, rename or removal.
//
// PosixFileSystem (DefaultFileSystem()) is the real one. Errors come back as
// Status: ENOSPC and EDQUOT are ResourceExhausted, other failures IoError, a
// missing file NotFound; every message names the path.
//
//   std::shared_ptr<FileSystem> fs = DefaultFileSystem();
//   ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(dir + "/x.tmp"));
//   RETURN_IF_ERROR(f->Append(bytes)); RETURN_IF_ERROR(f->Sync());
//
// Thread safety: a FileSystem may be used from any thread; one file object
// belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace flowlens::storage {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end of the file (no user-space buffering).
  virtual Status Append(std::string_view data) = 0;
  // fdatasync: what was appended survives a machine crash once this returns.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file (as written through this object).
  virtual uint64_t size() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly n bytes at offset into scratch; DataLoss if the file is shorter.
  virtual Status Read(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual uint64_t size() const = 0;
};

// Held while a process owns a data directory; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates the file, or truncates it if it exists.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens an existing file to append to it.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Creates the directory and its parents; OK if it exists.
  virtual Status CreateDirs(const std::string& path) = 0;
  // fsync of a directory, making renames and creations in it durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // File names (not paths) in a directory, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // An exclusive advisory lock (flock) on `path`, which is created if needed
  // and gets this process id written into it. A second holder, in this or
  // another process, gets FailedPrecondition "... in use by process N".
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Reads a whole file.
  Result<std::string> ReadFile(const std::string& path);
};

std::shared_ptr<FileSystem> DefaultFileSystem();

}  // namespace flowlens::storage
