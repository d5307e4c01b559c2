// SegmentReader: reads a segment file written by WriteSegment, block by block
// and column by column.
//
// Open() reads and checks the trailer and footer only. Read()/ReadBlock()
// then decode just the requested columns of the row group holding the block
// (a row group's decoded columns are cached until the next row group), check
// each chunk's CRC, and fill a RowBlock of up to format::kReadBlockRows rows.
// @message is rebuilt from the typed columns unless the row kept its raw
// line. Corruption is DataLoss naming the path (and the chunk offset); the
// reader never crashes on a bad file, so a scan can report and skip it.
//
//   ASSIGN_OR_RETURN(auto r, SegmentReader::Open(fs, path));
//   for (size_t b = 0; b < r->num_blocks(); ++b) RETURN_IF_ERROR(r->ReadBlock(req, b, &block));
//
// Thread safety: one reader per thread (it caches decoded columns); open the
// same file in several readers to scan it in parallel.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "storage/file_system.h"
#include "storage/row_block.h"
#include "storage/segment_footer.h"

namespace flowlens::storage {

class SegmentReader {
 public:
  static Result<std::unique_ptr<SegmentReader>> Open(FileSystem* fs, const std::string& path);

  const SegmentFooter& footer() const { return *footer_; }
  const std::string& path() const { return path_; }
  uint64_t rows() const { return footer_->rows; }
  uint64_t file_size() const { return file_->size(); }
  // The layout of the typed columns, or null for a raw-only segment.
  const Layout* layout() const { return layout_ ? &*layout_ : nullptr; }

  // Blocks never cross row groups; block b starts at row_id first_row(b).
  size_t num_blocks() const { return blocks_.size(); }
  uint64_t first_row(size_t block) const { return blocks_[block].first_row; }
  Status ReadBlock(const ColumnRequest& request, size_t block, RowBlock* out);
  // Rows [first_row, first_row + count) within one row group (e.g. one row for GetLogRecord).
  Status Read(const ColumnRequest& request, uint64_t first_row, size_t count, RowBlock* out);

  // Verifies the checksum of every chunk and that it decodes.
  Status Verify();

 private:
  struct Block {
    uint64_t first_row;
    uint32_t row_group;
    uint32_t count;
  };
  struct Decoded {
    std::shared_ptr<const std::string> payload;  // owns the string views
    FieldColumn column;                          // raw messages go in `strings`
  };

  SegmentReader() = default;
  Status LoadColumn(size_t row_group, size_t column, const Decoded** out);
  Status DecodeChunk(size_t row_group, size_t column, Decoded* out);
  // The chunk's n stored values, before any reference is undone.
  Status DecodeStored(size_t row_group, size_t column, size_t n, Decoded* out);
  Status DecodeMirrored(size_t row_group, size_t column, size_t n, Decoded* out);
  Status Corrupt(std::string_view what, size_t row_group, size_t column) const;

  FileSystem* fs_ = nullptr;
  std::string path_;
  std::unique_ptr<RandomAccessFile> file_;
  std::shared_ptr<const SegmentFooter> footer_;
  std::optional<Layout> layout_;
  std::vector<Block> blocks_;
  std::vector<uint64_t> row_group_start_;
  size_t cached_row_group_ = SIZE_MAX;
  std::map<size_t, Decoded> cache_;  // by column index, for cached_row_group_
};

}  // namespace flowlens::storage
