// FixedKeyIndex: maps fixed-width keys (two 64-bit lanes and a 32-bit tag) to
// dense ids 0, 1, 2, ... in insertion order. The stats group table uses it for
// keys built straight from typed columns (ints, timestamps, IPv4 addresses
// packed into the lanes, the tag holding the null bits); count_distinct uses
// it for (group, value) pairs that do not fit a DistinctPairSet.
// NarrowKeyIndex is the same for keys whose second lane is always 0 (one
// int or timestamp key, or two IPv4 addresses: `by srcAddr, dstAddr`).
//
// Why it is fast: the key lives in the slot itself (24 bytes: lanes, tag, id;
// 16 for a narrow key, four slots a cache line), so a probe is one cache line
// and a compare of a few words, with no key arena and no per-key allocation.
// FindOrInsertBatch hashes every key of a batch first, then probes with the
// slot of a later key prefetched, so the cache misses of a large table
// overlap; a key equal to the row before (runs of one time bin, one flow)
// takes the previous id without a probe. Load factor at most 1/2 (3/4 for
// the table a merge goes into), linear probing; a big table sits on huge
// pages (huge_page_allocator.h), and its growth re-inserts the keys with
// prefetches. The keys are also kept in id order (by_id_, at most 3/4 of a
// slot array): a merge reads the other table's keys in order, and a top-N
// finish looks up its few candidates' keys, instead of walking every slot
// of a table of tens of MB on the one thread that runs after the workers.
// Benchmark: bench/aggregation_bench.cc (BM_FixedKeys*, BM_MergeTables).
//
//   FixedKeyIndex idx;
//   bool inserted; uint32_t id = idx.FindOrInsert(FixedKey{a, b, 0}, &inserted);
//
// Thread safety: none; one index per worker.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "query/huge_page_allocator.h"

namespace flowlens::query {

struct FixedKey {
  uint64_t a = 0;
  uint64_t b = 0;
  uint32_t tag = 0;
  friend bool operator==(const FixedKey& x, const FixedKey& y) {
    return x.a == y.a && x.b == y.b && x.tag == y.tag;
  }
};

inline uint64_t HashFixedKey(const FixedKey& k) {
  // Two multiplies and the murmur3 finalizer: packed addresses and small
  // integers differ in few bits, so every input bit must reach the low bits
  // that pick the slot.
  uint64_t h = k.a * 0x9E3779B97F4A7C15ull;
  h ^= (k.b + (static_cast<uint64_t>(k.tag) << 17)) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return h;
}

// 24 bytes: a FixedKey's fields with the id in its padding. A slot of all
// zero bytes is empty (id_plus_1 0), so a fresh array needs no fill
// (ZeroedArray, huge_page_allocator.h).
struct WideKeySlot {
  uint64_t a = 0, b = 0;
  uint32_t tag = 0;
  uint32_t id_plus_1 = 0;
  FixedKey key() const { return FixedKey{a, b, tag}; }
  bool empty() const { return id_plus_1 == 0; }
  uint32_t id() const { return id_plus_1 - 1; }
  bool Holds(const FixedKey& k) const { return a == k.a && b == k.b && tag == k.tag; }
  void Set(const FixedKey& k, uint32_t i) { *this = WideKeySlot{k.a, k.b, k.tag, i + 1}; }
};
static_assert(sizeof(WideKeySlot) == 24);

// 16 bytes: lane b is not stored (the caller keeps it 0).
struct NarrowKeySlot {
  uint64_t a = 0;
  uint32_t tag = 0;
  uint32_t id_plus_1 = 0;
  FixedKey key() const { return FixedKey{a, 0, tag}; }
  bool empty() const { return id_plus_1 == 0; }
  uint32_t id() const { return id_plus_1 - 1; }
  bool Holds(const FixedKey& k) const { return a == k.a && tag == k.tag; }
  void Set(const FixedKey& k, uint32_t i) { *this = NarrowKeySlot{k.a, k.tag, i + 1}; }
};
static_assert(sizeof(NarrowKeySlot) == 16);

template <typename Slot>
class BasicFixedKeyIndex {
 public:
  BasicFixedKeyIndex() { slots_.resize(kInitialSlots); }

  uint32_t FindOrInsert(const FixedKey& key, bool* inserted) {
    return FindOrInsertHashed(key, HashFixedKey(key), inserted);
  }

  // ids[i] = the id of keys[i]; inserted[i] (when given) = 1 when keys[i]
  // was new. `hashes` is scratch of at least n entries.
  void FindOrInsertBatch(const FixedKey* keys, size_t n, uint32_t* ids, uint8_t* inserted,
                         uint64_t* hashes) {
    for (size_t i = 0; i < n; ++i) hashes[i] = HashFixedKey(keys[i]);
    // 32 keys ahead (was 16): a row costs ~10 ns, and a miss to memory on
    // this VM takes longer than 16 of them (store Q1/Q2: 1-2% less CPU).
    constexpr size_t kAhead = 32;
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) __builtin_prefetch(&slots_[hashes[i + kAhead] & (slots_.size() - 1)]);
      bool ins = false;
      if (i > 0 && hashes[i] == hashes[i - 1] && keys[i] == keys[i - 1]) {
        ids[i] = ids[i - 1];
      } else {
        ids[i] = FindOrInsertHashed(keys[i], hashes[i], &ins);
      }
      if (inserted) inserted[i] = ins;
    }
  }

  // From now on the table may fill to 3/4 before it grows (1/2 before).
  // For the table a merge goes into: the union of two workers' tables of a
  // million groups each then fits the slots it has, where growing would
  // re-insert every key and fault in tens of MB on the one thread that
  // merges; probes that find their key stay short at 3/4.
  void AllowDenserLoad() { dense_ = true; }

  // Makes room for `keys` keys without growing.
  void Reserve(size_t keys) {
    size_t want = slots_.size();
    while (!FitsLoad(keys, want)) want *= 2;
    if (want != slots_.size()) Rehash(want);
  }

  size_t size() const { return size_; }
  size_t bytes() const { return (slots_.capacity() + by_id_.capacity()) * sizeof(Slot); }

  // Calls f(key, id) for every key, in no particular order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (!s.empty()) f(s.key(), s.id());
    }
  }

  // The key of id `id` (< size()).
  FixedKey KeyOf(uint32_t id) const { return by_id_[id].key(); }

  // Every key, indexed by id.
  std::vector<FixedKey> KeysById() const {
    std::vector<FixedKey> out(size_);
    for (size_t i = 0; i < size_; ++i) out[i] = by_id_[i].key();
    return out;
  }

 private:
  static constexpr size_t kInitialSlots = 256;

  bool FitsLoad(size_t keys, size_t slots) const {
    return dense_ ? keys * 4 <= slots * 3 : keys * 2 <= slots;
  }

  uint32_t FindOrInsertHashed(const FixedKey& key, uint64_t h, bool* inserted) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.empty()) {
        *inserted = true;
        const uint32_t id = static_cast<uint32_t>(size_++);
        s.Set(key, id);
        by_id_.push_back(s);
        if (!FitsLoad(size_, slots_.size())) Rehash(slots_.size() * 2);
        return id;
      }
      if (s.Holds(key)) {
        *inserted = false;
        return s.id();
      }
    }
  }

  // The keys come back from by_id_ (read in order), so the old slots go
  // before the new ones are allocated. Why it is fast: the keys are hashed a
  // block at a time and each one's slot is prefetched kAhead keys before it
  // is written, so the misses of a table of tens of MB overlap (the growths
  // of a million-group table were 8% of `stats sum(packets) by srcAddr,
  // dstAddr` when each store waited for its miss).
  void Rehash(size_t slot_count) {
    slots_ = ZeroedArray<Slot>();
    slots_ = ZeroedArray<Slot>(slot_count);  // all empty, without a fill
    by_id_.reserve(dense_ ? slot_count / 4 * 3 : slot_count / 2);  // room up to the next growth
    const size_t mask = slots_.size() - 1;
    constexpr size_t kBlock = 256, kAhead = 16;
    uint32_t home[kBlock];
    for (size_t base = 0; base < by_id_.size(); base += kBlock) {
      const size_t m = std::min(kBlock, by_id_.size() - base);
      for (size_t j = 0; j < m; ++j) {
        home[j] = static_cast<uint32_t>(HashFixedKey(by_id_[base + j].key()) & mask);
      }
      for (size_t j = 0; j < m; ++j) {
        if (j + kAhead < m) __builtin_prefetch(&slots_[home[j + kAhead]], 1);
        size_t i = home[j];
        while (!slots_[i].empty()) i = (i + 1) & mask;
        slots_[i] = by_id_[base + j];
      }
    }
  }

  ZeroedArray<Slot> slots_;  // big tables on huge pages: fewer TLB misses
  ZeroedArray<Slot> by_id_;  // the keys in id order (grows without a copy)
  size_t size_ = 0;
  bool dense_ = false;  // AllowDenserLoad()
};

using FixedKeyIndex = BasicFixedKeyIndex<WideKeySlot>;
using NarrowKeyIndex = BasicFixedKeyIndex<NarrowKeySlot>;

}  // namespace flowlens::query
