#include "storage/filenames.h"

#include <fmt/format.h>

namespace flowlens::storage {
namespace {

bool ParseNumber(std::string_view digits, uint64_t* out) {
  if (digits.empty() || digits.size() > 19) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string LockFileName(const std::string& dir) {
  return dir + "/LOCK";
}
std::string ManifestFileName(const std::string& dir) {
  return dir + "/MANIFEST";
}
std::string WalFileName(const std::string& dir, uint64_t number) {
  return fmt::format("{}/wal-{:06d}.log", dir, number);
}
std::string SegmentDirName(const std::string& dir) {
  return dir + "/segments";
}
std::string SegmentFileName(const std::string& dir, uint64_t id) {
  return fmt::format("{}/segments/{:08d}.seg", dir, id);
}
std::string TempFileName(const std::string& path) {
  return path + ".tmp";
}

FileType ParseFileName(std::string_view name, uint64_t* number) {
  *number = 0;
  if (name == "LOCK") return FileType::kLock;
  if (name == "MANIFEST") return FileType::kManifest;
  if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") return FileType::kTemp;
  if (name.starts_with("wal-") && name.ends_with(".log") &&
      ParseNumber(name.substr(4, name.size() - 8), number)) {
    return FileType::kWal;
  }
  if (name.ends_with(".seg") && ParseNumber(name.substr(0, name.size() - 4), number)) {
    return FileType::kSegment;
  }
  return FileType::kUnknown;
}

}  // namespace flowlens::storage
