// SharedKeyIndex: one fixed-width key index that every worker of a query
// inserts into at the same time, so the workers' group tables agree on group
// ids and need no merge of their keys.
//
// Layout: kPartitions independent BasicFixedKeyIndex partitions, each behind
// its own mutex. A key's partition is the top bits of its hash (the slot
// inside the partition takes the low bits, so the two are independent). The
// id of a key is local * kPartitions + partition, where local is its id inside
// the partition: no shared counter, and ids are dense up to the imbalance of
// the partitions (a few percent over a million keys). Ids that no key holds
// (holes) belong to no group; LiveIds() lists the others.
//
// Why it is fast: with one table per worker, each of the two workers of a
// `stats ... by srcAddr, dstAddr` over 10M flows inserts nearly all 1.34M
// groups, paying a cache miss per first insert, a table growth per doubling,
// page faults over two tables, and then a serial merge that probes every key
// again. Here each group is inserted once, into half the memory, and nothing
// is merged. FindOrInsertBatch hashes a batch, orders its rows by partition
// with a counting sort (in cache), and takes each partition's lock once per
// batch; a worker starts at its own partition and skips a busy one to come
// back to it last, so the workers seldom wait. Inside a partition the probes
// are prefetched as in BasicFixedKeyIndex::FindOrInsertBatch. Benchmark:
// bench/aggregation_bench.cc (BM_SharedKeys*).
//
//   SharedKeyIndex<NarrowKeySlot> idx;                 // shared by the workers
//   SharedKeyIndex<NarrowKeySlot>::Scratch s;          // one per worker
//   uint32_t bound = idx.FindOrInsertBatch(keys, n, ids, &s);  // ids < bound
//
// Thread safety: every public member may be called from any thread at once.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "query/fixed_key_index.h"

namespace flowlens::query {

// A worker's buffers for SharedKeyIndex::FindOrInsertBatch.
struct SharedKeyScratch {
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> rows;  // row numbers, grouped by partition
  uint32_t start = 0;          // the partition this worker visits first
};

template <typename Slot>
class SharedKeyIndex {
 public:
  static constexpr unsigned kPartitionBits = 4;
  static constexpr uint32_t kPartitions = 1u << kPartitionBits;

  SharedKeyIndex() {
    size_t b = 0;
    for (const Partition& part : parts_) b += part.index.bytes();
    bytes_ = b;
  }

  using Scratch = SharedKeyScratch;

  // A copy of every partition's key count: which ids held a key at one moment.
  using Counts = std::array<uint32_t, kPartitions>;

  // ids[i] = the id of keys[i] (inserted when new). Returns one more than the
  // largest id of the batch (0 when n is 0).
  uint32_t FindOrInsertBatch(const FixedKey* keys, size_t n, uint32_t* ids, Scratch* s) {
    s->hashes.resize(n);
    s->rows.resize(n);
    uint32_t begin[kPartitions + 1] = {};
    for (size_t i = 0; i < n; ++i) {
      s->hashes[i] = HashFixedKey(keys[i]);
      ++begin[PartitionOf(s->hashes[i]) + 1];
    }
    for (uint32_t p = 0; p < kPartitions; ++p) begin[p + 1] += begin[p];
    uint32_t fill[kPartitions];
    std::copy(begin, begin + kPartitions, fill);
    for (size_t i = 0; i < n; ++i)
      s->rows[fill[PartitionOf(s->hashes[i])]++] = static_cast<uint32_t>(i);
    uint32_t bound = 0;
    uint32_t busy = 0;  // bit p: partition p was locked by another worker
    auto insert = [&](uint32_t p) {
      const uint32_t* rows = s->rows.data() + begin[p];
      const size_t m = begin[p + 1] - begin[p];
      Partition& part = parts_[p];
      const size_t bytes_before = part.index.bytes();
      part.index.FindOrInsertRows(keys, s->hashes.data(), rows, m, ids);
      part.count = static_cast<uint32_t>(part.index.size());
      bytes_.fetch_add(part.index.bytes() - bytes_before, std::memory_order_relaxed);
      part.mu.unlock();
      uint32_t top = 0;
      for (size_t j = 0; j < m; ++j) {
        const uint32_t id = ids[rows[j]] * kPartitions + p;
        ids[rows[j]] = id;
        top = std::max(top, id);
      }
      bound = std::max(bound, top + 1);
    };
    for (uint32_t k = 0; k < kPartitions; ++k) {
      const uint32_t p = (s->start + k) & (kPartitions - 1);
      if (begin[p] == begin[p + 1]) continue;
      if (parts_[p].mu.try_lock()) {
        insert(p);
      } else {
        busy |= 1u << p;
      }
    }
    for (uint32_t p = 0; busy != 0; ++p) {
      if (!(busy & (1u << p))) continue;
      busy &= ~(1u << p);
      parts_[p].mu.lock();
      insert(p);
    }
    return bound;
  }

  // Every partition's key count now.
  Counts Snapshot() const {
    Counts c;
    for (uint32_t p = 0; p < kPartitions; ++p) {
      std::lock_guard<std::mutex> lock(parts_[p].mu);
      c[p] = parts_[p].count;
    }
    return c;
  }

  // The ids below `bound` that held a key when `counts` was taken, ascending.
  static std::vector<uint32_t> LiveIds(const Counts& counts, uint32_t bound) {
    std::vector<uint32_t> ids;
    size_t total = 0;
    for (uint32_t c : counts) total += c;
    ids.reserve(std::min<size_t>(total, bound));
    for (uint32_t id = 0; id < bound; ++id) {
      if (id / kPartitions < counts[id % kPartitions]) ids.push_back(id);
    }
    return ids;
  }

  // The keys of `ids` (ids that hold a key). Holds every partition's lock
  // (taken in order, as no worker holds two) while it reads.
  std::vector<FixedKey> KeysOf(const std::vector<uint32_t>& ids) const {
    std::vector<FixedKey> keys(ids.size());
    for (const Partition& part : parts_) part.mu.lock();
    for (size_t i = 0; i < ids.size(); ++i) {
      keys[i] = parts_[ids[i] % kPartitions].index.KeyOf(ids[i] / kPartitions);
    }
    for (const Partition& part : parts_) part.mu.unlock();
    return keys;
  }

  // Keys held (all partitions).
  size_t size() const {
    size_t n = 0;
    for (uint32_t c : Snapshot()) n += c;
    return n;
  }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed) + sizeof(*this); }

 private:
  static uint32_t PartitionOf(uint64_t hash) {
    return static_cast<uint32_t>(hash >> (64 - kPartitionBits));
  }

  struct alignas(64) Partition {
    mutable std::mutex mu;
    BasicFixedKeyIndex<Slot> index;  // guarded by mu
    uint32_t count = 0;              // index.size(), guarded by mu
  };

  std::array<Partition, kPartitions> parts_;
  std::atomic<size_t> bytes_{0};
};

}  // namespace flowlens::query
