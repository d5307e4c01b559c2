// GroupTable with keys shared by the workers (aggregate.h,
// group_table_shared.h): joining the shared layout, the ids of this table's
// groups, and leaving the shared keys for keys of its own.
#include <numeric>

#include "query/aggregate.h"
#include "query/group_table_shared.h"

namespace flowlens::query {

bool GroupTable::JoinSharedLayout(const std::vector<ColumnRef>& keys) {
  std::lock_guard<std::mutex> lock(shared_->layout_mu);
  if (!shared_->decided) {
    // The first table to see fixed keys decides for every table.
    if (!ChooseLayout(keys)) return false;
    shared_->lanes = lanes_;
    shared_->narrow = narrow_;
    shared_->decided = true;
  } else {
    lanes_ = shared_->lanes;
    narrow_ = shared_->narrow;
  }
  shared_keys_ = true;
  return true;
}

std::vector<uint32_t> GroupTable::SharedLiveIds() const {
  SharedKeyIndex<NarrowKeySlot>::Counts counts;
  if (frozen_counts_.size() == counts.size()) {
    std::copy(frozen_counts_.begin(), frozen_counts_.end(), counts.begin());
  } else {
    counts = shared_->WithIndex([](const auto& idx) { return idx.Snapshot(); });
  }
  return SharedKeyIndex<NarrowKeySlot>::LiveIds(counts, static_cast<uint32_t>(groups_));
}

void GroupTable::FreezeGroups() {
  if (!shared_keys_) return;
  const auto counts = shared_->WithIndex([](const auto& idx) { return idx.Snapshot(); });
  frozen_counts_.assign(counts.begin(), counts.end());
}

void GroupTable::LeaveShared() {
  // This table's groups get dense ids 0, 1, ... in the order of their shared
  // ids; their states move there (a hole's state is empty: it goes to 0).
  const std::vector<uint32_t> live = SharedLiveIds();
  std::vector<FixedKey> keys =
      shared_->WithIndex([&](const auto& idx) { return idx.KeysOf(live); });
  std::vector<IpAddress> shared_v6;
  {
    std::lock_guard<std::mutex> lock(shared_->v6_mu);
    shared_v6 = shared_->v6_addrs;
  }
  shared_keys_ = false;
  shared_.reset();
  frozen_counts_.clear();
  std::vector<uint32_t> map(groups_, 0);
  for (size_t i = 0; i < live.size(); ++i) map[live[i]] = static_cast<uint32_t>(i);
  WithFixedIndex([&](auto& idx) {
    for (const FixedKey& k : keys) {
      bool inserted;
      idx.FindOrInsert(Translate(shared_v6, k), &inserted);
    }
  });
  for (size_t a = 0; a < accs_.size(); ++a) {
    std::unique_ptr<Accumulator> fresh = MakeAccumulator(stage_.aggregates[a]);
    fresh->Resize(live.size());
    if (!live.empty()) fresh->Merge(std::move(*accs_[a]), map.data());
    accs_[a] = std::move(fresh);
  }
  groups_ = live.size();
}

}  // namespace flowlens::query
