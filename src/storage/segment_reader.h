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
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "flowlog/layout.h"
#include "storage/column_codec.h"
#include "storage/file_system.h"
#include "storage/row_block.h"
#include "storage/segment_footer.h"

namespace flowlens::storage {

class SegmentReader {
 public:
  static Result<std::unique_ptr<SegmentReader>> Open(FileSystem* fs, const std::string& path);
  ~SegmentReader();

  const SegmentFooter& footer() const { return *footer_; }
  const std::string& path() const { return path_; }
  uint64_t rows() const { return footer_->rows; }
  uint64_t file_size() const { return file_->size(); }
  // The layout of the typed columns, or null for a raw-only segment.
  const Layout* layout() const { return layout_ ? &*layout_ : nullptr; }

  // Blocks never cross row groups; block b starts at row_id first_row(b).
  size_t num_blocks() const { return blocks_.size(); }
  uint64_t first_row(size_t block) const { return blocks_[block].first_row; }
  size_t block_row_group(size_t block) const { return blocks_[block].row_group; }
  size_t block_rows(size_t block) const { return blocks_[block].count; }
  Status ReadBlock(const ColumnRequest& request, size_t block, RowBlock* out,
                   const uint8_t* keep = nullptr);
  // Rows [first_row, first_row + count) within one row group (e.g. one row for
  // GetLogRecord). With `keep` (count flags), only the rows whose flag is set,
  // in order: a scan that has already evaluated a filter on some columns
  // decodes the others for the passing rows alone (late materialization).
  Status Read(const ColumnRequest& request, uint64_t first_row, size_t count, RowBlock* out,
              const uint8_t* keep = nullptr);

  // One column of a block in its decoded compact form, for a filter that
  // tests values where they lie instead of copying them out (store_scan.cc):
  // the value of the block's row i (row r = first + i of the row group) is at
  // side s, position p, where s = reply[r], p = pos[r] for a mirrored column
  // (pos non-null) and s = 0, p = r otherwise. Pointers of both sides are set
  // (equal when not mirrored); a null `valid` or `v6` means every value is
  // present or IPv4. kNone: no compact form (a materialized or raw chunk, or a
  // column the segment lacks); read the rows with Read() instead.
  struct ColumnView {
    enum class Form : uint8_t { kNone, kInts, kAddress, kCodes };
    Form form = Form::kNone;
    const int64_t* ints[2] = {};    // kInts
    const uint32_t* small[2] = {};  // kAddress: IPv4 bits or index into v6s; kCodes: codes
    const uint8_t* v6[2] = {};      // kAddress: 1 where `small` indexes v6s
    const IpAddress* v6s[2] = {};   // kAddress
    const uint8_t* valid[2] = {};   // 1 = present
    const std::vector<std::string_view>* dict = nullptr;  // kCodes
    const uint32_t* pos = nullptr;
    const uint8_t* reply = nullptr;
    size_t first = 0;  // the block's first row, as a position in its row group
    size_t rows = 0;
  };
  // The view stays valid until the next call that reads another row group.
  Status View(size_t block, uint16_t column_id, ColumnView* out);

  // Verifies the checksum of every chunk and that it decodes.
  Status Verify();

 private:
  struct Block {
    uint64_t first_row;
    uint32_t row_group;
    uint32_t count;
  };
  // A decoded chunk. Address and string columns stay compact until rows are
  // handed out (late materialization): addresses as 32 bits (IPv4, or an
  // index into the IPv6 ones), strings as codes into their dictionary; a
  // 24-byte IpAddress or a string view is made only for the rows a block
  // returns (Materialize() makes them all, for messages).
  // kMirrored (a src/dst address or port column with reply rows, v2 on):
  // nothing is expanded; row r's value is side[reply[r]]'s value at pos[r],
  // found only for the rows a block hands out (two sides of the same form).
  // kLazyAddress: an address chunk whose IPv4 values are dictionary-coded,
  // opened without unpacking them (LazyAddressColumn): a block that hands
  // out few of its rows (behind a selective filter) reads just those; the
  // first that wants many, or a filter or @message, expands it to kAddress
  // (Expand). A mirrored column's two sides are both lazy or both not.
  // kPlanar: an int chunk in frame of reference kept as its byte planes
  // (PlanarInts), its reference (@timestamp = stored + start * 1000, end =
  // stored + start) added as rows are handed out: a block that takes a run
  // of rows gets them rebuilt straight into its column (IntRange); anything
  // else (a selection, a filter's view, a mirrored side, @message) expands
  // it to kPlain.
  enum class Form : uint8_t { kPlain, kAddress, kDict, kMirrored, kLazyAddress, kPlanar };
  struct Decoded {
    std::shared_ptr<const void> payload;  // owns the string views
    FieldColumn column;                   // raw messages go in `strings`
    Form form = Form::kPlain;
    std::vector<uint32_t> small;         // kAddress: bits or v6 index; kDict: codes (0 if missing)
    std::vector<uint8_t> v6;             // kAddress: 1 where `small` indexes `v6s` (or empty)
    std::vector<IpAddress> v6s;          // kAddress
    std::vector<std::string_view> dict;  // kDict
    LazyAddressColumn lazy;              // kLazyAddress
    PlanarInts planar;                   // kPlanar
    ChunkBuffer lazy_payload;            // what `lazy` or `planar` views (kept across moves)
    std::string_view lazy_bytes;         // the payload in it
    // kPlanar: the chunk whose values (times ref_scale) are added to this
    // one's where present (start, in the cache for the same row group).
    const Decoded* ref = nullptr;
    int64_t ref_scale = 0;
    // The reply-flag column (format::kColMirror): per row whether it is a
    // reply (decoded as bytes, column.ints stays empty) and, once a mirrored
    // column needed it, the index of its value among the stored rows (own
    // or, for a reply, the counterpart's).
    std::vector<uint32_t> mirror_pos;
    std::vector<uint8_t> mirror_reply;
    bool mirror_ready = false;  // mirror_pos and mirror_rows are set
    // kMirrored: the stored rows of this column (side 0) and of its
    // counterpart (side 1), and the mirror flags' positions and reply flags.
    Decoded* side[2] = {nullptr, nullptr};
    const uint32_t* pos = nullptr;
    const uint8_t* reply = nullptr;
    size_t mirror_rows = 0;  // kMirrored: rows; on the reply flags: stored rows
    IpAddress AddressAt(size_t r) const {
      return v6.empty() || !v6[r] ? IpAddress::V4(small[r]) : v6s[small[r]];
    }
  };
  static void Materialize(Decoded* d);
  // The values of rows `rows` (positions in the row group) of `d` into *col
  // (addresses, strings or codes, ints, validity); false if a lazy chunk is
  // malformed at one of them.
  static bool Emit(const Decoded& d, std::span<const uint32_t> rows, bool codes, FieldColumn* col);
  // Rows [r, r + m) of an int chunk (kPlain, or kPlanar with its reference
  // added) into out[0..m).
  static void IntRange(const Decoded& d, size_t r, size_t m, int64_t* out);
  // Adds ref's values of rows [r, r + m) times `scale` to out[0..m) where present.
  static void AddReference(const Decoded& ref, int64_t scale, size_t r, size_t m, int64_t* out);
  // Whether d is an int chunk of n rows.
  static bool IsIntChunk(const Decoded& d, size_t n);
  static bool IsLazy(const Decoded& d) {
    return d.form == Form::kLazyAddress ||
           (d.form == Form::kMirrored && d.side[0]->form == Form::kLazyAddress);
  }
  // A lazy chunk (or a mirrored column's lazy sides) unpacked to kAddress,
  // a kPlanar one to kPlain; false if malformed.
  static bool Expand(Decoded* d);
  // Makes a mirrored column's two expanded sides alike (validity flags on
  // both or neither, IPv6 flags likewise) and checks their sizes.
  static bool AlignSides(Decoded* own, Decoded* theirs, size_t stored, bool address);

  SegmentReader() = default;
  // Decoded chunks' vectors are kept per thread between row groups and
  // readers (a reader opens per segment), so a chunk decodes into the last
  // one's buffers: no allocation, page fault or large zero-fill per chunk.
  static Decoded Fresh(const ColumnMeta& column);
  static std::vector<Decoded>& Spares();
  static void Recycle(std::map<size_t, Decoded>* cache);
  Status LoadColumn(size_t row_group, size_t column, Decoded** out);
  Status DecodeChunk(size_t row_group, size_t column, Decoded* out);
  // The chunk's n stored values, before any reference is undone.
  Status DecodeStored(size_t row_group, size_t column, size_t n, Decoded* out);
  // DecodeStored through a per-row-group cache: a mirrored column and its
  // counterpart both need both stored chunks.
  Status LoadStored(size_t row_group, size_t column, size_t n, Decoded** out);
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
  std::map<size_t, Decoded> cache_;         // by column index, for cached_row_group_
  std::map<size_t, Decoded> stored_cache_;  // stored rows of mirrored columns, likewise
  std::vector<uint32_t> rows_;              // Read(): the rows handed out (kept ones first)
};

}  // namespace flowlens::storage
