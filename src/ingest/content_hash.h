// The content half of an ingested object's key (storage::ObjectKey):
// "x64:<16 hex digits>:<size>", a 64-bit hash of the object's bytes as stored
// (compressed for .gz) and their count. Re-ingesting an object that a store
// already marked with the same path and hash skips it.
//
// ContentHasher computes it streamed, over the bytes in any pieces, with the
// same value as one pass over the whole: the bulk loader hashes the bytes it
// reads anyway (ObjectReader), so a file is not read twice and the hash is
// not a serial phase before the load. HashFile reads a file just to hash it
// (the check before loading an object whose path the store knows already).
//
// The value must never change: stores keep it in their ingested marks, and a
// changed hash would load every old object again.
//
//   ContentHasher h; h.Update(piece1); h.Update(piece2); std::string key = h.Finish();
//
// Thread safety: a plain value; one owner at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace flowlens::ingest {

class ContentHasher {
 public:
  ContentHasher();
  // Hashes `bytes`, which follow those of the previous calls.
  void Update(std::string_view bytes);
  // The key of all the bytes given; the hasher is spent.
  std::string Finish();
  uint64_t size() const { return size_; }

 private:
  // Four independent multiply-rotate lanes over 8-byte words (word i goes to
  // lane i % 4): several GB/s, a few percent of a parse.
  void Mix(const char* p, size_t words);

  uint64_t lane_[4];
  uint64_t size_ = 0;
  char pending_[32];      // the start of a 32-byte group not complete yet
  size_t pending_n_ = 0;  // < 32
};

// The key of the file at `path`, read whole.
Result<std::string> HashFile(const std::string& path);

}  // namespace flowlens::ingest
