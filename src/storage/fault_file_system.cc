#include "storage/fault_file_system.h"

namespace flowlens::storage {
namespace {

Status FaultStatus(Fault f, const std::string& path) {
  switch (f) {
    case Fault::kNoSpace:
      return Status::ResourceExhausted("injected: no space left on device: " + path);
    case Fault::kCrash:
      return Status::IoError("injected: crashed before an operation on " + path);
    default:
      return Status::IoError("injected: I/O error on " + path);
  }
}

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectingFileSystem* fs, std::string path,
                    std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    Fault f = fs_->PendingWriteFault(kOpAppend);
    if (f == Fault::kShortWrite && data.size() > 1) {
      RETURN_IF_ERROR(base_->Append(data.substr(0, data.size() / 2)));
      fs_->NoteSize(path_, base_->size(), false);
      return Status::ResourceExhausted("injected: short write to " + path_);
    }
    if (f != Fault::kNone) return FaultStatus(f, path_);
    RETURN_IF_ERROR(base_->Append(data));
    fs_->NoteSize(path_, base_->size(), false);
    return Status::Ok();
  }
  Status Sync() override {
    RETURN_IF_ERROR(fs_->Check(kOpSync, path_));
    RETURN_IF_ERROR(base_->Sync());
    fs_->NoteSize(path_, base_->size(), true);
    return Status::Ok();
  }
  Status Close() override { return base_->Close(); }
  uint64_t size() const override { return base_->size(); }

 private:
  FaultInjectingFileSystem* fs_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

void FaultInjectingFileSystem::FailAt(int64_t n, Fault fault, uint32_t kinds) {
  std::lock_guard lock(mu_);
  countdown_ = n;
  fault_ = fault;
  kinds_ = kinds;
}

void FaultInjectingFileSystem::ClearFaults() {
  std::lock_guard lock(mu_);
  countdown_ = -1;
  fault_ = Fault::kNone;
  crashed_ = false;
}

bool FaultInjectingFileSystem::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

int64_t FaultInjectingFileSystem::operations() const {
  std::lock_guard lock(mu_);
  return ops_;
}

Fault FaultInjectingFileSystem::Next(OpKind kind) {
  ++ops_;
  if (crashed_) return Fault::kCrash;
  if (countdown_ < 0 || !(kinds_ & kind)) return Fault::kNone;
  if (countdown_-- > 0) return Fault::kNone;
  Fault f = fault_;
  if (f == Fault::kCrash) {
    crashed_ = true;
  } else {
    fault_ = Fault::kNone;  // a one-off failure
  }
  return f;
}

Status FaultInjectingFileSystem::Check(OpKind kind, const std::string& path) {
  std::lock_guard lock(mu_);
  Fault f = Next(kind);
  return f == Fault::kNone ? Status::Ok() : FaultStatus(f, path);
}

Fault FaultInjectingFileSystem::PendingWriteFault(OpKind kind) {
  std::lock_guard lock(mu_);
  return Next(kind);
}

void FaultInjectingFileSystem::NoteSize(const std::string& path, uint64_t size, bool synced) {
  std::lock_guard lock(mu_);
  FileState& st = files_[path];
  st.size = size;
  if (synced) st.synced = size;
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::NewWritableFile(
    const std::string& path) {
  RETURN_IF_ERROR(Check(kOpCreate, path));
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, base_->NewWritableFile(path));
  {
    std::lock_guard lock(mu_);
    files_[path] = FileState{};
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(f)));
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::NewAppendableFile(
    const std::string& path) {
  RETURN_IF_ERROR(Check(kOpCreate, path));
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, base_->NewAppendableFile(path));
  {
    std::lock_guard lock(mu_);
    // Whatever was there before we opened it counts as synced.
    if (!files_.count(path)) files_[path] = FileState{f->size(), f->size()};
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(f)));
}

Status FaultInjectingFileSystem::Rename(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(Check(kOpRename, from));
  RETURN_IF_ERROR(base_->Rename(from, to));
  std::lock_guard lock(mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(it);
  } else {
    files_.erase(to);
  }
  return Status::Ok();
}

Status FaultInjectingFileSystem::Remove(const std::string& path) {
  RETURN_IF_ERROR(Check(kOpRemove, path));
  RETURN_IF_ERROR(base_->Remove(path));
  std::lock_guard lock(mu_);
  files_.erase(path);
  return Status::Ok();
}

Status FaultInjectingFileSystem::Truncate(const std::string& path, uint64_t size) {
  RETURN_IF_ERROR(Check(kOpTruncate, path));
  RETURN_IF_ERROR(base_->Truncate(path, size));
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second.size = size;
    if (it->second.synced > size) it->second.synced = size;
  }
  return Status::Ok();
}

Status FaultInjectingFileSystem::CreateDirs(const std::string& path) {
  RETURN_IF_ERROR(Check(kOpMkdir, path));
  return base_->CreateDirs(path);
}

Status FaultInjectingFileSystem::SyncDir(const std::string& path) {
  RETURN_IF_ERROR(Check(kOpSyncDir, path));
  return base_->SyncDir(path);
}

Status FaultInjectingFileSystem::DropUnsyncedData() {
  std::map<std::string, FileState> files;
  {
    std::lock_guard lock(mu_);
    files = files_;
  }
  for (const auto& [path, st] : files) {
    if (st.synced < st.size && base_->Exists(path)) {
      RETURN_IF_ERROR(base_->Truncate(path, st.synced));
    }
  }
  std::lock_guard lock(mu_);
  for (auto& [path, st] : files_) st.size = st.synced;
  return Status::Ok();
}

}  // namespace flowlens::storage
