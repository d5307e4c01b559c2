// Every on-disk constant of the store in one place: magic numbers, format
// versions, record and column type codes, and size limits. The byte layouts
// that use them are written up in docs/formats/wal.md and
// docs/formats/segment.md; a change here is a format change and bumps the
// version of the file it belongs to.
//
// Thread safety: constants only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace flowlens::storage::format {

// ---- Write-ahead log (docs/formats/wal.md) ----
// File header: magic(8) version(4) file_number(8) header_crc(4) = 24 bytes.
inline constexpr uint64_t kWalMagic = 0x314C41574C46464CULL;  // "LFFLWAL1" little-endian
inline constexpr uint32_t kWalVersion = 1;
inline constexpr size_t kWalHeaderSize = 24;
// Record frame: length(4) crc(4) type(1) payload(length bytes); the CRC covers
// the type byte and the payload and is masked (see crc32c.h).
inline constexpr size_t kWalFrameSize = 9;
inline constexpr uint32_t kWalMaxRecordSize = 1u << 30;

// Deletions (of groups, streams, expired segments) are not logged: they take
// effect by writing a new manifest (see store.h).
enum class WalRecordType : uint8_t {
  kEvents = 1,  // a WriteBatch: events of one or more streams, ingested objects
  kCreateGroup = 2,
  kPutRetention = 3,  // retention days, 0 = none
  kCreateStream = 4,
};

// ---- Manifest (docs/formats/segment.md, "Manifest") ----
// magic(8) version(4) body_length(4) body body_crc(4)
inline constexpr uint64_t kManifestMagic = 0x314E414D4C46464CULL;  // "LFFLMAN1"
inline constexpr uint32_t kManifestVersion = 1;

// ---- Segments (docs/formats/segment.md) ----
// Header: magic(8) version(4) flags(4). Trailer (last 24 bytes):
// footer_offset(8) footer_length(4) footer_crc(4) magic(8).
inline constexpr uint64_t kSegmentMagic = 0x314745534C46464CULL;  // "LFFLSEG1"
inline constexpr uint32_t kSegmentVersion = 4;
// Oldest segment version this build reads (version 1 lacks mirrored rows,
// versions 1 and 2 lack the message bytes of each row group, versions 1 to 3
// never use IntTransform::kDictionary).
inline constexpr uint32_t kSegmentMinVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 16;
inline constexpr size_t kSegmentTrailerSize = 24;
inline constexpr uint32_t kMaxFooterSize = 64u << 20;
// Rows per row group: every column chunk holds at most this many rows.
inline constexpr uint32_t kRowGroupRows = 65536;
// Rows per block handed to readers (the query engine's batch size).
inline constexpr uint32_t kReadBlockRows = 4096;

// Column ids in a segment: catalog field ids are 0..127; the event's own
// columns use ids from 200 up.
inline constexpr uint16_t kColTimestamp = 200;      // int64 ms
inline constexpr uint16_t kColIngestionTime = 201;  // int64 ms
inline constexpr uint16_t kColStream = 202;         // index into the segment's stream table
inline constexpr uint16_t kColRawMessage = 203;     // raw lines of rows that need one
inline constexpr uint16_t kColMirror = 204;  // 1: the row is the reply of the row before (v2)

// How a chunk's bytes are compressed.
enum class ChunkCodec : uint8_t { kNone = 0, kZstd = 1 };

// How an int column's values relate to another column before encoding.
enum class IntReference : uint8_t {
  kNone = 0,
  kStartMs = 1,  // @timestamp stored as timestamp - start * 1000
  kStart = 2,    // end stored as end - start
  // srcaddr/dstaddr/srcport/dstport (v2): rows marked in kColMirror store no
  // value; theirs is the counterpart column's (dst for src...) in the row before.
  kMirror = 3,
};

// Integer value transforms inside a chunk.
// kDictionary (version 4): the distinct values once, then a bit-packed
// index per value (docs/formats/segment.md); the writer uses it for IPv4
// address bits and for int chunks of two adjacent values (one bit a value).
enum class IntTransform : uint8_t { kFrameOfReference = 0, kDelta = 1, kDictionary = 2 };

// Validity encodings inside a chunk.
enum class Validity : uint8_t { kAllValid = 0, kNoneValid = 1, kBitmap = 2 };

// Address family encodings inside an address chunk.
enum class AddressFamilies : uint8_t { kAllV4 = 0, kAllV6 = 1, kMixed = 2 };

}  // namespace flowlens::storage::format
