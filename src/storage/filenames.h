// Every file name of a data directory, made in one place.
//
//   <dir>/LOCK                  flock'd by the one writer process; holds its pid
//   <dir>/MANIFEST              the catalog, segment list and WAL position (manifest.h)
//   <dir>/MANIFEST.tmp          a manifest being written; removed on open
//   <dir>/wal-000007.log        write-ahead log files, replayed in number order
//   <dir>/segments/00000042.seg columnar segments (segment_writer.h)
//   <dir>/segments/*.tmp        segments being written; removed on open
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flowlens::storage {

enum class FileType { kLock, kManifest, kWal, kSegment, kTemp, kUnknown };

std::string LockFileName(const std::string& dir);
std::string ManifestFileName(const std::string& dir);
std::string WalFileName(const std::string& dir, uint64_t number);
std::string SegmentDirName(const std::string& dir);
std::string SegmentFileName(const std::string& dir, uint64_t id);
// The name a file is written under before it is renamed into place.
std::string TempFileName(const std::string& path);

// Classifies a bare file name (no directory) and extracts its number (WAL
// file number or segment id) when it has one.
FileType ParseFileName(std::string_view name, uint64_t* number);

}  // namespace flowlens::storage
