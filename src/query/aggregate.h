// Hash aggregation for stats: groups rows by their key values and keeps, per
// group, the state of every aggregate of the stats command.
//
// Each worker thread fills its own GroupTable from its batches; the tables
// merge at the end, and Finish() turns the groups into the stats output rows.
// Keys are the group values encoded as bytes (a type tag, then a fixed-width
// payload or a length-prefixed text), so one table serves keys of any types.
//
// Thread safety: one table per thread; Merge() takes another table by value.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "query/column.h"
#include "query/evaluator.h"
#include "query/key_index.h"
#include "query/plan.h"

namespace flowlens::query {

// A value that owns its text.
struct OwnedValue {
  Value value;
  std::string text;
  void Set(const Value& v) {
    value = v;
    if (v.type == ValueType::kString) {
      text.assign(v.s);
      value.s = text;
    } else if (v.type == ValueType::kJson) {
      value = Value::Null();  // JSON values are not aggregated
    }
  }
  OwnedValue() = default;
  OwnedValue(const OwnedValue& o) { Set(o.value); }
  OwnedValue& operator=(const OwnedValue& o) {
    if (this != &o) Set(o.value);
    return *this;
  }
};

struct AggregateState {
  int64_t count = 0;
  int64_t isum = 0;
  double dsum = 0;
  bool sum_is_double = false;
  double mean = 0, m2 = 0;  // Welford, for stddev
  OwnedValue best;          // min, max, earliest, latest, sortsFirst, sortsLast
  int64_t best_ts = 0;
  uint64_t best_order = 0;
  std::unique_ptr<std::unordered_set<std::string>> distinct;
  std::unique_ptr<std::vector<double>> samples;
};

class GroupTable {
 public:
  // `timestamp_slot` is where @timestamp is (for earliest/latest), or -1.
  GroupTable(const Stage& stage, int timestamp_slot, EvalState* state);
  // Adds every row of the batch.
  void Add(const Batch& batch);
  void Merge(GroupTable&& other);
  // The stats output: one row per group (one row in all when there is no
  // `by` and the input was empty), columns at the stage's output slots,
  // rows in ascending order of the group keys (or in no particular order when
  // `order_by_keys` is false, because a sort follows).
  Batch Finish(size_t slot_count, EvalState* state, bool order_by_keys = true);
  size_t group_count() const { return index_.size(); }
  size_t approximate_bytes() const { return bytes_; }

 private:
  void Update(AggregateState& s, const AggSpec& spec, const Value& v, int64_t ts, uint64_t order);
  void MergeState(AggregateState& into, AggregateState&& from, const AggSpec& spec);
  Value Final(const AggregateState& s, const AggSpec& spec) const;

  const Stage& stage_;
  EvalState* state_;
  int timestamp_slot_;
  KeyIndex index_;                                   // key bytes -> group
  std::vector<std::vector<AggregateState>> states_;  // [aggregate][group]
  size_t bytes_ = 0;
};

// Appends the key encoding of a value (used for group keys and count_distinct).
void EncodeKey(const Value& v, std::string* out);
// Decodes one value at *pos and advances; strings point into `key`.
Value DecodeKey(std::string_view key, size_t* pos);

}  // namespace flowlens::query
