// DistinctPairSet: a hash set of 64-bit keys, for count_distinct's
// (group, value) pairs whose value fits 32 bits (ports, protocols, IPv4
// addresses): the key is group << 32 | value.
//
// Why it is small and fast: a pair costs one 8-byte slot (the wide
// FixedKeyIndex slot is 24 bytes and holds an id count_distinct never
// reads), load factor at most 3/4 with linear probing, so a set of a few
// million pairs is a third of the memory; InsertBatch hashes a batch first
// and probes with the slot of a later key prefetched. A slot holds the key's
// complement, so the empty slot (the key all ones: group UINT32_MAX is never
// an id) is all zero bytes and a fresh array (ZeroedArray) needs no fill.
// Benchmark: bench/aggregation_bench.cc (BM_FixedKeys* with count_distinct).
//
//   DistinctPairSet s;
//   bool fresh = s.Insert(uint64_t{group} << 32 | port);
//
// Thread safety: none; one set per worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "query/huge_page_allocator.h"

namespace flowlens::query {

class DistinctPairSet {
 public:
  DistinctPairSet() { slots_.resize(kInitialSlots); }

  static uint64_t Key(uint32_t group, uint32_t value) {
    return static_cast<uint64_t>(group) << 32 | value;
  }

  // True when `key` was not in the set (it is now).
  bool Insert(uint64_t key) { return InsertHashed(key, Hash(key)); }

  // inserted[i] = 1 when keys[i] was new. `hashes`: scratch of n entries.
  void InsertBatch(const uint64_t* keys, size_t n, uint8_t* inserted, uint64_t* hashes) {
    for (size_t i = 0; i < n; ++i) hashes[i] = Hash(keys[i]);
    constexpr size_t kAhead = 16;
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) __builtin_prefetch(&slots_[hashes[i + kAhead] & (slots_.size() - 1)]);
      inserted[i] = InsertHashed(keys[i], hashes[i]);
    }
  }

  // found[i] = 1 when keys[i] is in the set. `hashes`: scratch of n entries.
  void FindBatch(const uint64_t* keys, size_t n, uint8_t* found, uint64_t* hashes) const {
    for (size_t i = 0; i < n; ++i) hashes[i] = Hash(keys[i]);
    constexpr size_t kAhead = 16;
    const size_t mask = slots_.size() - 1;
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) __builtin_prefetch(&slots_[hashes[i + kAhead] & mask]);
      const uint64_t stored = ~keys[i];
      size_t j = hashes[i] & mask;
      while (slots_[j] != stored && slots_[j] != 0) j = (j + 1) & mask;
      found[i] = slots_[j] == stored;
    }
  }

  // Makes room for `keys` keys in all without growing: a merge grows the
  // set once to its final size, not once midway and again.
  void Reserve(size_t keys) {
    size_t want = slots_.size();
    while (keys * 4 > want * 3) want *= 2;
    if (want != slots_.size()) Grow(want);
  }

  size_t size() const { return size_; }
  size_t bytes() const { return slots_.capacity() * sizeof(uint64_t); }

  // Calls f(key) for every key, in no particular order.
  template <typename F>
  void ForEach(F&& f) const {
    for (uint64_t k : slots_) {
      if (k != 0) f(~k);
    }
  }

 private:
  static constexpr size_t kInitialSlots = 64;

  static uint64_t Hash(uint64_t k) {
    // murmur3's finalizer: group and value bits both reach the low bits.
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    k *= 0xC4CEB9FE1A85EC53ull;
    k ^= k >> 33;
    return k;
  }

  bool InsertHashed(uint64_t key, uint64_t h) {
    const size_t mask = slots_.size() - 1;
    const uint64_t stored = ~key;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i] == stored) return false;
      if (slots_[i] == 0) {
        slots_[i] = stored;
        if (++size_ * 4 > slots_.size() * 3) Grow(slots_.size() * 2);
        return true;
      }
    }
  }

  // Why it is fast: the old keys are gathered and hashed a block at a time,
  // and each one's new slot is prefetched 16 keys before it is written, so
  // the misses of a set of tens of MB overlap (a merge of two workers' sets
  // of 1.3M pairs grows the set it goes into once, on the one thread that
  // merges).
  void Grow(size_t slot_count) {
    ZeroedArray<uint64_t> old = std::move(slots_);
    slots_ = ZeroedArray<uint64_t>(slot_count);
    const size_t mask = slots_.size() - 1;
    constexpr size_t kBlock = 256, kAhead = 16;
    uint64_t keys[kBlock];
    size_t home[kBlock];
    size_t m = 0;
    auto flush = [&] {
      for (size_t j = 0; j < m; ++j) home[j] = Hash(~keys[j]) & mask;
      for (size_t j = 0; j < m; ++j) {
        if (j + kAhead < m) __builtin_prefetch(&slots_[home[j + kAhead]], 1);
        size_t i = home[j];
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = keys[j];
      }
      m = 0;
    };
    for (uint64_t k : old) {
      if (k == 0) continue;
      keys[m++] = k;
      if (m == kBlock) flush();
    }
    flush();
  }

  ZeroedArray<uint64_t> slots_;  // ~key; 0: empty
  size_t size_ = 0;
};

}  // namespace flowlens::query
