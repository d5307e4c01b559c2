// Hash aggregation for stats: groups rows by their key values and keeps, per
// group, the state of every aggregate of the stats command.
//
// Each worker thread fills its own GroupTable from its batches; the tables
// merge at the end, and Finish() turns the groups into the stats output rows.
//
// Keys take one of two paths, chosen from the key columns of the first batch:
// - fixed: keys of typed int, timestamp, bool or address columns, packed
//   into two 64-bit lanes (an address takes 32 bits, so `by srcAddr, dstAddr`
//   is one lane; an IPv6 address, rare in flow logs, is a 32-bit id in a
//   side table with its bit set in the tag) with a null bit per key, built a
//   batch at a time from the column arrays and probed in a FixedKeyIndex, or
//   in a NarrowKeyIndex (16-byte slots) when the keys fill one lane only;
//   a table keyed by bin(period) alone takes its ids from the typed
//   @timestamp column through TimeBinKeys (time_bin_keys.h), without
//   evaluating the bin column or hashing its rows;
// - generic: each key Value encoded as bytes (EncodeKey: a type tag, then a
//   fixed-width payload or a length-prefixed text) in a KeyIndex.
// A later batch whose key columns do not fit the fixed layout (text, mixed
// types) moves the table to the generic path: the groups
// keep their ids, so the aggregate states stay where they are. Both paths
// give the same groups (numeric text groups with its number).
//
// Aggregate states live in Accumulators (group_accumulators.h), flat arrays
// by group id. A batch whose rows come in a few runs of one group (no `by`,
// or time bins of ordered records) is added a run at a time where the
// accumulator can (Accumulator::AddRun). The table counts the bytes of its keys and states; the
// caller checks them against the query's memory budget with CheckMemory().
//
// Thread safety: one table per thread; Merge() takes another table by value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "query/column.h"
#include "query/evaluator.h"
#include "query/fixed_key_index.h"
#include "query/group_accumulators.h"
#include "query/key_index.h"
#include "query/plan.h"
#include "query/time_bin_keys.h"

namespace flowlens::query {

// A `sort` followed by `limit` that the caller applies to a stats output.
struct StatsTopN {
  const Stage* sort = nullptr;
  size_t limit = 0;
};

class GroupTable {
 public:
  // `timestamp_slot` is where @timestamp is (for earliest/latest), or -1.
  GroupTable(const Stage& stage, int timestamp_slot, EvalState* state);
  ~GroupTable();
  // Adds every row of the batch.
  void Add(const Batch& batch);
  void Merge(GroupTable&& other);
  using TopN = StatsTopN;
  // The stats output: one row per group (one row in all when there is no
  // `by` and the input was empty), columns at the stage's output slots,
  // rows in ascending order of the group keys (or in no particular order when
  // `order_by_keys` is false, because a sort follows). With `top`, the output
  // may leave out groups that cannot be among the first `top.limit` rows of
  // that sort (its first key an aggregate's int result): the rows kept are
  // in group order, so the sort gives the same first rows as over every group.
  Batch Finish(size_t slot_count, EvalState* state, bool order_by_keys = true,
               const TopN& top = TopN());
  size_t group_count() const;
  size_t approximate_bytes() const;
  // Ok, or a ResourceExhausted error naming the stats keys, the budget and
  // the group count when the table holds more than its share of `budget_bytes`.
  // `tables`: how many tables share the budget (one per worker).
  Status CheckMemory(size_t budget_bytes, int tables = 1) const;

 private:
  enum class Mode : uint8_t { kUndecided, kGlobal, kFixed, kGeneric };
  // FixedKey::tag holds a null bit per key (bits 0..15) and an IPv6 bit per
  // address key (bits 16..31: the lane holds an id in v6_addrs_, not IPv4 bits).
  static constexpr unsigned kV6Shift = 16;
  // Where one key sits in the fixed layout.
  struct Lane {
    ColumnKind kind;  // kInt, kTimestamp, kBool or kAddress (IPv4)
    uint8_t lane;     // 0: FixedKey::a, 1: FixedKey::b
    uint8_t shift;
    uint8_t bits;  // 64 or 32
  };

  // Keys the batch through time_bins_ when it can (fills ids_ and runs_).
  bool AddTimeBinKeys(const Batch& batch);
  void AddFixedOrGenericKeys(const Batch& batch);
  bool ChooseLayout(const std::vector<ColumnRef>& keys);
  bool FitsLayout(const std::vector<ColumnRef>& keys) const;
  void BuildFixedKeys(const std::vector<ColumnRef>& keys, size_t n);
  // BuildFixedKeys for one or two typed address keys in one pass over the
  // rows (why: no zero fill, and each key written once, not or-ed in per
  // column); false when the keys are of another shape.
  bool BuildAddressKeys(const std::vector<ColumnRef>& keys, size_t n);
  // Key i of the rows whose value is missing: no bits, its null bit set.
  void ClearMissing(const Column& c, size_t i, FixedKey* out, size_t n) const;
  void ToGeneric();
  Value KeyValue(const FixedKey& k, size_t i) const;
  uint32_t V6Id(const IpAddress& ip);
  // ids[j] = V6Id(addrs[rows[j]]) for j < m (rows null: addrs[j]), probed
  // as one batch.
  void V6Ids(const IpAddress* addrs, const uint32_t* rows, size_t m, uint32_t* ids);
  // f(index) with the key index of the fixed layout (narrow or wide).
  template <typename F>
  decltype(auto) WithFixedIndex(F&& f) {
    return narrow_ ? f(narrow_index_) : f(fixed_);
  }
  template <typename F>
  decltype(auto) WithFixedIndex(F&& f) const {
    return narrow_ ? f(narrow_index_) : f(fixed_);
  }
  // `k` of another table (same layout) with its IPv6 ids made ours:
  // v6_map[its id] = our id.
  FixedKey Translate(const std::vector<uint32_t>& v6_map, FixedKey k) const;
  void ResizeStates();
  // Swaps the groups, keys and states with `other` (same stage).
  void SwapContents(GroupTable& other);
  // Group ids whose row may be among a top-N's, ascending; nullopt: all.
  std::optional<std::vector<uint32_t>> TopCandidates(const Batch& out, const TopN& top) const;
  // The fixed keys of groups `ids` (every group, by id, when null).
  std::vector<FixedKey> FixedKeysOf(const std::vector<uint32_t>* ids) const;
  // The key columns of groups `ids` (every group when null); text in `arena`.
  std::vector<Column> KeyColumns(const std::vector<uint32_t>* ids, Arena* arena) const;
  static std::vector<uint32_t> GroupOrder(size_t groups,
                                          const std::vector<const Column*>& key_columns);

  const Stage& stage_;
  EvalState* state_;
  int timestamp_slot_;
  Mode mode_ = Mode::kUndecided;
  std::vector<Lane> lanes_;      // kFixed: one per key
  bool narrow_ = false;          // kFixed: every key in lane a
  FixedKeyIndex fixed_;          // kFixed, two lanes
  NarrowKeyIndex narrow_index_;  // kFixed, one lane
  FixedKeyIndex v6_ids_;         // kFixed: IPv6 address -> id in v6_addrs_
  std::vector<IpAddress> v6_addrs_;
  KeyIndex generic_;                      // kGeneric: key bytes -> group
  std::optional<TimeBinKeys> time_bins_;  // the only key is bin(period)
  std::vector<std::unique_ptr<Accumulator>> accs_;
  size_t groups_ = 0;
  // Scratch for one batch.
  std::vector<FixedKey> keys_;
  std::vector<uint32_t> ids_;
  std::vector<GroupRun> runs_;  // empty: the batch is not known to run in groups
  std::vector<uint64_t> hashes_;
  std::string key_;
  std::vector<uint32_t> v6_rows_[2];  // rows whose first/second address is IPv6
  std::vector<uint32_t> v6_found_;
  std::vector<FixedKey> v6_keys_;
  std::vector<uint8_t> v6_new_;
};

}  // namespace flowlens::query
