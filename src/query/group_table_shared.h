// GroupTable::Shared: the fixed keys that the group tables of one query's
// workers share (aggregate.h): the key layout, decided by the first table to
// see a batch, one SharedKeyIndex for the keys, and the ids of IPv6 addresses
// (which the keys hold as 32-bit ids, so every table must give an address the
// same id).
//
//   auto shared = std::make_shared<GroupTable::Shared>(threads);
//   GroupTable t(stage, ts_slot, &state, shared);  // one per worker
//
// Thread safety: the members say what guards them; the indexes lock inside.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "query/aggregate.h"
#include "query/shared_key_index.h"

namespace flowlens::query {

struct GroupTable::Shared {
  // `tables`: how many tables share the keys (they share the memory budget).
  explicit Shared(int tables) : tables(tables < 1 ? 1 : tables) {}

  const int tables;
  std::mutex layout_mu;
  bool decided = false;     // guarded by layout_mu; lanes and narrow are set once true
  std::vector<Lane> lanes;  // written once under layout_mu, then read only
  bool narrow = false;
  SharedKeyIndex<NarrowKeySlot> narrow_index;  // narrow layouts
  SharedKeyIndex<WideKeySlot> wide_index;      // wide layouts
  mutable std::mutex v6_mu;
  FixedKeyIndex v6_ids;                 // IPv6 address -> id in v6_addrs; guarded by v6_mu
  std::vector<IpAddress> v6_addrs;      // guarded by v6_mu
  std::atomic<uint32_t> next_start{0};  // spreads the workers' first partitions

  template <typename F>
  decltype(auto) WithIndex(F&& f) {
    return narrow ? f(narrow_index) : f(wide_index);
  }
  template <typename F>
  decltype(auto) WithIndex(F&& f) const {
    return narrow ? f(narrow_index) : f(wide_index);
  }
};

}  // namespace flowlens::query
