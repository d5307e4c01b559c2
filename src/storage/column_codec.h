// Encodings of one column chunk (up to one row group of one column) inside a
// segment, byte by byte as docs/formats/segment.md describes them.
//
//   validity   all valid | none valid | bitmap (LSB first)
//   ints       only the present values: frame of reference or delta, then the
//              value bytes split into planes (all low bytes, then the next...)
//              of the smallest byte width that holds them; zstd later finds
//              the runs in each plane. Or a sorted dictionary and bit-packed
//              indices: IPv4 address bits with few distinct values, and any
//              chunk of two adjacent values (flags) at one bit a value
//   addresses  families (all v4 | all v6 | bitmap), v4 as 32-bit ints, v6 as
//              16 byte planes
//   strings    a dictionary of the distinct values and their indices as ints
//   raw        the messages of the rows marked in a validity bitmap
//
// The whole chunk payload is then compressed (CompressChunk). Decoders are
// bounds-checked and return false on malformed input, never read outside it.
// Decoded string views point into the payload given to the decoder.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "storage/coding.h"
#include "storage/segment_footer.h"

namespace flowlens::storage {

// `valid` is null or holds n flags (1 = present).
void EncodeIntColumn(std::span<const int64_t> values, const uint8_t* valid, std::string* out);
void EncodeAddressColumn(std::span<const IpAddress> values, const uint8_t* valid, std::string* out);
void EncodeStringColumn(std::span<const std::string_view> values, const uint8_t* valid,
                        std::string* out);

// The bytes EncodeStringColumn writes, from a writer that has codes already
// (segment_builder.h): `dict` the distinct present values in order of first
// appearance, `ids` the present rows' indices into it, `valid` null or n flags.
void EncodeStringCodes(std::span<const std::string_view> dict, std::span<const int64_t> ids,
                       const uint8_t* valid, size_t n, std::string* out);

// For writers of many chunks (the bulk loader, segment_writer.h), the same
// bytes in fewer passes and without allocating per chunk:
// EncodeIntColumnFast = EncodeIntColumn; EncodeV4AddressColumn =
// EncodeAddressColumn of the IPv4 addresses `bits`; EncodeStringCodesFast =
// EncodeStringCodes with 32-bit ids.
void EncodeIntColumnFast(std::span<const int64_t> values, const uint8_t* valid, std::string* out);
void EncodeV4AddressColumn(std::span<const uint32_t> bits, const uint8_t* valid, std::string* out);
void EncodeStringCodesFast(std::span<const std::string_view> dict, std::span<const uint32_t> ids,
                           const uint8_t* valid, size_t n, std::string* out);

// Raw messages: validity, then the present messages as length-prefixed bytes.
void EncodeRawColumn(std::span<const std::string_view> values, const uint8_t* valid,
                     std::string* out);

// Values for rows that are not present are left as 0 / {} / empty.
bool DecodeIntColumn(Decoder* d, size_t n, std::vector<int64_t>* values,
                     std::vector<uint8_t>* valid);
bool DecodeStringColumn(Decoder* d, size_t n, std::vector<std::string_view>* values,
                        std::vector<uint8_t>* valid);
// An int column read as flags: one byte per row, 1 where the value is
// present and not 0 (the reply flags, format::kColMirror). The bytes
// DecodeIntColumn reads, without a 64-bit value per row.
bool DecodeFlagColumn(Decoder* d, size_t n, std::vector<uint8_t>* flags,
                      std::vector<uint8_t>* valid);
// An int chunk in frame of reference (how the writer stores counters and
// times) opened without unpacking its values, for a reader that hands out a
// block of rows at a time (segment_reader.h): Get() rebuilds a run of rows
// straight into the block's column, so the chunk's values are never written
// out whole, zero-filled or copied. Only frame-of-reference chunks with a
// present value open so (`usable`); decode the others with DecodeIntColumn.
// `planes` views the payload given to the decoder.
struct PlanarInts {
  bool usable = false;
  size_t rows = 0;
  const uint8_t* planes = nullptr;  // `present` values of `width` bytes, plane by plane
  size_t present = 0;
  int width = 0;
  uint64_t lo = 0;
  std::vector<uint32_t> rank;  // with missing rows: present rows before row 64 w
  // Rows [r, r + m) (within `rows`) into out[0..m), as DecodeIntColumn
  // gives them (0 where missing); `valid` is the chunk's flags as the decoder
  // filled them. Why it is fast: the values of the run are rebuilt from the
  // middle of the planes with the width fixed at compile time (the same
  // kernel as the whole decode), and missing rows spread eight at a time.
  // Benchmark: bench/segment_bench.cc BM_ReadOneIntColumn, BM_StoreQuery.
  void Get(size_t r, size_t m, const std::vector<uint8_t>& valid, int64_t* out) const;
};
// False on malformed input (what DecodeIntColumn would refuse). Leaves
// out->usable false, and `d` where it was, for a chunk of another shape.
bool DecodePlanarIntColumn(Decoder* d, size_t n, PlanarInts* out, std::vector<uint8_t>* valid);

// Compact forms for readers that materialize values late (segment_reader.h).
// An address column as 32 bits per row: the IPv4 address, or where `v6` is
// set (it stays empty when no value is IPv6) an index into `v6s`; missing
// rows hold 0 (IPv4 0.0.0.0, as IpAddress{}).
bool DecodeCompactAddressColumn(Decoder* d, size_t n, std::vector<uint32_t>* values,
                                std::vector<uint8_t>* v6, std::vector<IpAddress>* v6s,
                                std::vector<uint8_t>* valid);
// An address chunk opened without unpacking its values, for a reader that
// hands out a few of its rows (a filter kept 0.4% of them): the validity and
// IPv6 flags stay bitmaps with a count of set bits per 64 rows (a rank), the
// IPv4 values stay bit-packed indices into their dictionary. Row p's value
// then costs two popcounts, one 64-bit load and a lookup, and the chunk
// costs no pass over its rows. Only chunks whose IPv4 values are
// dictionary-coded open so (`usable`); decode the others with
// DecodeCompactAddressColumn. Pointers view the payload given to the decoder.
struct LazyAddressColumn {
  bool usable = false;
  size_t rows = 0;
  const uint8_t* valid_bits = nullptr;  // null: every row has one
  std::vector<uint32_t> valid_rank;     // set bits of valid_bits before each 64-bit word
  const uint8_t* v6_bits = nullptr;     // over present values; null: all IPv4
  std::vector<uint32_t> v6_rank;
  std::vector<uint32_t> dict;       // the IPv4 values' dictionary
  const uint8_t* packed = nullptr;  // n4 indices, `bits` wide, LSB first
  size_t packed_size = 0, n4 = 0;
  int bits = 0;
  const uint8_t* v6_planes = nullptr;  // n6 high halves then n6 low halves, 8 planes each
  size_t n6 = 0;
  // Row p's (< rows) value into *a (IpAddress{} when missing) and whether
  // it is present; false when the chunk is malformed at that row (an index
  // outside the dictionary).
  bool At(size_t p, IpAddress* a, bool* present) const;
};
// False on malformed input. Leaves out->usable false, and `d` where it was,
// for a chunk of another shape.
bool DecodeLazyAddressColumn(Decoder* d, size_t n, LazyAddressColumn* out);
// A string column as its dictionary (never empty: a lone "" when no value is
// present) and one code per row (0 where missing).
bool DecodeStringCodes(Decoder* d, size_t n, std::vector<std::string_view>* dict,
                       std::vector<uint32_t>* codes, std::vector<uint8_t>* valid);
bool DecodeRawColumn(Decoder* d, size_t n, std::vector<std::string_view>* values,
                     std::vector<uint8_t>* valid);

// How hard CompressChunk packs: kTight, zstd's smallest at the level;
// kFastDecode, zstd without Huffman-coded literals (the same zstd frame
// format, a few percent larger, about twice as fast to decompress on
// high-entropy planes): for the columns that filters and group keys read
// most (ChunkPackingFor).
enum class ChunkPacking : uint8_t { kTight, kFastDecode };
ChunkPacking ChunkPackingFor(uint16_t column_id, ColumnKind kind);

// codec(1) raw_size(varint) bytes: zstd at `level` unless that does not shrink it.
std::string CompressChunk(std::string_view payload, int level,
                          ChunkPacking packing = ChunkPacking::kTight);
// DataLoss on a malformed or undecompressable chunk (the caller adds the path).
// A reused *payload keeps its capacity (a reader's per-thread buffer).
Status DecompressChunk(std::string_view stored, std::string* payload);
// Into a buffer that only grows (a reader's buffer per chunk, kept between
// chunks), never zero-filled; *payload views it.
struct ChunkBuffer {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;
  // At least n bytes (n may be 0), their old contents undefined.
  char* Reserve(size_t n) {
    if (capacity < n || !data) {
      data = std::make_unique_for_overwrite<char[]>(n == 0 ? 1 : n);
      capacity = n;
    }
    return data.get();
  }
};
Status DecompressChunk(std::string_view stored, ChunkBuffer* buffer, std::string_view* payload);
// The same without copies or zero-filling: `stored` lives in `stored_owner`;
// *payload views either a new buffer, which *owner then holds (zstd), or the
// stored bytes themselves (*owner = stored_owner).
Status DecompressChunk(std::string_view stored, std::shared_ptr<const void> stored_owner,
                       std::shared_ptr<const void>* owner, std::string_view* payload);

}  // namespace flowlens::storage
