// KeyIndex: maps byte-string keys (encoded group keys) to dense group numbers
// 0, 1, 2, ... in insertion order.
//
// Why not std::unordered_map<std::string, uint32_t>: that costs a node and a
// string allocation per group, a pointer chase per probe, and a free per group
// at the end, which dominated high-cardinality stats (53% of a 180k-group
// query in bench/RESULTS.md). Here keys live in one arena, slots in one flat
// array probed linearly, each slot with the key's hash so most mismatches
// never touch the key bytes. Benchmark: bench/aggregation_bench.cc.
//
//   KeyIndex idx;
//   bool inserted; uint32_t g = idx.FindOrInsert(key, &inserted);
//   std::string_view k = idx.key(g);
//
// Thread safety: none; one index per worker.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/arena.h"

namespace flowlens::query {

class KeyIndex {
 public:
  KeyIndex() { slots_.resize(kInitialSlots); }

  uint32_t FindOrInsert(std::string_view key, bool* inserted) {
    const uint64_t h = Hash(key);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.group == kEmpty) {
        *inserted = true;
        const uint32_t g = static_cast<uint32_t>(keys_.size());
        keys_.push_back(arena_.Store(key));
        s = Slot{h, g};
        if (keys_.size() * 2 > slots_.size()) Grow();
        return g;
      }
      if (s.hash == h && keys_[s.group] == key) {
        *inserted = false;
        return s.group;
      }
    }
  }

  size_t size() const { return keys_.size(); }
  // The key of group `g`; the view lives as long as the index.
  std::string_view key(uint32_t g) const { return keys_[g]; }
  size_t bytes() const { return arena_.bytes_reserved() + slots_.size() * sizeof(Slot); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialSlots = 1024;
  struct Slot {
    uint64_t hash = 0;
    uint32_t group = kEmpty;
  };

  static uint64_t Hash(std::string_view key) {
    uint64_t h = std::hash<std::string_view>{}(key);
    return h ^ (h >> 29);  // spread the high bits into the probe index
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.group == kEmpty) continue;
      size_t i = s.hash & mask;
      while (slots_[i].group != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;
  Arena arena_;
};

}  // namespace flowlens::query
