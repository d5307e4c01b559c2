// Chunk compression (see column_codec.h): zstd frames with a codec byte and
// the payload size in front, one compression and decompression context per
// thread.
#include "storage/column_codec.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_c_literalCompressionMode (see CompressChunk)
#include <zstd.h>

#include <cstring>

#include "flowlog/field_catalog.h"
#include "storage/coding.h"
#include "storage/format.h"

namespace flowlens::storage {
namespace {

using format::ChunkCodec;

constexpr size_t kMaxChunkPayload = 1u << 30;

}  // namespace

ChunkPacking ChunkPackingFor(uint16_t column_id, ColumnKind kind) {
  // Addresses and ports: the widest group keys and filter columns, nearly
  // random low bytes (Huffman gains little on them). bytes: the most summed
  // column (Q2, Q6), 3.5 payload bytes a row; without Huffman its chunks
  // decode in 0.8 ns a row instead of 2.8 for 10% more (1.70 -> 1.87 bytes
  // a record at level 3). start: the time column every @timestamp is
  // rebuilt from (format::IntReference::kStartMs), as small either way and
  // a little faster. The others (packets, end, ...) would grow by 15-30%
  // for a fraction of a nanosecond. Measured on the generated 10M-record
  // day, per column, docs/formats/segment.md.
  const bool fast = kind == ColumnKind::kAddress || column_id == fields::kSrcPort ||
                    column_id == fields::kDstPort || column_id == fields::kBytes ||
                    column_id == fields::kStart;
  return fast ? ChunkPacking::kFastDecode : ChunkPacking::kTight;
}

std::string CompressChunk(std::string_view payload, int level, ChunkPacking packing) {
  std::string out;
  size_t bound = ZSTD_compressBound(payload.size());
  // One compression context per packing and one output buffer per thread:
  // ZSTD_compress sets up (allocates and clears) its tables anew for every
  // chunk, and the page faults of that were a tenth of a bulk load.
  struct Context {
    ZSTD_CCtx* ctx[2] = {ZSTD_createCCtx(), ZSTD_createCCtx()};
    int level[2] = {INT32_MIN, INT32_MIN};
    std::string z;
    ~Context() {
      ZSTD_freeCCtx(ctx[0]);
      ZSTD_freeCCtx(ctx[1]);
    }
  };
  thread_local Context cctx;
  const size_t k = packing == ChunkPacking::kFastDecode ? 1 : 0;
  ZSTD_CCtx* ctx = cctx.ctx[k];
  if (ctx != nullptr && cctx.level[k] != level) {
    // kFastDecode: zstd keeps its LZ matches (runs of a plane's high bytes)
    // but stores the literals as they are instead of Huffman-coding them. On
    // address and port planes Huffman gains 5-15% of the chunk and costs
    // about half of its decompression time. A zstd that refuses the
    // (experimental) parameter compresses as kTight: same format either way.
    bool ok = !ZSTD_isError(ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level));
    if (ok && k == 1) {
      ZSTD_CCtx_setParameter(ctx, ZSTD_c_literalCompressionMode, ZSTD_ps_disable);
    }
    cctx.level[k] = level;
  }
  std::string& z = cctx.z;
  if (z.size() < bound) z.resize(bound);
  size_t n = ctx ? ZSTD_compress2(ctx, z.data(), bound, payload.data(), payload.size())
                 : ZSTD_compress(z.data(), bound, payload.data(), payload.size(), level);
  if (!ZSTD_isError(n) && n + 8 < payload.size()) {
    out.push_back(static_cast<char>(ChunkCodec::kZstd));
    PutVarint64(&out, payload.size());
    out.append(z.data(), n);
  } else {
    out.push_back(static_cast<char>(ChunkCodec::kNone));
    PutVarint64(&out, payload.size());
    out.append(payload);
  }
  return out;
}

namespace {

// Decompresses `body` into out[0..size), which it must fill exactly, with one
// decompression context per thread (ZSTD_decompress would set one up per chunk).
Status Unzstd(std::string_view body, char* out, size_t size) {
  struct Context {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Context() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Context dctx;
  size_t n = dctx.ctx ? ZSTD_decompressDCtx(dctx.ctx, out, size, body.data(), body.size())
                      : ZSTD_decompress(out, size, body.data(), body.size());
  if (ZSTD_isError(n) || n != size) {
    return Status::DataLoss(std::string("chunk does not decompress: ") +
                            (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch"));
  }
  return Status::Ok();
}

// A stored chunk's parts: its codec (kNone or kZstd), payload size and body
// (a kNone body is the payload itself, so its size must match).
struct StoredChunk {
  ChunkCodec codec;
  uint64_t size;
  std::string_view body;
};

Status SplitChunk(std::string_view stored, StoredChunk* chunk) {
  Decoder d(stored);
  chunk->codec = static_cast<ChunkCodec>(d.Byte());
  chunk->size = d.Count(kMaxChunkPayload);
  if (d.failed()) return Status::DataLoss("malformed chunk header");
  chunk->body = d.Bytes(d.remaining());
  if (chunk->codec != ChunkCodec::kNone && chunk->codec != ChunkCodec::kZstd) {
    return Status::DataLoss("unknown chunk codec");
  }
  if (chunk->codec == ChunkCodec::kNone && chunk->body.size() != chunk->size) {
    return Status::DataLoss("chunk size mismatch");
  }
  return Status::Ok();
}

}  // namespace

Status DecompressChunk(std::string_view stored, ChunkBuffer* buffer, std::string_view* payload) {
  StoredChunk c;
  RETURN_IF_ERROR(SplitChunk(stored, &c));
  const size_t size = c.size;
  *payload = std::string_view(buffer->Reserve(size), size);
  if (c.codec == ChunkCodec::kNone) {
    std::memcpy(buffer->data.get(), c.body.data(), size);
    return Status::Ok();
  }
  return Unzstd(c.body, buffer->data.get(), size);
}

Status DecompressChunk(std::string_view stored, std::shared_ptr<const void> stored_owner,
                       std::shared_ptr<const void>* owner, std::string_view* payload) {
  StoredChunk c;
  RETURN_IF_ERROR(SplitChunk(stored, &c));
  if (c.codec == ChunkCodec::kNone) {
    *owner = std::move(stored_owner);
    *payload = c.body;
    return Status::Ok();
  }
  std::shared_ptr<char[]> buf = std::make_shared_for_overwrite<char[]>(c.size == 0 ? 1 : c.size);
  RETURN_IF_ERROR(Unzstd(c.body, buf.get(), c.size));
  *payload = std::string_view(buf.get(), c.size);
  *owner = std::move(buf);
  return Status::Ok();
}

Status DecompressChunk(std::string_view stored, std::string* payload) {
  StoredChunk c;
  RETURN_IF_ERROR(SplitChunk(stored, &c));
  if (c.codec == ChunkCodec::kNone) {
    payload->assign(c.body);
    return Status::Ok();
  }
  payload->resize(c.size);  // a reused buffer keeps its capacity: no allocation
  return Unzstd(c.body, payload->data(), c.size);
}

}  // namespace flowlens::storage
