#include "query/time_bin_keys.h"

namespace flowlens::query {
namespace {

// Bins are remembered only between real period boundaries well inside the
// int64 range: near its ends FloorToPeriod and CeilToPeriod saturate, and a
// saturated bound is no bin edge.
constexpr int64_t kEdge = int64_t{1} << 62;

}  // namespace

uint32_t TimeBinKeys::Enter(int64_t ms, NarrowKeyIndex* index) {
  const int64_t bin = floor_(ms);
  bool inserted;
  id_ = index->FindOrInsert(FixedKey{static_cast<uint64_t>(bin), 0, 0}, &inserted);
  start_ = static_cast<uint64_t>(bin);
  width_ = 0;
  if (bin > -kEdge && bin < kEdge) {
    // A fixed period's next edge is one period on (|bin| and the period are
    // below 2^62 and 2^61 here); a calendar one's is computed.
    const int64_t fixed = floor_.fixed_period();
    const int64_t end = fixed ? bin + fixed : CeilToPeriod(bin + 1, amount_, unit_);
    if (end > bin && end < kEdge) width_ = static_cast<uint64_t>(end) - start_;
  }
  return id_;
}

void TimeBinKeys::Assign(const Column& ts, size_t n, NarrowKeyIndex* index, uint32_t* ids,
                         std::vector<GroupRun>* runs) {
  runs->clear();
  const int64_t* x = ts.ints.data();
  const uint8_t* valid = ts.valid.empty() ? nullptr : ts.valid.data();
  size_t r = 0;
  while (r < n) {
    const size_t begin = r;
    uint32_t id;
    if (valid && !valid[r]) {
      bool inserted;
      id = index->FindOrInsert(FixedKey{0, 0, 1}, &inserted);  // the missing-key group
      while (++r < n && !valid[r]) {
      }
    } else {
      id = static_cast<uint64_t>(x[r]) - start_ < width_ ? id_ : Enter(x[r], index);
      // The run goes on while rows stay in the remembered bin: the hot loop.
      if (valid) {
        while (++r < n && valid[r] && static_cast<uint64_t>(x[r]) - start_ < width_) {
        }
      } else {
        while (++r < n && static_cast<uint64_t>(x[r]) - start_ < width_) {
        }
      }
    }
    for (size_t i = begin; i < r; ++i) ids[i] = id;
    runs->push_back(GroupRun{static_cast<uint32_t>(begin), id});
  }
}

}  // namespace flowlens::query
